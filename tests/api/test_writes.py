"""Writes through the API: a department's drafts, the optimistic lock, the rules, the review.

Every write goes through the same services as the form (``reports.reporting.services``), so it
lands in the value's history labelled as coming through the API (接口).
"""

from decimal import Decimal

import pytest
from django.test import Client

from indicators.models import Task
from reports.models import ReportedValue
from tests.factories import reported_value

from .conftest import QUARTER

pytestmark = pytest.mark.django_db

VALUES = "/api/v1/values/"


def _draft(client, indicator, value="98.4", note="", version=0, period=QUARTER):
    return client.post(
        VALUES,
        {
            "indicator": indicator.code,
            "period": period,
            "value": value,
            "note": note,
            "version": version,
        },
    )


def test_a_reporters_token_writes_a_draft_that_the_form_and_history_show(people, api, agri_rate):
    response = _draft(api(people.owner), agri_rate)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["value"] == "98.4" and body["state"] == "draft" and body["version"] == 1
    assert body["department"] == "AGRI" and body["indicator"] == agri_rate.code
    assert {"outlier", "expected_low", "expected_high", "followup"} <= set(body)

    # The department's form shows the figure saved through the API …
    browser = Client()
    browser.force_login(people.owner)
    form = browser.get(f"/reports/form/?period={QUARTER}").content.decode()
    assert 'value="98.4"' in form
    # … and the value's history says it came through the API.
    page = browser.get(f"/reports/values/{body['id']}/").content.decode()
    assert "接口" in page
    history = api(people.owner).get(f"{VALUES}{body['id']}/history/").json()["results"]
    assert [(c["via"], c["via_label"], c["action"]) for c in history] == [("api", "接口", "create")]

    # Another department's reporter does not see it: 404 on the value, its history, its writes.
    other = api(people.outsider)
    for url in (f"{VALUES}{body['id']}/", f"{VALUES}{body['id']}/history/"):
        assert other.get(url).status_code == 404
    assert other.patch(f"{VALUES}{body['id']}/", {"value": "1", "version": 1}).status_code == 404
    assert other.post(f"{VALUES}{body['id']}/submit/").status_code == 404
    assert body["id"] not in [v["id"] for v in other.get(VALUES).json()["results"]]


def test_a_stale_version_is_a_409_with_the_current_value(people, api, agri_rate):
    client = api(people.owner)
    created = _draft(client, agri_rate).json()
    ok = client.patch(f"{VALUES}{created['id']}/", {"value": "98.6", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"{VALUES}{created['id']}/", {"value": "98.9", "version": 1})
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale"
    assert body["current"]["value"] == "98.6" and body["current"]["version"] == 2
    assert "已被" in body["detail"]
    # A second first entry of the same figure ("there was no value": version 0) is stale too.
    assert _draft(client, agri_rate, value="97").status_code == 409
    assert ReportedValue.objects.get(pk=created["id"]).value == Decimal("98.6")


def test_a_missing_version_on_a_change_is_refused(people, api, agri_rate):
    client = api(people.owner)
    created = _draft(client, agri_rate).json()
    response = client.patch(f"{VALUES}{created['id']}/", {"value": "97"})
    assert response.status_code == 400
    assert "version" in response.json()["fields"]


def test_a_rule_violation_is_a_400_naming_the_field_in_chinese(people, api, agri_rate):
    response = _draft(api(people.owner), agri_rate, value="101")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "rule_violation" and body["field"] == "value"
    assert "应在 0 到 100 之间" in body["detail"]
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()


def test_accept_language_en_gives_the_message_in_english(people, api, agri_rate):
    response = _draft(api(people.owner, **{"Accept-Language": "en"}), agri_rate, value="1" * 15)
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "value"
    assert "too large to store" in body["detail"]
    assert response["Content-Language"] == "en"
    chinese = _draft(api(people.owner), agri_rate, value="1" * 15).json()
    assert "超出可保存的范围" in chinese["detail"]


def test_the_note_rule_names_the_note_field(people, api, agri_rate):
    reported_value(
        indicator=agri_rate,
        department=people.owner.membership.department,
        period="2026Q2",
        value="97.5",
        state="approved",
    )
    client = api(people.owner)
    response = _draft(client, agri_rate, value="96.9")
    assert response.status_code == 400
    assert response.json()["field"] == "note"
    assert "偏离目标" in response.json()["detail"]
    assert _draft(client, agri_rate, value="96.9", note="部分批次农残超标").status_code == 201


@pytest.mark.parametrize(
    "value",
    ["abc", "1e400", "NaN", "9" * 39, True, [1], {"a": 1}, "1\u0000", 1e308, -(10**30)],
)
def test_bad_figures_are_400s_never_5xx(people, api, agri_rate, value):
    response = api(people.owner).post(
        VALUES, {"indicator": agri_rate.code, "period": QUARTER, "value": value}
    )
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"indicator": "NO_SUCH", "period": QUARTER, "value": "1"}, "indicator"),
        ({"indicator": "GEOGRAPHICAL_INDICATIONS", "period": QUARTER, "value": "1"}, "indicator"),
        (
            {"indicator": "AGRI_PRODUCT_SAFETY_PASS_RATE", "period": "2026Q5", "value": "1"},
            "period",
        ),
        (
            {"indicator": "AGRI_PRODUCT_SAFETY_PASS_RATE", "period": QUARTER, "version": -1},
            "version",
        ),
        ({"period": QUARTER}, "indicator"),
    ],
)
def test_unknown_codes_and_bad_fields_are_400s(people, api, payload, field):
    response = api(people.owner).post(VALUES, payload)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body.get("field") == field or field in body.get("fields", {})


def test_the_office_cannot_enter_a_departments_figure(people, api, agri_rate):
    response = _draft(api(people.office), agri_rate)
    assert response.status_code == 403
    assert "本部门" in response.json()["detail"]


def test_the_office_approves_and_returns_through_the_api(people, api, agri_rate, agri_brands):
    reporter = api(people.owner)
    rate = _draft(reporter, agri_rate).json()
    brands = _draft(reporter, agri_brands, value="12").json()
    for row in (rate, brands):
        submitted = reporter.post(f"{VALUES}{row['id']}/submit/", {"version": row["version"]})
        assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"

    office = api(people.office)
    # A reporter may not review, even their own department's figure.
    refused = reporter.post(f"{VALUES}{rate['id']}/approve/")
    assert refused.status_code == 403 and "领导小组办公室" in refused.json()["detail"]

    approved = office.post(f"{VALUES}{rate['id']}/approve/", {"comment": "数据无误"})
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    no_comment = office.post(f"{VALUES}{brands['id']}/return/", {"comment": " "})
    assert no_comment.status_code == 400 and no_comment.json()["field"] == "comment"
    returned = office.post(f"{VALUES}{brands['id']}/return/", {"comment": "请核实口径"})
    assert returned.status_code == 200
    assert returned.json()["state"] == "returned"
    assert returned.json()["review_comment"] == "请核实口径"
    # Approving twice is a conflict with the row's state.
    again = office.post(f"{VALUES}{rate['id']}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "workflow"
    reopened = office.post(f"{VALUES}{rate['id']}/reopen/", {"reason": "统计口径调整"})
    assert reopened.status_code == 200 and reopened.json()["state"] == "returned"

    history = office.get(f"{VALUES}{rate['id']}/history/").json()["results"]
    assert [c["action"] for c in history] == ["create", "submit", "approve", "reopen"]
    assert {c["via"] for c in history} == {"api"}


def test_a_submit_with_a_stale_version_is_refused(people, api, agri_rate):
    client = api(people.owner)
    row = _draft(client, agri_rate).json()
    client.patch(f"{VALUES}{row['id']}/", {"value": "99", "version": 1})
    response = client.post(f"{VALUES}{row['id']}/submit/", {"version": 1})
    assert response.status_code == 409
    assert ReportedValue.objects.get(pk=row["id"]).state == "draft"


def test_a_qualitative_report_is_written_and_submitted(people, api):
    task = Task.objects.filter(
        responsibilities__department__code="AGRI",
        responsibilities__role__in=["lead", "responsible", "shared"],
    ).first()
    client = api(people.owner)
    created = client.post(
        "/api/v1/qualitative-reports/",
        {"task": task.code, "period": QUARTER, "status": "in_progress", "narrative": "推进中"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["task"] == task.code and body["state"] == "draft"
    changed = client.patch(
        f"/api/v1/qualitative-reports/{body['id']}/", {"status": "done", "version": body["version"]}
    )
    assert changed.status_code == 200 and changed.json()["status"] == "done"
    submitted = client.post(f"/api/v1/qualitative-reports/{body['id']}/submit/")
    assert submitted.json()["state"] == "submitted"
    assert api(people.outsider).get(f"/api/v1/qualitative-reports/{body['id']}/").status_code == 404


def test_a_session_write_needs_the_csrf_token(people, agri_rate):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people.owner)
    response = browser.post(
        VALUES,
        {"indicator": agri_rate.code, "period": QUARTER, "value": "98"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()


def test_the_apis_own_refusals_follow_accept_language_too(people):
    chinese = Client().get(VALUES)
    assert chinese.status_code == 401
    assert chinese.json()["code"] == "not_authenticated"
    assert chinese["Content-Language"] == "zh-hans"
    english = Client(headers={"Accept-Language": "en-US,en;q=0.9"}).get(VALUES)
    assert english.json()["detail"] == "Authentication credentials were not provided."
    assert english["Content-Language"] == "en"
    assert chinese.json()["detail"] != english.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,  # deeper than Python's decoder goes
        '{"indicator": 1e999999, "period": "2026Q3"}',
        '{"value": ' + "9" * 5000 + "}",
        "[1, 2",
        '"just a string"',
        "[]",
        "null",
    ],
)
def test_bodies_that_are_not_a_json_object_are_400s(people, api, body):
    client = api(people.owner).client
    for url in (VALUES, "/api/v1/qualitative-reports/"):
        response = client.generic("POST", url, body, content_type="application/json")
        assert response.status_code == 400, (url, response.content[:200])
        assert response.json()["detail"]


def test_a_form_body_is_refused(people, api, agri_rate):
    """(Read by the site's middleware first, a form body reaches the API empty: 400.)"""
    response = api(people.owner).client.post(
        VALUES, {"indicator": agri_rate.code, "period": QUARTER, "value": "98"}
    )
    assert response.status_code in (400, 415)
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()
