"""The values list keeps its pages (and its count) in the cache under the dashboards'
generation: a page read again after a write shows the write, because every write of a figure
bumps the generation after its commit."""

import pytest

from reports.models import ReportedValue
from reports.reporting.services import reported_value_followup_set
from tests.factories import reported_value

from .conftest import QUARTER

pytestmark = pytest.mark.django_db

VALUES = "/api/v1/values/"


def _codes(response):
    assert response.status_code == 200, response.content
    return [(row["indicator"], row["value"], row["followup"]) for row in response.json()["results"]]


def test_a_kept_page_shows_a_write_once_it_has_committed(
    people, api, agri_rate, django_capture_on_commit_callbacks
):
    office = api(people.office)
    department = people.owner.membership.department
    with django_capture_on_commit_callbacks(execute=True):
        reported_value(indicator=agri_rate, department=department, period=QUARTER, value="97")
    params = {"indicator": agri_rate.code, "period": QUARTER}
    first = office.get(VALUES, params).json()
    assert first["count"] == 1 and first["results"][0]["value"] == "97"
    assert office.get(VALUES, params).json() == first  # read again: the kept page

    row = ReportedValue.objects.get(indicator=agri_rate, department=department, period=QUARTER)
    with django_capture_on_commit_callbacks(execute=True):
        reported_value(indicator=agri_rate, department=department, period=QUARTER, value="98")
    assert _codes(office.get(VALUES, params)) == [(agri_rate.code, "98", False)]

    # The office's follow-up mark changes neither the figure nor its version, and still shows,
    # in the page and in the filtered count.
    flagged = {**params, "followup": "true"}
    assert office.get(VALUES, flagged).json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        reported_value_followup_set(row, followup=True, acting_user=people.office)
    assert _codes(office.get(VALUES, params)) == [(agri_rate.code, "98", True)]
    assert office.get(VALUES, flagged).json()["count"] == 1


def test_pages_are_kept_per_user_scope_and_language(people, api, agri_rate):
    department = people.owner.membership.department
    reported_value(indicator=agri_rate, department=department, period=QUARTER, value="97")
    office_page = api(people.office).get(VALUES).json()
    outsider = api(people.outsider).get(VALUES).json()  # a reporter of 知识产权局
    owner = api(people.owner).get(VALUES).json()
    assert office_page["count"] > owner["count"] >= 1
    assert {row["department"] for row in owner["results"]} == {"AGRI"}
    assert {row["department"] for row in outsider["results"]} <= {"IPA"}
    english = api(people.office, **{"Accept-Language": "en"}).get(VALUES).json()
    assert english["results"][0]["state_label"] != office_page["results"][0]["state_label"]
