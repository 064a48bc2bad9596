"""The office's side: review, inbox, bulk approval, reopening, periods and completeness."""

import datetime as dt

import pytest
from django.urls import reverse

from reports.choices import ValueState
from reports.models import QualitativeReport, ReportedValue, ReportingPeriod
from reports.reporting.services import (
    WorkflowError,
    row_approve,
    row_reopen,
    row_return,
    row_submit,
)
from tests.factories import reported_value, reporting_period
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(people, agri_rate, agri_brands):
    department = people.owner.membership.department
    return [
        reported_value(
            indicator=indicator,
            department=department,
            period=QUARTER,
            value=value,
            state="submitted",
            reporter=people.owner,
        )
        for indicator, value in ((agri_rate, "98.4"), (agri_brands, "12"))
    ]


def test_the_workflow_moves_draft_submitted_returned_submitted_approved(people, submitted):
    rv = submitted[0]
    rv = row_return(rv, acting_user=people.office, comment="请附抽检报告")
    assert rv.state == ValueState.RETURNED and rv.review_comment == "请附抽检报告"
    rv = row_submit(rv, acting_user=people.owner)
    rv = row_approve(rv, acting_user=people.office)
    assert rv.state == ValueState.APPROVED and rv.reviewed_by == people.office
    actions = list(rv.changes.values_list("action", "old_state", "new_state"))
    assert actions == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("return", "submitted", "returned"),
        ("submit", "returned", "submitted"),
        ("approve", "submitted", "approved"),
    ]


def test_transitions_out_of_order_are_refused(people, submitted):
    rv = submitted[0]
    with pytest.raises(WorkflowError):
        row_reopen(rv, acting_user=people.office, reason="x")  # not approved yet
    with pytest.raises(WorkflowError, match="退回意见"):
        row_return(rv, acting_user=people.office, comment="  ")
    rv = row_approve(rv, acting_user=people.office)
    with pytest.raises(WorkflowError):
        row_approve(rv, acting_user=people.office)
    with pytest.raises(WorkflowError, match="原因"):
        row_reopen(rv, acting_user=people.office, reason="")
    rv = row_reopen(rv, acting_user=people.office, reason="统计口径调整，需更正")
    assert rv.state == ValueState.RETURNED and rv.changes.last().comment == "统计口径调整，需更正"


def test_the_office_reviews_from_the_value_page(people, login, submitted):
    client = login(people.office)
    rv = submitted[0]
    url = reverse("reports:value_review", args=[rv.pk])
    page = client.post(url, {"action": "return", "comment": ""}, follow=True).content.decode()
    assert "退回时请填写退回意见" in page
    client.post(url, {"action": "return", "comment": "请核实"})
    rv.refresh_from_db()
    assert rv.state == ValueState.RETURNED
    detail = client.get(reverse("reports:value_detail", args=[rv.pk])).content.decode()
    assert "请核实" in detail and "olivia" in detail


def test_the_inbox_filters_and_approves_several_at_once(people, login, submitted, agri_rate):
    client = login(people.office)
    inbox = reverse("reports:inbox")
    page = client.get(inbox + f"?department=AGRI&period={QUARTER}").content.decode()
    assert page.count('name="value_ids"') == 2
    page = client.get(inbox + f"?indicator={agri_rate.code}").content.decode()
    assert page.count('name="value_ids"') == 1
    assert client.get(inbox + "?department=IPA").content.decode().count('name="value_ids"') == 0
    client.post(inbox, {"value_ids": [rv.pk for rv in submitted]})
    assert set(ReportedValue.objects.filter(period=QUARTER).values_list("state", flat=True)) == {
        ValueState.APPROVED
    }


def test_the_office_opens_and_closes_a_period_with_a_deadline(people, login):
    client = login(people.office)
    url = reverse("reports:periods")
    page = client.post(url, {"period": "2026Q5", "deadline": "2026-10-15"}).content.decode()
    assert "请按季度填写期间" in page
    client.post(url, {"period": QUARTER, "deadline": "2026-10-15"})
    period = ReportingPeriod.objects.get(period=QUARTER)
    assert period.is_open and period.deadline == dt.date(2026, 10, 15)
    client.post(url, {"period": QUARTER, "action": "close"})
    period.refresh_from_db()
    assert not period.is_open


def test_completeness_counts_expected_submitted_and_approved_with_timeliness(
    people, login, submitted
):
    reporting_period(QUARTER, deadline=dt.date(2099, 1, 1))
    row_approve(submitted[0], acting_user=people.office)
    page = login(people.office).get(reverse("reports:completeness") + f"?period={QUARTER}")
    html = page.content.decode()
    row = html.split('data-department="AGRI"')[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")[:5]]
    assert cells[1:4] == ["2", "2", "1"]
    assert "按时报送" in row


def test_a_late_submission_is_marked_late(people, login, submitted):
    reporting_period(QUARTER, deadline=dt.date(2000, 1, 1))
    html = login(people.office).get(reverse("reports:completeness") + f"?period={QUARTER}")
    row = html.content.decode().split('data-department="AGRI"')[1].split("</tr>")[0]
    assert "逾期报送" in row
    ipa = html.content.decode().split('data-department="IPA"')[1].split("</tr>")[0]
    assert "逾期未报" in ipa


def test_qualitative_reports_follow_the_same_workflow(people, login):
    from indicators.models import Task
    from reports.reporting.services import qualitative_report_save_draft

    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    report, _ = qualitative_report_save_draft(
        task=task,
        indicator=None,
        department=people.owner.membership.department,
        period="2025Q4",
        status="in_progress",
        narrative="已完成追溯平台部署",
        acting_user=people.owner,
        expected_version=0,
    )
    report = row_submit(report, acting_user=people.owner)
    report = row_approve(report, acting_user=people.office)
    assert QualitativeReport.objects.get().state == ValueState.APPROVED
    page = login(people.owner).get(reverse("reports:qualitative_detail", args=[report.pk]))
    assert "已完成追溯平台部署" in page.content.decode()
    assert (
        login(people.outsider)
        .get(reverse("reports:qualitative_detail", args=[report.pk]))
        .status_code
        == 404
    )
