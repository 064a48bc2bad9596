"""Pinned query counts: list pages must not grow with the number of rows (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator, ReportingAssignment
from reports.models import ReportedValue
from tests.factories import reported_value
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _submit_values(people, n: int) -> None:
    """``n`` departments submit a figure; each is first given the indicator to report."""
    departments = list(Department.objects.current().order_by("code")[:n])
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for department in departments:
        ReportingAssignment.objects.get_or_create(
            indicator=indicator,
            department=department,
            role="responsible",
            defaults={"basis": "测试"},
        )
        reported_value(
            indicator=indicator,
            department=department,
            period=QUARTER,
            value="95",
            state="submitted",
        )


def test_the_inbox_does_not_query_per_row(people, login, django_assert_num_queries):
    client = login(people.office)
    url = reverse("reports:inbox")
    _submit_values(people, 2)
    few = _count(client, url)
    _submit_values(people, 0)
    ReportedValue.objects.filter(period=QUARTER).delete()
    _submit_values(people, 12)
    with django_assert_num_queries(few):
        client.get(url)
    assert few <= 14  # the two of them for the departments' marks (departments/marks.py)


def test_the_department_form_does_not_query_per_row(people, login, django_assert_num_queries):
    client = login(people.owner)
    url = reverse("reports:form") + f"?period={QUARTER}"
    small = _count(client, url)
    big_client = login(people.office)
    big = _count(big_client, url + "&department=AMR")  # AMR has several times more rows
    assert big - small <= 2, (small, big)
    with django_assert_num_queries(small):
        client.get(url)


def test_completeness_costs_the_same_queries_for_one_department_or_all(catalog):
    from indicators.selectors import departments_with_responsibilities
    from reports.periods import Period
    from reports.reporting.selectors import completeness

    everyone = departments_with_responsibilities()
    assert len(everyone) > 30
    with CaptureQueriesContext(connection) as one:
        completeness(Period.parse(QUARTER), everyone[:1])
    with CaptureQueriesContext(connection) as all_of_them:
        result = completeness(Period.parse(QUARTER), everyone)
    assert len(all_of_them) == len(one) <= 10
    assert sum(c.expected for c in result) > 0
