"""The office's side: review, inbox, bulk approval, reopening, periods and completeness."""

import datetime as dt

import pytest
from django.urls import reverse

from reports.choices import ValueState
from reports.models import QualitativeReport, ReportedValue, ReportingPeriod
from reports.periods import Period
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


@pytest.fixture
def jump(people, agri_brands):
    """AGRI's regional brands: 35 approved last quarter, 1,234 submitted now (with a note)."""
    department = people.owner.membership.department
    previous = Period.parse(QUARTER).previous().id
    reported_value(
        indicator=agri_brands,
        department=department,
        period=previous,
        value="35",
        state="approved",
        reporter=people.owner,
    )
    return reported_value(
        indicator=agri_brands,
        department=department,
        period=QUARTER,
        value="1234",
        note="统计口径调整",
        state="submitted",
        reporter=people.owner,
    )


def test_the_inbox_shows_the_previous_value_the_target_and_flags_a_jump(people, login, jump):
    page = login(people.office).get(reverse("reports:inbox")).content.decode()
    row = page.split(f'data-indicator="{jump.indicator.code}"')[1].split("</tr>")[0]
    assert '<td class="num previous">35</td>' in row
    target = jump.indicator.targets.order_by("year").last()
    assert str(int(target.value)) in row.split('class="num target"')[1]
    assert "需关注" in row and "变动超过20%" in row
    assert "统计口径调整" in row


def test_a_figure_in_line_with_the_last_one_is_not_flagged(people, login, agri_rate):
    department = people.owner.membership.department
    previous = Period.parse(QUARTER).previous().id
    reported_value(
        indicator=agri_rate,
        department=department,
        period=previous,
        value="98.1",
        state="approved",
        reporter=people.owner,
    )
    rv = reported_value(
        indicator=agri_rate,
        department=department,
        period=QUARTER,
        value="98.4",
        state="submitted",
        reporter=people.owner,
    )
    page = login(people.office).get(reverse("reports:inbox")).content.decode()
    row = page.split(f'data-indicator="{rv.indicator.code}"')[1].split("</tr>")[0]
    assert "98.1" in row and "需关注" not in row


def test_the_review_page_shows_the_previous_value_target_flag_and_note(people, login, jump):
    page = login(people.office).get(reverse("reports:value_detail", args=[jump.pk]))
    html = page.content.decode()
    assert "35" in html.split('id="previous-value"')[1].split("</td>")[0]
    assert "≥" in html.split('id="target"')[1].split("</td>")[0]
    assert "变动超过20%" in html.split('id="deviation"')[1].split("</td>")[0]
    assert "统计口径调整" in html.split('id="note"')[1].split("</td>")[0]


def test_approving_from_the_inbox_opens_the_next_item_of_the_same_filter(people, login, submitted):
    from indicators.models import Task
    from tests.factories import qualitative_report

    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    report = qualitative_report(
        task=task,
        department=people.owner.membership.department,
        period=QUARTER,
        status="in_progress",
        narrative="推进中",
        state="submitted",
        reporter=people.owner,
    )
    client = login(people.office)
    inbox = client.get(reverse("reports:inbox") + "?department=AGRI").content.decode()
    first, second = submitted  # submitted in this order, listed in this order
    link = f"{reverse('reports:value_detail', args=[first.pk])}?inbox=1&amp;department=AGRI"
    assert link in inbox
    page = client.get(link.replace("&amp;", "&")).content.decode()
    review = f"{reverse('reports:value_review', args=[first.pk])}?inbox=1&amp;department=AGRI"
    assert review in page

    response = client.post(review.replace("&amp;", "&"), {"action": "approve"})
    assert response["Location"] == (
        f"{reverse('reports:value_detail', args=[second.pk])}?inbox=1&department=AGRI"
    )
    refused = client.post(
        f"{reverse('reports:value_review', args=[second.pk])}?inbox=1&department=AGRI",
        {"action": "return", "comment": ""},
    )
    assert refused["Location"] == (
        f"{reverse('reports:value_detail', args=[second.pk])}?inbox=1&department=AGRI"
    )
    response = client.post(
        f"{reverse('reports:value_review', args=[second.pk])}?inbox=1&department=AGRI",
        {"action": "return", "comment": "请核实"},
    )
    assert response["Location"] == (
        f"{reverse('reports:qualitative_detail', args=[report.pk])}?inbox=1&department=AGRI"
    )
    response = client.post(
        f"{reverse('reports:qualitative_review', args=[report.pk])}?inbox=1&department=AGRI",
        {"action": "approve"},
    )
    assert response["Location"] == reverse("reports:inbox") + "?department=AGRI"
    states = set(ReportedValue.objects.filter(period=QUARTER).values_list("state", flat=True))
    assert states == {ValueState.APPROVED, ValueState.RETURNED}
    # From the value page itself (not the inbox), the reviewer stays on the page.
    third = row_reopen(first, acting_user=people.office, reason="更正")
    row_submit(third, acting_user=people.owner)
    response = client.post(reverse("reports:value_review", args=[first.pk]), {"action": "approve"})
    assert response["Location"] == reverse("reports:value_detail", args=[first.pk])


def test_bulk_approval_takes_values_and_task_reports_and_names_each_refusal(
    people, login, submitted
):
    from indicators.models import Task
    from tests.factories import qualitative_report

    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    report = qualitative_report(
        task=task,
        department=people.owner.membership.department,
        period=QUARTER,
        status="done",
        narrative="已完成",
        state="submitted",
        reporter=people.owner,
    )
    row_approve(submitted[1], acting_user=people.office)  # another reviewer got there first
    client = login(people.office)
    response = client.post(
        reverse("reports:inbox"),
        {"value_ids": [rv.pk for rv in submitted], "qualitative_ids": [report.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "已审核通过 2 项" in page
    assert f"“{submitted[1]}”当前已审核通过，不能执行此操作" in page
    report.refresh_from_db()
    submitted[0].refresh_from_db()
    assert report.state == submitted[0].state == ValueState.APPROVED
    approvals = submitted[0].changes.filter(action="approve")
    assert approvals.count() == 1 and approvals.get().changed_by == people.office


def test_the_task_report_page_shows_the_report_of_the_quarter_before(people, login):
    from indicators.models import Task
    from tests.factories import qualitative_report

    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    department = people.owner.membership.department
    before = Period.parse(QUARTER).previous().id
    qualitative_report(
        task=task,
        department=department,
        period=before,
        status="blocked",
        narrative="资金未到位",
        state="approved",
        reporter=people.owner,
    )
    report = qualitative_report(
        task=task,
        department=department,
        period=QUARTER,
        status="done",
        narrative="已完成",
        state="submitted",
        reporter=people.owner,
    )
    page = login(people.office).get(reverse("reports:qualitative_detail", args=[report.pk]))
    cell = page.content.decode().split('id="previous-report"')[1].split("</td>")[0]
    assert "受阻" in cell and "已审核通过" in cell
