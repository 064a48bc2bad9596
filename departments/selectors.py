"""Reads of departments."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Department


def departments_with_responsibilities() -> list[Department]:
    """Today's departments that hold at least one responsibility, directly or via a predecessor."""
    from indicators.models import Responsibility

    held = Responsibility.objects.select_related(
        "department__successor__successor__successor"
    ).only("department")
    current = {r.department.current() for r in held}
    return sorted(current, key=lambda d: d.code)


def current_departments() -> QuerySet[Department]:
    return Department.objects.current().order_by("code")
