"""Reads for notices: the list, the unread count, preferences and the e-mails due."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from departments.access import role_of

from .choices import KINDS_BY_ROLE, EmailStatus, NoticeKind
from .models import Notice, NoticePreference

#: A claim older than this is taken to belong to a process that died between claiming the
#: e-mail and recording how it went; the e-mail is sent again (docs/notifications.md).
CLAIM_TIMEOUT = dt.timedelta(minutes=15)
#: E-mail attempts per notice before it stays failed (each attempt is a NoticeDelivery).
MAX_EMAIL_ATTEMPTS = 5


def unread_count(user) -> int:
    """The header's badge: one query, for a signed-in user only."""
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.listed_for(user).unread().count()


def notices_listed(user) -> QuerySet[Notice]:
    return Notice.objects.listed_for(user).order_by("-created_at", "-pk")


def email_claimable(now: dt.datetime | None = None) -> Q:
    """The notices whose e-mail may be claimed now: waiting, failed with attempts left, or
    claimed so long ago that the claiming process must have died."""
    now = now or timezone.now()
    return (
        Q(email_status=EmailStatus.PENDING)
        | Q(email_status=EmailStatus.FAILED, email_attempts__lt=MAX_EMAIL_ATTEMPTS)
        | Q(
            email_status=EmailStatus.SENDING,
            claimed_at__lt=now - CLAIM_TIMEOUT,
            email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        )
    )


def emails_due() -> list[int]:
    """Ids of the notices whose e-mail a tick should (re)try, oldest first."""
    return list(
        Notice.objects.filter(email_claimable()).order_by("created_at").values_list("pk", flat=True)
    )


def kinds_for(user) -> tuple[str, ...]:
    """The kinds of notice ``user``'s role can receive (its preferences page offers these)."""
    return KINDS_BY_ROLE.get(role_of(user), ())


def preferences_of(user_ids, kind: str) -> dict[int, tuple[bool, bool]]:
    """(e-mail, in-app) per user for one kind; a user without a row gets both (the default)."""
    rows = NoticePreference.objects.filter(user_id__in=list(user_ids), kind=kind)
    return {p.user_id: (p.email, p.in_app) for p in rows}


def preference_table(user) -> list[dict]:
    """One row per kind the user can receive: the kind, its label and the two channels."""
    stored = {p.kind: p for p in NoticePreference.objects.filter(user=user)}
    rows = []
    for kind in kinds_for(user):
        preference = stored.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": NoticeKind(kind).label,
                "email": preference.email if preference else True,
                "in_app": preference.in_app if preference else True,
            }
        )
    return rows
