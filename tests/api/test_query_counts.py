"""Each list reads a fixed number of queries, however many rows it returns (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import reported_value

from .conftest import QUARTER

pytestmark = pytest.mark.django_db

LISTS = (
    "documents",
    "indicators",
    "targets",
    "tasks",
    "departments",
    "responsibilities",
    "periods",
    "values",
    "qualitative-reports",
    "gaps",
    "scorecards",
    "scorecard-runs",
    "assessment",
)
#: Authentication (the token and its user), the role, the count and the page, and a prefetch
#: or two; what matters is that the number does not grow with the rows. The assessment is the
#: page's own fixed set of reads (reports/assessment/selectors.py).
MOST = {"assessment": 16}


def test_every_list_reads_a_fixed_number_of_queries(people, api, agri_rate, agri_brands):
    for indicator, value in ((agri_rate, "98.4"), (agri_brands, "12")):
        reported_value(
            indicator=indicator,
            department=people.owner.membership.department,
            period=QUARTER,
            value=value,
            state="submitted",
        )
    client = api(people.office)
    client.get("/api/v1/values/")  # the token's first use is recorded once
    for resource in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{resource}/?page_size=1000")
        assert response.status_code == 200, resource
        rows = len(response.json()["results"])
        assert len(queries) <= MOST.get(resource, 10), (
            resource,
            rows,
            [q["sql"][:120] for q in queries],
        )
