"""Reads of the catalogue."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from .choices import REPORTING_ROLES, ResponsibilityRole
from .models import Responsibility, Target

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
    return Target.objects.select_related("indicator", "document").order_by(
        "document__issued_year", "document__code", "id"
    )


def format_decimal(value) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return text


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def catalog_rows() -> Iterator[dict[str, str]]:
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
            "target_value": format_decimal(target.value),
            "target_year": str(target.year),
            "lead_departments": ";".join(_unique(lead)),
            "support_departments": ";".join(_unique(support)),
            "quote": target.quote,
        }
