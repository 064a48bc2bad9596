"""Reads of the catalogue."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from departments.models import Department
from departments.selectors import current_department_ids
from qualityhub.spreadsheets import format_number

from .choices import REPORTING_ROLES, ResponsibilityRole
from .models import Indicator, ReportingAssignment, Responsibility, Target

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


# --- The region rule --------------------------------------------------------------------------

#: The roles whose department may give the region's figure, strongest first.
_LEAD_RANK = {
    ResponsibilityRole.LEAD: 0,
    ResponsibilityRole.RESPONSIBLE: 1,
    ResponsibilityRole.SHARED: 2,
}


def _reporting_rows(indicator_ids) -> Iterator[tuple[int, int, str, int | None]]:
    """(indicator, department as written, role, document year; ``None`` for an office
    assignment) for every role that reports a figure."""
    responsibilities = Responsibility.objects.filter(
        indicator__isnull=False, role__in=list(_LEAD_RANK)
    )
    assignments = ReportingAssignment.objects.filter(role__in=list(_LEAD_RANK))
    if indicator_ids is not None:
        responsibilities = responsibilities.filter(indicator_id__in=indicator_ids)
        assignments = assignments.filter(indicator_id__in=indicator_ids)
    yield from responsibilities.values_list(
        "indicator_id", "department_id", "role", "document__issued_year"
    )
    for indicator_id, department_id, role in assignments.values_list(
        "indicator_id", "department_id", "role"
    ):
        yield indicator_id, department_id, role, None


def reporting_departments(*indicator_ids: int) -> dict[int, list[Department]]:
    """Indicator → today's departments that report it (lead, responsible or shared in a
    document, or an office assignment), by code. Three queries."""
    current = current_department_ids()
    held: dict[int, set[int]] = {}
    for indicator_id, department_id, _role, _year in _reporting_rows(indicator_ids):
        held.setdefault(indicator_id, set()).add(current[department_id])
    departments = Department.objects.in_bulk({pk for pks in held.values() for pk in pks})
    return {
        indicator_id: sorted((departments[pk] for pk in pks), key=lambda d: d.code)
        for indicator_id, pks in held.items()
    }


def catalogue_leads(indicator_ids=None) -> dict[int, int]:
    """Indicator → the catalogue's lead: today's department holding the strongest role (lead,
    then responsible, then shared) in the most recent document; an office assignment counts as
    responsible and as more recent than any document."""
    current = current_department_ids()
    best: dict[int, tuple] = {}
    for indicator_id, department_id, role, year in _reporting_rows(indicator_ids):
        key = (_LEAD_RANK[role], -9999 if year is None else -year, current[department_id])
        if indicator_id not in best or key < best[indicator_id]:
            best[indicator_id] = key
    return {indicator_id: key[2] for indicator_id, key in best.items()}


def region_departments(indicator_ids=None) -> dict[int, tuple[int, bool]]:
    """Indicator → (the department whose figure is the region's under the ``lead`` rule,
    whether the office named it). The office's ``region_department`` where set, else the
    catalogue's lead (:func:`catalogue_leads`); indicators with neither are left out."""
    declared = Indicator.objects.filter(region_department__isnull=False)
    if indicator_ids is not None:
        declared = declared.filter(pk__in=indicator_ids)
    chosen = {
        pk: (department_id, False) for pk, department_id in catalogue_leads(indicator_ids).items()
    }
    for pk, department_id in declared.values_list("pk", "region_department_id"):
        chosen[pk] = (department_id, True)
    return chosen
