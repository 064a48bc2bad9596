"""Reads of the catalogue."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from departments.models import Department
from departments.selectors import current_department_ids
from qualityhub.spreadsheets import format_number

from .choices import REPORTING_ROLES, ResponsibilityRole
from .models import ReportingAssignment, Responsibility, Target

CATALOG_COLUMNS = (
    "document",
    "clause",
    "indicator_code",
    "name_zh",
    "unit",
    "comparator",
    "target_value",
    "target_year",
    "lead_departments",
    "support_departments",
    "quote",
)


def target_list() -> QuerySet[Target]:
    """Every target with its indicator and document (without the document's source text, tens
    of kilobytes that no list needs)."""
    return (
        Target.objects.select_related("indicator", "document")
        .defer("document__source_text")
        .order_by("document__issued_year", "document__code", "id")
    )


def format_decimal(value) -> str:
    """A decimal without trailing zeros or exponent: 96.500000 → "96.5", 5E+1 → "50"."""
    return "" if value is None else format_number(value)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def catalog_rows() -> Iterator[dict]:
    """One row per target, with the departments its own document assigns, by today's names.

    Departments written under a historical name (2016) are given as the department that holds
    the responsibility today; ``lead_departments`` covers lead, responsible and shared roles.
    """
    responsibilities = Responsibility.objects.filter(indicator__isnull=False).select_related(
        "department__successor__successor__successor"
    )
    targets = target_list().prefetch_related(
        Prefetch("indicator__responsibilities", queryset=responsibilities, to_attr="all_resps")
    )
    for target in targets:
        own = [r for r in target.indicator.all_resps if r.document_id == target.document_id]
        lead = [r.current_department.name_zh for r in own if r.role in REPORTING_ROLES]
        support = [
            r.current_department.name_zh for r in own if r.role == ResponsibilityRole.SUPPORT
        ]
        yield {
            "document": target.document.code,
            "clause": target.clause,
            "indicator_code": target.indicator.code,
            "name_zh": target.indicator.name_zh,
            "unit": target.indicator.unit,
            "comparator": target.comparator,
            "target_value": target.value,
            "target_year": target.year,
            "lead_departments": ";".join(_unique(lead)),
            "support_departments": ";".join(_unique(support)),
            "quote": target.quote,
        }


def target_in_force(targets: list[Target], year: int) -> tuple[Target | None, bool]:
    """The target that applies to a figure of ``year``, and whether it has already expired.

    The applicable target is the nearest target year at or after ``year`` from a plan; when two
    plans set the same year, the more recent plan wins. With no target ahead, the latest past
    target is returned, flagged as expired (its plan's horizon has passed).
    """
    ahead = [t for t in targets if t.year >= year]
    if ahead:
        best = min(ahead, key=lambda t: (t.year, -t.document.issued_year, t.document.code))
        return best, False
    if not targets:
        return None, False
    latest = max(targets, key=lambda t: (t.year, t.document.issued_year, t.document.code))
    return latest, True


def departments_with_responsibilities() -> list[Department]:
    """Today's departments that hold a responsibility (directly or through a predecessor) or
    an office reporting assignment."""
    current = current_department_ids()
    held = set(Responsibility.objects.values_list("department_id", flat=True))
    held |= set(ReportingAssignment.objects.values_list("department_id", flat=True))
    return list(Department.objects.filter(pk__in={current[pk] for pk in held}).order_by("code"))
