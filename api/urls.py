"""The API under ``/api/`` (docs/api.md): the v1 resources, the schema and its documentation,
the tokens page, and the DHIS2-compatible endpoints (``api.dhis2_urls``)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import views, viewsets

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_format_suffixes = False
router.register("documents", viewsets.DocumentViewSet, basename="document")
router.register("indicators", viewsets.IndicatorViewSet, basename="indicator")
router.register("targets", viewsets.TargetViewSet, basename="target")
router.register("tasks", viewsets.TaskViewSet, basename="task")
router.register("departments", viewsets.DepartmentViewSet, basename="department")
router.register("responsibilities", viewsets.ResponsibilityViewSet, basename="responsibility")
router.register("periods", viewsets.ReportingPeriodViewSet, basename="period")
router.register("values", viewsets.ReportedValueViewSet, basename="value")
router.register(
    "qualitative-reports", viewsets.QualitativeReportViewSet, basename="qualitative-report"
)
router.register("gaps", viewsets.GapResultViewSet, basename="gap")
router.register("scorecards", viewsets.ScorecardViewSet, basename="scorecard")
router.register("scorecard-runs", viewsets.ScorecardRunViewSet, basename="scorecard-run")

urlpatterns = [
    path("", views.RootView.as_view(), name="root"),
    path("v1/assessment/", viewsets.AssessmentView.as_view(), name="assessment"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("tokens/", views.tokens, name="tokens"),
    path("", include("api.dhis2_urls")),
    # Anything else under /api/ that ends with a slash: a JSON 404 rather than the site's page.
    re_path(r"^.+/$", views.NotFoundView.as_view(), name="not_found"),
]
