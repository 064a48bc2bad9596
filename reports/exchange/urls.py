from django.urls import path

from . import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path(
        "imports/templates/<str:resource>.<str:kind>",
        views.import_template,
        name="import_template",
    ),
]
