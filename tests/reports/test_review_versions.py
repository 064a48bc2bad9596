"""A reviewer decides on the row they saw: a row that changed since (returned by another
reviewer, corrected and submitted again) is not approved, returned or reopened unseen, whether
the decision comes from the value's page, the inbox or the API."""

import pytest
from django.test import Client
from django.urls import reverse

from api.services import api_token_create
from reports.choices import ValueState
from reports.models import ReportedValue
from reports.reporting.services import StaleValueError, row_approve, row_return
from tests.factories import reported_value
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_since_seen(people, agri_rate):
    """A submitted 98.4 the reviewer sees (its version), then returned by another reviewer,
    corrected to 98.1 and submitted again."""
    department = people.owner.membership.department
    rv = reported_value(
        indicator=agri_rate,
        department=department,
        period=QUARTER,
        value="98.4",
        state="submitted",
        reporter=people.owner,
    )
    seen = rv.version
    row_return(rv, acting_user=people.office, comment="请核实")
    rv = reported_value(
        indicator=agri_rate,
        department=department,
        period=QUARTER,
        value="98.1",
        note="更正",
        state="submitted",
        reporter=people.owner,
    )
    assert rv.state == ValueState.SUBMITTED and rv.version > seen
    return rv, seen


def test_the_service_refuses_a_decision_on_a_version_not_seen(people, changed_since_seen):
    rv, seen = changed_since_seen
    with pytest.raises(StaleValueError) as refused:
        row_approve(rv, acting_user=people.office, expected_version=seen)
    assert "98.1" in str(refused.value)
    rv.refresh_from_db()
    assert rv.state == ValueState.SUBMITTED
    row_approve(rv, acting_user=people.office, expected_version=rv.version)
    rv.refresh_from_db()
    assert rv.state == ValueState.APPROVED


def test_the_value_page_carries_the_version_and_refuses_a_stale_approval(
    people, login, changed_since_seen
):
    rv, seen = changed_since_seen
    client = login(people.office)
    detail = reverse("reports:value_detail", args=[rv.pk])
    assert f'name="version" value="{rv.version}"' in client.get(detail).content.decode()
    review = reverse("reports:value_review", args=[rv.pk])
    page = client.post(review, {"action": "approve", "version": seen}, follow=True)
    assert "98.1" in page.content.decode()  # the message shows the figure as it is now
    assert ReportedValue.objects.get(pk=rv.pk).state == ValueState.SUBMITTED


def test_the_inbox_refuses_a_ticked_row_that_changed_since_the_page_was_read(
    people, login, changed_since_seen
):
    rv, seen = changed_since_seen
    client = login(people.office)
    inbox = reverse("reports:inbox")
    assert (
        f'name="value_version_{rv.pk}" value="{rv.version}"' in client.get(inbox).content.decode()
    )
    page = client.post(
        inbox, {"value_ids": [rv.pk], f"value_version_{rv.pk}": seen}, follow=True
    ).content.decode()
    assert "98.1" in page
    assert ReportedValue.objects.get(pk=rv.pk).state == ValueState.SUBMITTED


def test_the_api_answers_409_to_a_decision_on_a_version_not_seen(people, changed_since_seen):
    rv, seen = changed_since_seen
    _token, key = api_token_create(user=people.office, name="tests")
    client = Client(headers={"Authorization": f"Token {key}"})
    url = f"/api/v1/values/{rv.pk}/approve/"
    stale = client.post(url, {"version": seen}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["value"] == "98.1"
    fresh = client.post(url, {"version": rv.version}, content_type="application/json")
    assert fresh.status_code == 200 and fresh.json()["state"] == "approved"
