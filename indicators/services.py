"""Writes to the catalogue: documents, departments, indicators, targets, tasks, responsibilities."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from departments.models import Department, DepartmentAlias
from qualityhub.events import catalogue_changed_on_commit

from .catalog import Catalog, read_catalog, to_decimal, validate_catalog
from .models import Document, Indicator, ReportingAssignment, Responsibility, Target, Task


@dataclass
class LoadReport:
    """What a catalogue load did, per kind of row."""

    counts: dict[str, Counter] = field(default_factory=dict)

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += n

    def changed(self) -> int:
        return sum(
            n for counter in self.counts.values() for k, n in counter.items() if k != "unchanged"
        )

    def lines(self) -> list[str]:
        order = ("created", "updated", "deleted", "unchanged")
        return [
            f"{kind}: " + ", ".join(f"{k} {counter[k]}" for k in order if counter[k])
            for kind, counter in self.counts.items()
        ]


def _upsert(model: type[models.Model], lookup: dict, values: dict, report: LoadReport, kind: str):
    """Create or update one row by natural key, saving only when a field actually differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.add(kind, "created")
        return obj
    changed = False
    for name, value in values.items():
        current = getattr(obj, name)
        if model._meta.get_field(name).is_relation and not isinstance(value, models.Model):
            current = getattr(obj, f"{name}_id")
        if current != value:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    report.add(kind, "updated" if changed else "unchanged")
    return obj


def _load_departments(catalog: Catalog, report: LoadReport) -> dict[str, Department]:
    by_code = {d["code"]: d for d in catalog.departments}

    def depth(code: str) -> int:  # successors must exist before the departments that point to them
        n = 0
        while by_code[code].get("successor"):
            code, n = by_code[code]["successor"], n + 1
        return n

    saved: dict[str, Department] = {}
    for row in sorted(catalog.departments, key=lambda d: depth(d["code"])):
        successor = saved[row["successor"]] if row.get("successor") else None
        saved[row["code"]] = _upsert(
            Department,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "short_name_zh": row.get("short_name_zh") or "",
                "name_en": row.get("name_en") or "",
                "status": row["status"],
                "successor": successor,
                "note": (row.get("note") or "").strip(),
                "sources": row.get("sources") or [],
            },
            report,
            "departments",
        )
    wanted = {
        alias: row["code"]
        for row in catalog.departments
        for alias in {row.get("short_name_zh"), *row.get("aliases", [])}
        if alias and alias != row["name_zh"]
    }
    existing = {a.name: a for a in DepartmentAlias.objects.filter(department__code__in=saved)}
    for name, alias in existing.items():
        if wanted.get(name) != alias.department.code:
            alias.delete()
            report.add("department aliases", "deleted")
    for name, code in wanted.items():
        if name in existing and existing[name].department.code == code:
            report.add("department aliases", "unchanged")
        else:
            DepartmentAlias.objects.update_or_create(
                name=name, defaults={"department": saved[code]}
            )
            report.add("department aliases", "created")
    return saved


def _delete_stale(queryset: models.QuerySet, keep_ids: set[int], report: LoadReport, kind: str):
    stale = queryset.exclude(pk__in=keep_ids)
    count = stale.count()
    if count:
        stale.delete()
        report.add(kind, "deleted", count)


@transaction.atomic
def catalog_load(
    *,
    directory: Path | None = None,
    sources_dir: Path | None = None,
    acting_user: AbstractBaseUser | None = None,
    catalog: Catalog | None = None,
) -> LoadReport:
    """Bring the database up to date with the catalogue fixtures, in one transaction.

    Rows are matched by natural key (codes; indicator × document × year for targets; subject ×
    department × document × role for responsibilities), so loading twice changes nothing.
    Targets, tasks and responsibilities of a fixture document that the fixtures no longer list
    are removed; rows of other documents (added in the admin or by import) are left alone.
    The published figures of ``reported_values.yaml`` are reported values, which the reports
    app loads (``reports.reporting.services.catalogue_load`` does both in one transaction).
    """
    directory = Path(directory or settings.CATALOG_DIR)
    sources_dir = Path(sources_dir or settings.CATALOG_SOURCES_DIR)
    catalog = catalog or read_catalog(directory)
    validate_catalog(catalog, sources_dir)
    report = LoadReport()

    documents = {
        row["code"]: _upsert(
            Document,
            {"code": row["code"]},
            {
                "kind": row["kind"],
                "title_zh": row["title_zh"],
                "title_en": row.get("title_en") or "",
                "issuer_zh": row.get("issuer_zh") or "",
                "issued_on": row.get("issued_on"),
                "issued_year": row["issued_year"],
                "date_note": (row.get("date_note") or "").strip(),
                "horizon_years": row.get("horizon_years") or [],
                "source_file": row["source_file"],
                "quote_file": row["quote_file"],
            },
            report,
            "documents",
        )
        for row in catalog.documents
    }
    departments = _load_departments(catalog, report)
    aliases = catalog.alias_map()

    indicators = {
        row["code"]: _upsert(
            Indicator,
            {"code": row["code"]},
            {
                "name_zh": row["name_zh"],
                "name_en": row.get("name_en") or "",
                "unit": row.get("unit") or "",
                "value_kind": row["value_kind"],
                "decimals": row.get("decimals", 2),
                "min_value": to_decimal(row.get("min_value")),
                "max_value": to_decimal(row.get("max_value")),
                "frequency": row["frequency"],
                "category": row["category"],
                "aggregation": row["aggregation"],
                "note": (row.get("note") or "").strip(),
            },
            report,
            "indicators",
        )
        for row in catalog.indicators
    }

    target_ids = set()
    for row in catalog.targets:
        target = _upsert(
            Target,
            {
                "indicator": indicators[row["indicator"]],
                "document": documents[row["document"]],
                "year": row["year"],
            },
            {
                "comparator": row["comparator"],
                "value": to_decimal(row.get("value")),
                "clause": row["clause"],
                "quote": row["quote"],
                "note": (row.get("note") or "").strip(),
            },
            report,
            "targets",
        )
        target_ids.add(target.pk)

    task_ids, tasks = set(), {}
    for row in catalog.tasks:
        task = _upsert(
            Task,
            {"code": row["code"]},
            {
                "document": documents[row["document"]],
                "title_zh": row["title_zh"],
                "clause": row["clause"],
                "quote": row["quote"],
                "note": (row.get("note") or "").strip(),
            },
            report,
            "tasks",
        )
        tasks[row["code"]], task_ids = task, task_ids | {task.pk}

    responsibility_ids = set()
    for row in catalog.responsibilities:
        lookup = {
            "indicator": indicators.get(row.get("indicator")),
            "task": tasks.get(row.get("task")),
            "department": departments[aliases[row["department"]]],
            "document": documents[row["document"]],
            "role": row["role"],
        }
        responsibility = _upsert(
            Responsibility,
            lookup,
            {
                "department_as_written": row["department"],
                "clause": row["clause"],
                "quote": row["quote"],
                "note": (row.get("note") or "").strip(),
            },
            report,
            "responsibilities",
        )
        responsibility_ids.add(responsibility.pk)

    fixture_documents = [documents[code] for code in documents]
    _delete_stale(
        Target.objects.filter(document__in=fixture_documents), target_ids, report, "targets"
    )
    _delete_stale(
        Responsibility.objects.filter(document__in=fixture_documents),
        responsibility_ids,
        report,
        "responsibilities",
    )
    _delete_stale(Task.objects.filter(document__in=fixture_documents), task_ids, report, "tasks")

    # Assignments are only added or updated: the office may add more of its own in the admin.
    for row in catalog.assignments:
        _upsert(
            ReportingAssignment,
            {
                "indicator": indicators[row["indicator"]],
                "department": departments[row["department"]],
                "role": row["role"],
            },
            {"basis": row["basis"].strip()},
            report,
            "assignments",
        )

    if report.changed():
        catalogue_changed_on_commit(Target)
    return report
