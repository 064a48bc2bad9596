from django.urls import path

from . import views

urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("indicators/<str:code>/", views.indicator_page, name="indicator"),
    path(
        "indicators/<str:code>/download.<str:kind>",
        views.indicator_download,
        name="indicator_download",
    ),
    path("departments/<str:code>/", views.department_page, name="department"),
]
