from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("form/", views.department_form_view, name="form"),
    path("values/<int:pk>/", views.value_detail, name="value_detail"),
    path("values/<int:pk>/evidence/", views.value_evidence, name="value_evidence"),
    path("values/<int:pk>/review/", views.value_review, name="value_review"),
    path("qualitative/<int:pk>/", views.qualitative_detail, name="qualitative_detail"),
    path("qualitative/<int:pk>/review/", views.qualitative_review, name="qualitative_review"),
    path("inbox/", views.inbox, name="inbox"),
    path("periods/", views.periods, name="periods"),
    path("completeness/", views.completeness_view, name="completeness"),
    path("overview/", views.overview, name="overview"),
    path("indicators/<str:code>/", views.indicator_page, name="indicator"),
    path(
        "indicators/<str:code>/download.<str:kind>",
        views.indicator_download,
        name="indicator_download",
    ),
    path("departments/<str:code>/", views.department_page, name="department"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_job, name="import_job"),
    path(
        "imports/templates/<str:resource>.<str:kind>",
        views.import_template,
        name="import_template",
    ),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/runs/<int:pk>/", views.scorecard_run, name="scorecard_run"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/snapshot/", views.scorecard_snapshot, name="scorecard_snapshot"),
    path("scorecards/<int:pk>/download.<str:kind>", views.scorecard_file, name="scorecard_file"),
]
