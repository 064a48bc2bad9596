from django.urls import path

from . import views

urlpatterns = [
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/download.<str:kind>", views.assessment_file, name="assessment_file"),
]
