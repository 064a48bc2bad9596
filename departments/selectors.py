"""Reads of departments."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Department


def departments_with_responsibilities() -> list[Department]:
    """Today's departments that hold a responsibility (directly or through a predecessor) or
    an office reporting assignment."""
    from indicators.models import ReportingAssignment, Responsibility

    by_pk = {d.pk: d for d in Department.objects.all()}
    held = set(Responsibility.objects.values_list("department_id", flat=True))
    held |= set(ReportingAssignment.objects.values_list("department_id", flat=True))
    current = set()
    for pk in held:
        while by_pk[pk].successor_id is not None:
            pk = by_pk[pk].successor_id
        current.add(by_pk[pk])
    return sorted(current, key=lambda d: d.code)


def current_departments() -> QuerySet[Department]:
    return Department.objects.current().order_by("code")
