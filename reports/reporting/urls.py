from django.urls import path

from . import views

urlpatterns = [
    path("form/", views.department_form_view, name="form"),
    path("values/<int:pk>/", views.value_detail, name="value_detail"),
    path("values/<int:pk>/evidence/", views.value_evidence, name="value_evidence"),
    path("values/<int:pk>/review/", views.value_review, name="value_review"),
    path("values/<int:pk>/followup/", views.value_followup, name="value_followup"),
    path("qualitative/<int:pk>/", views.qualitative_detail, name="qualitative_detail"),
    path("qualitative/<int:pk>/review/", views.qualitative_review, name="qualitative_review"),
    path("inbox/", views.inbox, name="inbox"),
    path("periods/", views.periods, name="periods"),
    path("completeness/", views.completeness_view, name="completeness"),
]
