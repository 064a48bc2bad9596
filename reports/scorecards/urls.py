from django.urls import path

from . import views

urlpatterns = [
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/runs/<int:pk>/", views.scorecard_run, name="scorecard_run"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard_detail"),
    path("scorecards/<int:pk>/snapshot/", views.scorecard_snapshot, name="scorecard_snapshot"),
    path("scorecards/<int:pk>/download.<str:kind>", views.scorecard_file, name="scorecard_file"),
]
