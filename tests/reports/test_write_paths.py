"""One path per write: the admin, the forms, the commands and the services do the same thing.

An approval in the admin recomputes the gaps and refreshes the dashboards like one in the inbox;
the admin cannot set a workflow state by hand; the admin's periods follow the periods page's
rules; every service checks the acting user's role itself.
"""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator
from reports.cache import dashboard_version
from reports.choices import ChangeVia, ValueSource, ValueState
from reports.models import GapResult, ReportedValue, ReportedValueChange, ReportingPeriod
from reports.periods import Period
from reports.reporting.rules import RuleViolation
from reports.reporting.services import (
    WorkflowError,
    reported_value_save_draft,
    reporting_period_set,
    row_approve,
    row_submit,
)
from tests.factories import reported_value
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_amr(catalog, django_capture_on_commit_callbacks):
    """市场监管局's 制造业产品质量合格率 for three quarters, the last one only submitted.

    Their follow-up work runs as it would once each write had committed.
    """
    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    with django_capture_on_commit_callbacks(execute=True):
        for period, value in (("2024Q2", "93.9"), ("2024Q3", "94.2")):
            reported_value(
                indicator=mfg, department=amr, period=period, value=value, state="approved"
            )
        return reported_value(
            indicator=mfg, department=amr, period="2024Q4", value="94.4", state="submitted"
        )


def _heatmap_cell(page: str, indicator: str, department: str):
    raw = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page, re.S)
    heatmap = json.loads(raw.group(1))["heatmap"]["data"][0]
    if department not in heatmap["x"] or indicator not in heatmap["y"]:
        return None
    return heatmap["text"][heatmap["y"].index(indicator)][heatmap["x"].index(department)]


def test_an_admin_approval_recomputes_gaps_and_refreshes_the_overview(
    submitted_amr, people, login, django_capture_on_commit_callbacks
):
    office = login(people.office)
    overview = reverse("reports:overview") + "?period=2024Q4"
    office.get(overview)  # the overview is now cached
    version = dashboard_version()
    assert not GapResult.objects.filter(period="2024Q4", department__code="AMR").exists()

    admin = login(people.admin)
    changelist = reverse("admin:reports_reportedvalue_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            changelist,
            {"action": "approve_selected", "_selected_action": [submitted_amr.pk], "comment": ""},
        )
    assert response.status_code == 302

    submitted_amr.refresh_from_db()
    assert (submitted_amr.state, submitted_amr.reviewed_by) == (ValueState.APPROVED, people.admin)
    last = submitted_amr.changes.last()
    assert (last.action, last.via, last.changed_by) == ("approve", ChangeVia.ADMIN, people.admin)
    # The gap engine ran (Celery is eager in logic tests) and the cached overview was retired.
    assert GapResult.objects.filter(period="2024Q4", department__code="AMR").exists()
    assert dashboard_version() > version
    page = office.get(overview).content.decode()
    assert _heatmap_cell(page, "制造业产品质量合格率", "市场监管局") is not None


def test_the_admin_review_actions_apply_the_workflow_rules(submitted_amr, people, login):
    admin = login(people.admin)
    changelist = reverse("admin:reports_reportedvalue_changelist")
    # A return needs a comment: refused, and the value is still submitted.
    page = admin.post(
        changelist,
        {"action": "return_selected", "_selected_action": [submitted_amr.pk], "comment": ""},
        follow=True,
    ).content.decode()
    assert "退回时请填写退回意见" in page
    submitted_amr.refresh_from_db()
    assert submitted_amr.state == ValueState.SUBMITTED
    admin.post(
        changelist,
        {"action": "return_selected", "_selected_action": [submitted_amr.pk], "comment": "请核实"},
    )
    submitted_amr.refresh_from_db()
    assert (submitted_amr.state, submitted_amr.review_comment) == (ValueState.RETURNED, "请核实")


def test_the_admin_cannot_set_a_workflow_state_by_hand(submitted_amr, people, login):
    admin = login(people.admin)
    url = reverse("admin:reports_reportedvalue_change", args=[submitted_amr.pk])
    page = admin.get(url).content.decode()
    assert 'name="state"' not in page  # shown, not editable
    response = admin.post(
        url,
        {
            "value": "94.4",
            "note": "",
            "state": "approved",
            "reviewed_by": people.admin.pk,
            "expected_version": submitted_amr.version,
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    submitted_amr.refresh_from_db()
    assert submitted_amr.state == ValueState.SUBMITTED and submitted_amr.reviewed_by is None


def test_an_admin_correction_keeps_the_state_and_enters_the_history(submitted_amr, people, login):
    approved = ReportedValue.objects.get(period="2024Q3", department__code="AMR")
    admin = login(people.admin)
    url = reverse("admin:reports_reportedvalue_change", args=[approved.pk])
    response = admin.post(
        url,
        {
            "value": "94.25",
            "note": "更正录入错误",
            "expected_version": approved.version,
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    approved.refresh_from_db()
    assert (approved.value, approved.state) == (Decimal("94.25"), ValueState.APPROVED)
    last = approved.changes.last()
    assert (last.via, last.old_value, last.new_value) == (
        "admin",
        Decimal("94.2"),
        Decimal("94.25"),
    )


def test_an_admin_entry_out_of_range_is_refused_on_the_form(catalog, people, login):
    admin = login(people.admin)
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    page = admin.post(
        reverse("admin:reports_reportedvalue_add"),
        {
            "indicator": mfg.pk,
            "department": Department.objects.get(code="AMR").pk,
            "period": "2023Q1",
            "value": "130",
            "note": "",
            "expected_version": 0,
            "changes-TOTAL_FORMS": 0,
            "changes-INITIAL_FORMS": 0,
        },
    ).content.decode()
    assert "有效范围" in page and 'value="130"' in page
    assert not ReportedValue.objects.filter(indicator=mfg, period="2023Q1").exists()


def test_values_and_their_history_cannot_be_deleted_in_the_admin(submitted_amr, people, login):
    admin = login(people.admin)
    delete = reverse("admin:reports_reportedvalue_delete", args=[submitted_amr.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 403
    change = submitted_amr.changes.first()
    url = reverse("admin:reports_reportedvaluechange_delete", args=[change.pk])
    assert admin.post(url, {"post": "yes"}).status_code == 403
    assert ReportedValue.objects.filter(pk=submitted_amr.pk).exists()


def test_the_admins_periods_follow_the_periods_page_rules(catalog, people, login):
    admin = login(people.admin)
    add = reverse("admin:reports_reportingperiod_add")
    page = admin.post(add, {"period": "2026", "deadline": "2027-01-15", "status": "open"})
    assert "填报期间按季度设置" in page.content.decode()
    assert not ReportingPeriod.objects.exists()
    response = admin.post(add, {"period": "2026q4", "deadline": "2027-01-15", "status": "open"})
    assert response.status_code == 302
    saved = ReportingPeriod.objects.get()
    assert (saved.period, saved.changed_by) == ("2026Q4", people.admin)


def test_services_check_the_acting_users_role_whoever_calls_them(people, agri_rate):
    agri = people.owner.membership.department
    with pytest.raises(PermissionDenied):  # another department's reporter
        reported_value_save_draft(
            indicator=agri_rate,
            department=agri,
            period=QUARTER,
            value=Decimal("98"),
            note="",
            acting_user=people.outsider,
            expected_version=0,
        )
    with pytest.raises(PermissionDenied):  # the office does not enter a department's draft
        reported_value_save_draft(
            indicator=agri_rate,
            department=agri,
            period=QUARTER,
            value=Decimal("98"),
            note="",
            acting_user=people.office,
            expected_version=0,
        )
    rv = reported_value(
        indicator=agri_rate, department=agri, period=QUARTER, value="98", reporter=people.owner
    )
    with pytest.raises(PermissionDenied):  # the office does not submit for a department
        row_submit(rv, acting_user=people.office)
    rv = row_submit(rv, acting_user=people.owner)
    with pytest.raises(PermissionDenied):  # a reporter does not approve, even their own
        row_approve(rv, acting_user=people.owner)
    with pytest.raises(PermissionDenied):
        reporting_period_set(
            period=Period.parse(QUARTER),
            deadline=dt.date(2027, 1, 15),
            status="open",
            acting_user=people.owner,
        )
    rv.refresh_from_db()
    assert rv.state == ValueState.SUBMITTED


def test_the_service_checks_decimals_and_the_note_rule_itself(people, agri_rate):
    agri = people.owner.membership.department
    common = {
        "indicator": agri_rate,
        "department": agri,
        "period": QUARTER,
        "acting_user": people.owner,
        "expected_version": 0,
    }
    with pytest.raises(RuleViolation, match="最多保留 2 位小数"):
        reported_value_save_draft(value=Decimal("98.123"), note="", **common)
    reported_value(
        indicator=agri_rate, department=agri, period="2026Q2", value="98.5", state="approved"
    )
    with pytest.raises(RuleViolation, match="偏离目标") as excinfo:
        reported_value_save_draft(value=Decimal("97.1"), note="", **common)
    assert excinfo.value.field == "note"
    rv, changed = reported_value_save_draft(value=Decimal("97.1"), note="雹灾影响", **common)
    assert changed and rv.note == "雹灾影响"


def test_a_closed_quarter_refuses_a_draft_from_any_caller(people, agri_rate):
    reporting_period_set(
        period=Period.parse(QUARTER),
        deadline=dt.date(2026, 10, 15),
        status="closed",
        acting_user=people.office,
    )
    with pytest.raises(WorkflowError, match="已截止填报"):
        reported_value_save_draft(
            indicator=agri_rate,
            department=people.owner.membership.department,
            period=QUARTER,
            value=Decimal("98"),
            note="",
            acting_user=people.owner,
            expected_version=0,
        )


def test_demo_history_goes_through_the_service_and_is_removed_by_it(catalog):
    call_command("demo_history", start="2025Q1", end="2025Q2", seed=1)
    demo = ReportedValue.objects.filter(source=ValueSource.DEMO)
    assert demo.exists() and not demo.exclude(state=ValueState.APPROVED).exists()
    changes = ReportedValueChange.objects.filter(reported_value__in=demo)
    assert changes.count() == demo.count()
    assert set(changes.values_list("via", "action", "comment")) == {
        ("job", "create", "demo_history")
    }
    call_command("demo_history", remove=True)
    assert not ReportedValue.objects.filter(source=ValueSource.DEMO).exists()
