"""Findings of the review of the API, notices and succession commits, each with its test."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from api.viewsets import ReportedValueViewSet
from departments.choices import DepartmentStatus
from departments.models import Department
from departments.services import department_save
from indicators.models import Indicator
from reports.models import ReportedValue
from reports.reporting.services import (
    reported_value_save_draft,
    reported_value_write,
    values_follow_successors,
)
from tests.factories import reported_value

from .conftest import QUARTER

pytestmark = pytest.mark.django_db


def _assessment_parameters(**headers) -> dict:
    response = Client().get("/api/schema/", {"format": "json", "lang": "en"}, headers=headers)
    assert response.status_code == 200
    operation = json.loads(response.content)["paths"]["/api/v1/assessment/"]["get"]
    return {p["name"]: p.get("description", "") for p in operation["parameters"]}


def test_the_assessment_parameters_are_described_in_the_schema_s_language():
    """The two parameters' descriptions are translated when the schema is asked for, not once
    when the module is imported: the English schema describes them in English."""
    described = _assessment_parameters()
    assert described["year"].startswith("Target year")
    assert described["department"].startswith("Department code")


def test_a_submit_compares_its_version_with_the_row_as_locked(people, api, agri_rate, monkeypatch):
    """A submission with the version read is refused when the figure changes after the view
    has read the row but before it submits (another client's write in between): the version
    is compared under the row's lock, so nothing unseen is submitted."""
    agri = people.owner.membership.department
    value = reported_value(indicator=agri_rate, department=agri, period=QUARTER, value="98.4")
    read = value.version
    looked_up = ReportedValueViewSet.get_object

    def read_then_another_write(view):
        row = looked_up(view)  # the row as the view read it …
        reported_value_save_draft(  # … and another client's write before the submission
            indicator=agri_rate,
            department=agri,
            period=QUARTER,
            value=Decimal("12"),
            note="",
            acting_user=people.reviewer,
            expected_version=read,
        )
        return row

    monkeypatch.setattr(ReportedValueViewSet, "get_object", read_then_another_write)
    response = api(people.owner).post(f"/api/v1/values/{value.pk}/submit/", {"version": read})

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "stale"
    assert response.json()["current"]["value"] == "12"
    stored = ReportedValue.objects.get(pk=value.pk)
    assert (stored.state, stored.value, stored.version) == ("draft", Decimal("12"), read + 1)


def test_a_value_that_follows_its_departments_successor_counts_as_updated(people, api):
    """A value moved to today's department is newer for ``lastUpdated``: a DHIS2 client that
    reads what changed since its last read learns the value's new orgUnit."""
    old = department_save(department=None, acting_user=None, code="T_OLD", name_zh="测试旧局").obj
    new = department_save(department=None, acting_user=None, code="T_NEW", name_zh="测试新局").obj
    value, _changed = reported_value_write(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        department=old,
        period="2024Q3",
        value=Decimal("93"),
        acting_user=people.office,
        via="admin",
        expected_version=0,
    )
    long_ago = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    ReportedValue.objects.filter(pk=value.pk).update(updated_at=long_ago)
    client = api(people.office)
    since = {"lastUpdated": "2025-01-01", "dataElement": "MFG_PRODUCT_PASS_RATE"}
    assert _data_values(client, since) == []

    Department.objects.filter(pk=old.pk).update(status=DepartmentStatus.HISTORICAL, successor=new)
    assert values_follow_successors().moved["reported values"] == 1

    assert [(v["orgUnit"], v["period"]) for v in _data_values(client, since)] == [
        ("T_NEW", "2024Q3")
    ]


def _data_values(client, params) -> list[dict]:
    """The data values of the two test departments the GET returns."""
    response = client.get("/api/dataValueSets.json", params)
    assert response.status_code == 200
    values = json.loads(b"".join(response.streaming_content))["dataValues"]
    return [v for v in values if v["orgUnit"] in ("T_OLD", "T_NEW")]
