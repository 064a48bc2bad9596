"""Every page of the reports app, under ``/reports/`` and the ``reports:`` namespace."""

from .assessment.urls import urlpatterns as assessment
from .dashboards.urls import urlpatterns as dashboards
from .exchange.urls import urlpatterns as exchange
from .reporting.urls import urlpatterns as reporting
from .scorecards.urls import urlpatterns as scorecards

app_name = "reports"

urlpatterns = [*reporting, *dashboards, *exchange, *scorecards, *assessment]
