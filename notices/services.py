"""Writes for notices: who is told what, sending the e-mail once, reading and preferences.

A notice is made once per recipient and occasion (``Notice`` is unique on recipient, kind and
key), with the recipient's preferences applied when it is made: a kind turned off for both
channels makes no notice; e-mail off makes one that is only listed; listing off makes one that
is only mailed. The e-mail is sent by :func:`notice_email_send`, which first claims it with a
conditional update, so two ticks or a retried task never send it twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from departments.choices import DEPARTMENT_ROLES, Role
from departments.models import Department
from indicators.models import Indicator
from reports.choices import GapStatus
from reports.dashboards.selectors import latest_results
from reports.models import QualitativeReport, ReportedValue
from reports.periods import Period
from reports.reporting.selectors import (
    completeness,
    department_forms,
    entry_is_open,
    reporting_deadline,
)

from .choices import Channel, DeliveryStatus, EmailStatus, NoticeKind
from .models import Notice, NoticeDelivery, NoticePreference
from .render import email_text
from .selectors import email_claimable, kinds_for, preferences_of

logger = logging.getLogger(__name__)

#: An overdue notice goes the day after the deadline; a tick that missed that day still sends
#: it within this many days.
OVERDUE_WINDOW_DAYS = 7
#: Quarters a tick looks at: the current one and the two before (deadlines fall after the end).
RECENT_QUARTERS = 3


# --- Who --------------------------------------------------------------------------------------


def _active_users():
    return get_user_model().objects.filter(is_active=True).select_related("membership")


def department_members(department_ids) -> dict[int, list]:
    """The active reporters and reviewers of each department."""
    members = defaultdict(list)
    for user in (
        _active_users()
        .filter(
            membership__department_id__in=list(department_ids),
            membership__role__in=DEPARTMENT_ROLES,
        )
        .order_by("pk")
    ):
        members[user.membership.department_id].append(user)
    return members


def office_members() -> list:
    """The leadership-group office's active users (administrators are not sent its notices)."""
    return list(_active_users().filter(membership__role=Role.OFFICE).order_by("pk"))


def _names(department: Department | None) -> dict:
    if department is None:
        return {}
    return {"zh": department.short_name_zh or department.name_zh, "en": department.name_en}


def _row_names(row: ReportedValue | QualitativeReport) -> dict:
    subject = row.indicator if row.indicator_id else row.task
    if isinstance(subject, Indicator):
        return {"zh": subject.name_zh, "en": subject.name_en}
    return {"zh": str(subject), "en": ""}


# --- Making notices -----------------------------------------------------------------------------


def notices_create(*, recipients, kind: str, key: str, params: dict, link: str = "") -> list:
    """One notice per recipient for the occasion ``key``, unless there already is one.

    Returns the notices made now (not those an earlier call made).
    """
    preferences = preferences_of([u.pk for u in recipients], kind)
    made = []
    for user in recipients:
        email_on, in_app_on = preferences.get(user.pk, (True, True))
        if not (email_on or in_app_on):
            continue
        status = EmailStatus.PENDING if email_on and user.email else EmailStatus.SKIPPED
        with transaction.atomic():
            notice, created = Notice.objects.get_or_create(
                recipient=user,
                kind=kind,
                key=key[:200],
                defaults={
                    "params": params,
                    "link": link[:500],
                    "in_app": in_app_on,
                    "email_status": status,
                },
            )
            if created and in_app_on:
                NoticeDelivery.objects.create(
                    notice=notice, channel=Channel.IN_APP, status=DeliveryStatus.SENT
                )
        if created:
            made.append(notice)
    return made


def returned_notices_create(*, row, action: str, comment: str) -> list:
    """The department is told that the office returned (or reopened) one of its rows: the one
    who submitted it, if still its member, or else every reporter and reviewer."""
    members = department_members([row.department_id])[row.department_id]
    submitter = [u for u in members if u.pk == row.submitted_by_id]
    is_value = isinstance(row, ReportedValue)
    link = reverse(
        "reports:value_detail" if is_value else "reports:qualitative_detail", args=[row.pk]
    )
    return notices_create(
        recipients=submitter or members,
        kind=NoticeKind.RETURNED,
        key=f"returned:{row._meta.model_name}:{row.pk}:{row.version}",
        params={
            "action": action,
            "row": _row_names(row),
            "department": _names(row.department),
            "period": row.period,
            "comment": comment,
        },
        link=link,
    )


def submitted_notices_create(*, department, period: str, count: int, row=None) -> list:
    """The office is told that a department submitted rows for review.

    A whole form is one notice with its count. Rows submitted one by one (through the API, say)
    are told once per department, quarter and hour, without a count: a program submitting 500
    rows sends the office one notice, not 500.
    """
    if row is not None:
        key = f"submitted:{department.code}:{period}:rows:{timezone.now():%Y%m%d%H}"
        count = None
    else:
        key = f"submitted:{department.code}:{period}:{timezone.now().strftime('%Y%m%d%H%M%S%f')}"
    link = reverse("reports:inbox") + f"?department={department.code}&period={period}"
    return notices_create(
        recipients=office_members(),
        kind=NoticeKind.SUBMITTED,
        key=key,
        params={"department": _names(department), "period": period, "count": count},
        link=link,
    )


def _recent_quarters(today: dt.date) -> list[Period]:
    quarter = Period.quarter_of(today)
    quarters = []
    for _ in range(RECENT_QUARTERS):
        quarters.append(quarter)
        quarter = quarter.previous()
    return quarters


def _open_counts(form) -> dict:
    counts = form.counts()
    return {
        "missing": counts["missing"],
        "draft": counts["draft"],
        "returned": counts["returned"],
        "open": counts["missing"] + counts["draft"] + counts["returned"],
    }


def deadline_notices_create(today: dt.date) -> list:
    """Reminders before a quarter's deadline and overdue notices after it.

    From ``NOTICE_REMINDER_DAYS`` days before the deadline to the deadline, each department
    with rows not yet submitted (missing, draft or returned) is reminded; from the day after,
    for ``OVERDUE_WINDOW_DAYS`` days, it is told it is overdue. Once per quarter and department
    each: the key names both. A quarter the office closed for entry is skipped.
    """
    members = department_members(Department.objects.current().values_list("pk", flat=True))
    if not members:
        return []
    departments = list(Department.objects.filter(pk__in=members).order_by("code"))
    made = []
    for quarter in _recent_quarters(today):
        if not entry_is_open(quarter, today):
            continue
        deadline, _default = reporting_deadline(quarter)
        if deadline - dt.timedelta(days=settings.NOTICE_REMINDER_DAYS) <= today <= deadline:
            kind = NoticeKind.REMINDER
        elif deadline < today <= deadline + dt.timedelta(days=OVERDUE_WINDOW_DAYS):
            kind = NoticeKind.OVERDUE
        else:
            continue
        forms = department_forms(departments, quarter)
        link = reverse("reports:form") + f"?period={quarter.id}"
        for department in departments:
            counts = _open_counts(forms[department.pk])
            if not counts["open"]:
                continue
            made += notices_create(
                recipients=members[department.pk],
                kind=kind,
                key=f"{kind}:{quarter.id}:{department.code}",
                params={
                    **counts,
                    "quarter": quarter.id,
                    "deadline": deadline.isoformat(),
                    "department": _names(department),
                },
                link=link,
            )
    return made


def _late_quarter(today: dt.date) -> tuple[Period, dt.date] | None:
    """The latest recent quarter whose deadline has passed."""
    for quarter in _recent_quarters(today):
        deadline, _default = reporting_deadline(quarter)
        if deadline < today:
            return quarter, deadline
    return None


def _red_keys(today: dt.date) -> dict[str, tuple]:
    """Each series' latest gap result (up to this year's end) that is off track, by a key
    naming the series and the period."""
    rows = latest_results(Period(today.year))
    return {
        f"{indicator_id}:{department_id or 'region'}:{period}": (
            indicator_id,
            department_id,
            period,
        )
        for indicator_id, department_id, period, status, *_rest in rows
        if status == GapStatus.OFF_TRACK
    }


def digest_notices_create(today: dt.date) -> list:
    """The office's weekly digest: departments past the deadline with rows still to submit,
    and series that turned off track since the last digest.

    What was off track is kept in the digest's params (``red_keys``); the next digest lists
    only what is not there. The first digest lists everything off track.
    """
    year, week, _weekday = today.isocalendar()
    key = f"digest:{year}W{week:02d}"
    recipients = office_members()
    if not recipients:
        return []
    params: dict = {"week": f"{year}W{week:02d}", "late": []}
    late = _late_quarter(today)
    if late:
        quarter, deadline = late
        params.update(quarter=quarter.id, deadline=deadline.isoformat())
        departments = list(Department.objects.current().order_by("code"))
        for row in completeness(quarter, departments):
            if row.expected and row.submitted < row.expected:
                params["late"].append(
                    {
                        "department": _names(row.department),
                        "open": row.expected - row.submitted,
                    }
                )
    red = _red_keys(today)
    previous = (
        Notice.objects.filter(kind=NoticeKind.DIGEST)
        .exclude(key=key)
        .order_by("-created_at", "-pk")
        .values_list("params", flat=True)
        .first()
    )
    seen = set((previous or {}).get("red_keys", []))
    new = [red[k] for k in sorted(red) if k not in seen]
    indicators = Indicator.objects.in_bulk({i for i, _d, _p in new})
    departments_by_id = Department.objects.in_bulk({d for _i, d, _p in new if d})
    params["new_red"] = [
        {
            "indicator": {"zh": indicators[i].name_zh, "en": indicators[i].name_en},
            "department": _names(departments_by_id.get(d)),
            "period": p,
        }
        for i, d, p in new
        if i in indicators
    ]
    params["red_keys"] = sorted(red)
    link = reverse("reports:completeness") + (f"?period={params['quarter']}" if late else "")
    return notices_create(
        recipients=recipients, kind=NoticeKind.DIGEST, key=key, params=params, link=link
    )


# --- Sending the e-mail ---------------------------------------------------------------------------


def notice_email_send(notice_id: int) -> bool:
    """Send one notice's e-mail, if it is due and this call wins the claim; True if sent.

    The claim is a conditional update (``pending``/retryable ``failed``/stale ``sending`` →
    ``sending`` with a fresh token), so of two processes only one sends. Each attempt is
    recorded as a :class:`NoticeDelivery`. A process that dies after claiming leaves the notice
    ``sending``; once the claim is older than ``selectors.CLAIM_TIMEOUT`` the next tick claims
    and sends it again (at most one duplicate, and only after such a crash).
    """
    now = timezone.now()
    token = uuid.uuid4()
    claimed = Notice.objects.filter(email_claimable(now), pk=notice_id).update(
        email_status=EmailStatus.SENDING,
        claim_token=token,
        claimed_at=now,
        email_attempts=F("email_attempts") + 1,
    )
    if not claimed:
        return False
    notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    mine = Notice.objects.filter(pk=notice_id, claim_token=token)
    address = notice.recipient.email
    if not address:
        mine.update(email_status=EmailStatus.SKIPPED)
        _record(notice_id, DeliveryStatus.FAILED, "no e-mail address")
        return False
    try:
        subject, body = email_text(notice)
        message = EmailMessage(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [address],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.send()
    # Whatever goes wrong (the server refuses, the connection drops, a bad setting), the
    # attempt is recorded and the next tick retries; nothing escapes to the caller.
    except Exception as exc:
        mine.update(email_status=EmailStatus.FAILED)
        _record(notice_id, DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}"[:2000])
        logger.warning("notice %s: e-mail to %s failed: %s", notice_id, address, exc)
        return False
    mine.update(email_status=EmailStatus.SENT, sent_at=timezone.now())
    _record(notice_id, DeliveryStatus.SENT)
    return True


def _record(notice_id: int, status: str, error: str = "") -> None:
    NoticeDelivery.objects.create(
        notice_id=notice_id, channel=Channel.EMAIL, status=status, error=error
    )


# --- Reading and preferences --------------------------------------------------------------------


def notice_mark_read(*, user, notice_id: int) -> bool:
    """Mark one of the user's own notices read; another's is left alone (False)."""
    return bool(
        Notice.objects.listed_for(user)
        .filter(pk=notice_id, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


def notices_mark_all_read(*, user) -> int:
    return Notice.objects.listed_for(user).unread().update(read_at=timezone.now())


@transaction.atomic
def preferences_set(*, user, choices: dict[str, tuple[bool, bool]]) -> None:
    """Store (e-mail, in-app) for each kind the user's role can receive; others are ignored."""
    for kind in kinds_for(user):
        email, in_app = choices.get(kind, (False, False))
        NoticePreference.objects.update_or_create(
            user=user, kind=kind, defaults={"email": bool(email), "in_app": bool(in_app)}
        )
