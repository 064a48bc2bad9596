"""Notices by e-mail through a real SMTP server, and in the list: reminders and overdue notices
from beat's tick, the office's digest, returned and submitted rows, preferences, failures and
retries, and the claim that keeps two senders from sending one e-mail twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from departments.models import Department
from indicators.models import Indicator
from notices.choices import EmailStatus, NoticeKind
from notices.models import Notice, NoticeDelivery, NoticePreference
from notices.services import notice_email_send, notices_create
from notices.tasks import notices_digest_task, notices_tick_task
from reports.choices import ChangeVia, GapStatus
from reports.models import GapResult
from reports.periods import Period
from reports.reporting.services import (
    department_submit,
    row_approve,
    row_reopen,
    row_return,
    row_submit,
)
from tests.factories import UserFactory, reported_value, reporting_period
from tests.notices.conftest import QUARTER, free_port, use_smtp

pytestmark = pytest.mark.django_db

DEADLINE = dt.date(2026, 10, 15)
THREE_DAYS_BEFORE = "2026-10-12"
DAY_AFTER = "2026-10-16"
#: A day no deadline is near: a tick then only retries e-mails.
QUIET_DAY = "2026-12-01"


@pytest.fixture
def quarter(cast):
    """2026Q3, open, due on 15 October."""
    return reporting_period(QUARTER, deadline=DEADLINE, office=cast.office)


def _subject(message) -> str:
    # Django folds a long encoded subject onto its own line; unfolded, it starts with a space.
    return str(message["Subject"]).strip()


def _agri_rows():
    return (
        Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE"),
        Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS"),
    )


def _fill_agri(cast, state="submitted"):
    """Every row of 农牧厅's quarter, in ``state``."""
    department = cast.owner.membership.department
    values = []
    for indicator, value in zip(_agri_rows(), ("98.4", "12"), strict=True):
        values.append(
            reported_value(
                indicator=indicator,
                department=department,
                period=QUARTER,
                value=value,
                state=state,
                reporter=cast.owner,
                office=cast.office,
            )
        )
    return values


# --- Beat: reminders and overdue notices ----------------------------------------------------------


def test_a_tick_three_days_before_the_deadline_reminds_each_unfinished_department_once(
    cast, quarter, mailbox
):
    _fill_agri(cast)  # 农牧厅 has submitted everything; 知识产权局 nothing

    result = notices_tick_task.delay(THREE_DAYS_BEFORE).get()

    assert mailbox.recipients == ["charlie@example.org"]
    (message,) = mailbox.messages
    assert _subject(message) == (
        "[QualityHub] 2026年第三季度填报将于2026-10-15截止"
        " / Reporting for 2026 Q3 closes on 2026-10-15"
    )
    assert message["From"] == "QualityHub <qualityhub@localhost>"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_content()
    ipa = Department.objects.get(code="IPA")
    assert f"{ipa.short_name_zh or ipa.name_zh}在2026年第三季度还有" in body
    assert "请在2026-10-15前填写并提交" in body
    assert "https://qualityhub.example/reports/form/?period=2026Q3" in body
    assert "https://qualityhub.example/notices/preferences/" in body
    assert result == {"made": 1, "sent": 1}
    notice = Notice.objects.get()
    assert notice.key == "reminder:2026Q3:IPA" and notice.email_status == EmailStatus.SENT
    assert sorted(notice.deliveries.values_list("channel", "status")) == [
        ("email", "sent"),
        ("in_app", "sent"),
    ]

    # The next tick (the next hour, the next day) finds the reminder made and sent.
    assert notices_tick_task.delay(THREE_DAYS_BEFORE).get() == {"made": 0, "sent": 0}
    assert notices_tick_task.delay("2026-10-13").get() == {"made": 0, "sent": 0}
    assert len(mailbox.messages) == 1 and Notice.objects.count() == 1


def test_no_reminder_before_the_window_or_for_a_closed_quarter(cast, quarter, mailbox):
    notices_tick_task.delay("2026-10-11").get()  # four days before
    assert mailbox.messages == []
    reporting_period(QUARTER, deadline=DEADLINE, status="closed", office=cast.office)
    notices_tick_task.delay(THREE_DAYS_BEFORE).get()
    assert mailbox.messages == [] and not Notice.objects.exists()


def test_the_day_after_the_deadline_departments_with_rows_left_are_told_they_are_overdue(
    cast, quarter, mailbox
):
    rate, _brands = _fill_agri(cast)
    row_return(rate, acting_user=cast.office, comment="请核实")  # a returned row is not done

    notices_tick_task.delay(DAY_AFTER).get()

    # Both of 农牧厅's people (its returned row) and 知识产权局's reporter (nothing sent).
    assert mailbox.recipients == ["alice@example.org", "bob@example.org", "charlie@example.org"]
    for message in mailbox.messages:
        assert _subject(message) == (
            "[QualityHub] 2026年第三季度填报已逾期 / Reporting for 2026 Q3 is overdue"
        )
    assert "已退回 1 项" in mailbox.to("alice@example.org")[0].get_content()
    assert set(Notice.objects.values_list("kind", flat=True)) == {NoticeKind.OVERDUE}
    notices_tick_task.delay("2026-10-17").get()
    assert len(mailbox.messages) == 3


# --- The office's weekly digest -------------------------------------------------------------------


def _off_track(indicator_code: str, department_code: str, period: str) -> GapResult:
    """A gap result as the gap engine writes it."""
    return GapResult.objects.create(
        indicator=Indicator.objects.get(code=indicator_code),
        department=Department.objects.get(code=department_code),
        period=period,
        status=GapStatus.OFF_TRACK,
        period_end=Period.parse(period).year + Period.parse(period).number / 4,
    )


def test_the_weekly_digest_lists_late_departments_and_only_new_red_statuses(cast, quarter, mailbox):
    _fill_agri(cast)
    GapResult.objects.all().delete()
    _off_track("AGRI_PRODUCT_SAFETY_PASS_RATE", "AGRI", "2026Q2")

    notices_digest_task.delay("2026-10-19").get()  # a Monday after the deadline

    # The office only (the administrator is not sent the office's notices).
    assert mailbox.recipients == ["olivia@example.org"]
    (message,) = mailbox.messages
    assert _subject(message) == (
        "[QualityHub] 每周填报摘要（2026W43） / Weekly reporting digest (2026W43)"
    )
    body = message.get_content()
    assert "已过截止日期（2026-10-15）仍未完成填报的部门" in body
    notice = Notice.objects.get(kind=NoticeKind.DIGEST)
    late = {d["department"]["zh"] for d in notice.params["late"]}
    ipa, agri = (Department.objects.get(code=code) for code in ("IPA", "AGRI"))
    assert (ipa.short_name_zh or ipa.name_zh) in late
    assert (agri.short_name_zh or agri.name_zh) not in late  # 农牧厅 submitted everything
    rate = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    assert "自上次摘要以来新出现的“偏离目标”（1 项）" in body
    assert f"{rate.name_zh} · {agri.short_name_zh or agri.name_zh} · 2026年第二季度" in body

    # A week later, one more series is off track: only that one is new.
    _off_track("REGIONAL_PUBLIC_BRANDS", "AGRI", "2026Q2")
    notices_digest_task.delay("2026-10-26").get()
    second = Notice.objects.get(kind=NoticeKind.DIGEST, key="digest:2026W44")
    brands = Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS")
    assert [r["indicator"]["zh"] for r in second.params["new_red"]] == [brands.name_zh]
    assert brands.name_zh in mailbox.messages[-1].get_content()

    # The same week again sends nothing.
    notices_digest_task.delay("2026-10-28").get()
    assert len(mailbox.messages) == 2


# --- Events: returned and submitted ---------------------------------------------------------------


def test_a_returned_value_tells_the_reporter_who_submitted_it(
    cast, quarter, mailbox, django_capture_on_commit_callbacks
):
    rate, brands = _fill_agri(cast)
    with django_capture_on_commit_callbacks(execute=True):
        row_return(rate, acting_user=cast.office, comment="请核实抽检批次口径")

    assert mailbox.recipients == ["alice@example.org"]  # not Bob, who did not submit it
    (message,) = mailbox.messages
    assert "已被退回" in _subject(message)
    body = message.get_content()
    assert "退回意见：请核实抽检批次口径" in body
    assert f"https://qualityhub.example/reports/values/{rate.pk}/" in body
    notice = Notice.objects.get(recipient=cast.owner)
    assert notice.kind == NoticeKind.RETURNED and notice.read_at is None

    # Reopening an approved row is told the same way, as a reopening.
    approved = row_approve(brands, acting_user=cast.office)
    with django_capture_on_commit_callbacks(execute=True):
        row_reopen(approved, acting_user=cast.office, reason="口径调整")
    assert "已被重新打开" in _subject(mailbox.messages[-1])
    assert "原因：口径调整" in mailbox.messages[-1].get_content()


def test_a_department_submitting_its_form_tells_the_office_once(
    cast, quarter, mailbox, django_capture_on_commit_callbacks
):
    _fill_agri(cast, state="draft")
    with django_capture_on_commit_callbacks(execute=True):
        count = department_submit(
            department=cast.owner.membership.department,
            quarter=Period.parse(QUARTER),
            acting_user=cast.owner,
        )
    assert count == 2
    assert mailbox.recipients == ["olivia@example.org"]
    (message,) = mailbox.messages
    assert "提交了2026年第三季度的 2 项填报" in _subject(message)
    assert "https://qualityhub.example/reports/inbox/?department=AGRI&period=2026Q3" in (
        message.get_content()
    )


def test_rows_submitted_one_by_one_tell_the_office_once_an_hour(
    cast, quarter, mailbox, django_capture_on_commit_callbacks
):
    rate, brands = _fill_agri(cast, state="draft")
    for row in (rate, brands):  # a program submitting rows one at a time
        with django_capture_on_commit_callbacks(execute=True):
            row_submit(row, acting_user=cast.owner, via=ChangeVia.API)
    (message,) = mailbox.messages
    assert "提交了2026年第三季度的填报" in _subject(message)
    (notice,) = Notice.objects.all()
    assert notice.key.startswith("submitted:AGRI:2026Q3:rows:")


# --- Preferences ----------------------------------------------------------------------------------


def test_a_kind_turned_off_on_both_channels_sends_nothing(cast, quarter, mailbox, client):
    _fill_agri(cast)  # only 知识产权局's Charlie has rows to fill
    client.force_login(cast.outsider)
    response = client.post("/notices/preferences/", {"email_overdue": "on"})  # reminder: off
    assert response.status_code == 302
    assert NoticePreference.objects.get(user=cast.outsider, kind="reminder").email is False

    notices_tick_task.delay(THREE_DAYS_BEFORE).get()
    assert mailbox.messages == [] and not Notice.objects.exists()


def test_e_mail_off_keeps_the_notice_in_the_list_only(cast, quarter, mailbox, client):
    _fill_agri(cast)  # only 知识产权局's Charlie has rows to fill
    client.force_login(cast.outsider)
    client.post("/notices/preferences/", {"in_app_reminder": "on"})

    notices_tick_task.delay(THREE_DAYS_BEFORE).get()
    assert mailbox.messages == []
    notice = Notice.objects.get(recipient=cast.outsider)
    assert notice.email_status == EmailStatus.SKIPPED and notice.in_app
    assert "2026年第三季度填报将于2026-10-15截止" in client.get("/notices/").content.decode()


def test_list_off_mails_without_listing(cast, quarter, mailbox, client):
    _fill_agri(cast)  # only 知识产权局's Charlie has rows to fill
    client.force_login(cast.outsider)
    client.post("/notices/preferences/", {"email_reminder": "on"})
    notices_tick_task.delay(THREE_DAYS_BEFORE).get()
    assert mailbox.recipients == ["charlie@example.org"]
    assert "填报将于" not in client.get("/notices/").content.decode()


# --- Failures, retries and the claim --------------------------------------------------------------


def test_a_failed_e_mail_is_recorded_and_sent_by_the_next_tick(cast, quarter, mailbox, settings):
    _fill_agri(cast)  # only 知识产权局's Charlie has rows to fill
    real_port = settings.EMAIL_PORT
    use_smtp(settings, free_port())  # nothing listens there
    notices_tick_task.delay(THREE_DAYS_BEFORE).get()

    notice = Notice.objects.get()
    assert notice.email_status == EmailStatus.FAILED and notice.email_attempts == 1
    failure = notice.deliveries.get(channel="email")
    assert failure.status == "failed" and "ConnectionRefusedError" in failure.error
    assert mailbox.messages == []

    use_smtp(settings, real_port)
    assert notices_tick_task.delay(THREE_DAYS_BEFORE).get() == {"made": 0, "sent": 1}
    assert mailbox.recipients == ["charlie@example.org"]
    notice.refresh_from_db()
    assert notice.email_status == EmailStatus.SENT and notice.email_attempts == 2
    assert list(
        notice.deliveries.filter(channel="email").order_by("pk").values_list("status", flat=True)
    ) == ["failed", "sent"]
    notices_tick_task.delay(THREE_DAYS_BEFORE).get()
    assert len(mailbox.messages) == 1


def test_a_notice_claimed_by_a_process_that_died_is_sent_after_the_claim_goes_stale(cast, mailbox):
    (notice,) = notices_create(
        recipients=[cast.outsider], kind=NoticeKind.RETURNED, key="test:1", params={}
    )
    # A process claimed it a minute ago and has not finished: nobody else sends it.
    Notice.objects.filter(pk=notice.pk).update(
        email_status=EmailStatus.SENDING,
        claimed_at=timezone.now() - dt.timedelta(minutes=1),
        email_attempts=1,
    )
    notices_tick_task.delay(QUIET_DAY).get()
    assert mailbox.messages == []
    # Twenty minutes on, the claim is taken to be dead, and the next tick sends it.
    Notice.objects.filter(pk=notice.pk).update(claimed_at=timezone.now() - dt.timedelta(minutes=20))
    notices_tick_task.delay(QUIET_DAY).get()
    assert mailbox.recipients == ["charlie@example.org"]


def test_an_e_mail_that_keeps_failing_stops_after_the_last_attempt(cast, settings):
    use_smtp(settings, free_port())
    (notice,) = notices_create(
        recipients=[cast.outsider], kind=NoticeKind.RETURNED, key="test:2", params={}
    )
    for _ in range(8):
        notices_tick_task.delay(QUIET_DAY).get()
    notice.refresh_from_db()
    assert notice.email_status == EmailStatus.FAILED and notice.email_attempts == 5
    assert NoticeDelivery.objects.filter(notice=notice, channel="email").count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_senders_racing_send_the_e_mail_once(mailbox):
    user = UserFactory(username="racer", email="racer@example.org")
    (notice,) = notices_create(recipients=[user], kind=NoticeKind.DIGEST, key="race", params={})
    mailbox.delay = 0.3  # a slow server: the first sender is still sending when the second comes
    start = threading.Barrier(2)
    results = []

    def send():
        try:
            start.wait()
            results.append(notice_email_send(notice.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]
    assert mailbox.recipients == ["racer@example.org"]
    notice.refresh_from_db()
    assert notice.email_status == EmailStatus.SENT and notice.email_attempts == 1
    assert NoticeDelivery.objects.filter(notice=notice, channel="email").count() == 1
