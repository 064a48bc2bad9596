"""The notices' Celery tasks (names ``notices.tasks.<name>``, for beat and queued messages) and
the receivers of the workflow's signals, which start them after the commit."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from . import services
from .choices import EmailStatus
from .selectors import emails_due


def _day(today: str | None) -> dt.date:
    return dt.date.fromisoformat(today) if today else timezone.localdate()


def _send(notice_ids) -> int:
    return sum(services.notice_email_send(pk) for pk in notice_ids)


@shared_task(name="notices.tasks.notices_tick_task")
def notices_tick_task(today: str | None = None) -> dict:
    """Beat's tick: make the reminders and overdue notices due ``today`` (ISO date; default
    the local date), then send every e-mail due, retrying failed and stale ones."""
    made = services.deadline_notices_create(_day(today))
    return {"made": len(made), "sent": _send(emails_due())}


@shared_task(name="notices.tasks.notices_digest_task")
def notices_digest_task(today: str | None = None) -> dict:
    """Beat's weekly digest for the office."""
    made = services.digest_notices_create(_day(today))
    return {"made": len(made), "sent": _send(n.pk for n in made)}


@shared_task(name="notices.tasks.notices_send_task")
def notices_send_task(notice_ids: list[int]) -> int:
    """Send these notices' e-mails (each is claimed first: a retried message sends nothing)."""
    return _send(notice_ids)


def _send_on_commit(made) -> None:
    ids = [n.pk for n in made if n.email_status == EmailStatus.PENDING]
    if ids:
        transaction.on_commit(lambda: notices_send_task.delay(ids))


def row_returned(sender, *, row, action: str, comment: str, acting_user, **kwargs) -> None:
    """``qualityhub.events.row_returned``: tell the department."""
    _send_on_commit(services.returned_notices_create(row=row, action=action, comment=comment))


def rows_submitted(
    sender, *, department, period: str, count: int, acting_user, row=None, **kwargs
) -> None:
    """``qualityhub.events.rows_submitted``: tell the office."""
    _send_on_commit(
        services.submitted_notices_create(
            department=department, period=period, count=count, row=row
        )
    )
