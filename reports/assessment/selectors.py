"""The final assessment of a target year, as one table per document (method: docs/assessment.md).

Every target whose year is the assessed year, one row each, so that two plans setting the
same target are both assessed. For each row: the last approved figure of a period ending by the
deadline (the end of the target year), whether it meets the target, the gap and percent of
target in the indicator's unit, the status the gap method gives that figure against that
target, and the departments the target's own document names. Region-wide, the figure is the
region's by the indicator's rule (``gaps.services.aggregation_rules`` and
``gaps.engine.aggregate_region``, as the gap engine makes it); for one department, that
department's own figure.

Pure reads: a fixed number of queries, whatever the number of targets.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.marks import NO_MARK, DepartmentMark, marks_of, merge
from departments.models import Department
from departments.selectors import current_department_ids
from indicators.choices import Comparator, ResponsibilityRole
from indicators.models import Document, ReportingAssignment, Responsibility, Target
from reports.choices import GapStatus, TaskStatus, ValueSource, ValueState
from reports.gaps import engine
from reports.gaps.services import aggregation_rules
from reports.models import QualitativeReport, ReportedValue
from reports.periods import Period

#: Decimal places kept for figures read back from the engine's floats (the database's own).
STORED_PLACES = Decimal("0.000001")
PERCENT_PLACES = Decimal("0.01")

ROLE_ORDER = [
    ResponsibilityRole.LEAD,
    ResponsibilityRole.RESPONSIBLE,
    ResponsibilityRole.SHARED,
    ResponsibilityRole.SUPPORT,
]
#: A qualitative target's last status when two departments report the same period: the worse.
TASK_STATUS_WORST_FIRST = [
    TaskStatus.BLOCKED,
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.DONE,
]


class NameSource:
    """Where a row's departments come from."""

    DOCUMENT = "document"  # the target's own document
    OFFICE = "office"  # the office's reporting assignment (the document names none)
    OTHER_DOCUMENT = "other"  # another plan's division of labour for the same indicator


@dataclass(frozen=True)
class NamedDepartment:
    """A department as a document names it, by today's name."""

    department_id: int  # today's department
    name: str  # today's name
    role: str  # ResponsibilityRole
    as_written: str = ""  # the document's wording, where it names a department since replaced
    source: str = NameSource.DOCUMENT
    source_document: str = ""  # the other plan's title (NameSource.OTHER_DOCUMENT)
    #: Today's department's kind, and why the named row's resolution to it is unconfirmed.
    mark: DepartmentMark = NO_MARK

    @property
    def role_label(self) -> str:
        return str(ResponsibilityRole(self.role).label)

    def _notes(self) -> list[str]:
        notes = [self.role_label]
        if self.as_written:
            notes.append(_("原文：%(name)s") % {"name": self.as_written})
        if self.source == NameSource.OFFICE:
            notes.insert(0, _("办公室指定"))
        elif self.source == NameSource.OTHER_DOCUMENT:
            notes.insert(0, _("据《%(title)s》") % {"title": self.source_document})
        return notes

    @property
    def label(self) -> str:
        """``内蒙古自治区市场监督管理局（配合；原文：自治区质监局）``: the page shows the marks
        beside it (``{% department_mark %}``)."""
        return f"{self.name}（{'；'.join(self._notes())}）"

    @property
    def text(self) -> str:
        """:attr:`label` with the marks written out, for files and the printed page:
        ``…（牵头；原文：自治区金融办；待确认：…）``."""
        return f"{self.name}（{'；'.join(self._notes() + self.mark.notes())}）"


@dataclass
class AssessmentRow:
    """One target and how it stood at its deadline."""

    target: Target
    departments: list[NamedDepartment]
    last_value: Decimal | None = None
    last_period: str = ""
    met: bool | None = None
    gap: Decimal | None = None
    percent_of_target: Decimal | None = None
    status: str = GapStatus.NO_DATA  # a GapStatus; a TaskStatus for a qualitative target
    narrative: str = ""  # a qualitative target's last narrative
    is_demo: bool = False

    @property
    def indicator(self):
        return self.target.indicator

    @property
    def qualitative(self) -> bool:
        return self.target.indicator.is_qualitative

    @property
    def status_label(self) -> str:
        if self.qualitative:
            return str(TaskStatus(self.status).label) if self.status else _("未报告")
        return str(GapStatus(self.status).label)

    @property
    def departments_text(self) -> str:
        return "、".join(d.text for d in self.departments)


@dataclass
class DocumentSection:
    document: Document
    rows: list[AssessmentRow]


@dataclass
class Assessment:
    """The assessment of one target year, region-wide or for one department."""

    year: int
    department: Department | None
    ended: bool
    sections: list[DocumentSection] = field(default_factory=list)

    @property
    def rows(self) -> list[AssessmentRow]:
        return [row for section in self.sections for row in section.rows]

    @property
    def deadline(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    @property
    def counts(self) -> dict[str, int]:
        rows = self.rows
        return {
            "total": len(rows),
            "met": sum(1 for r in rows if r.met is True),
            "not_met": sum(1 for r in rows if r.met is False),
            "unknown": sum(1 for r in rows if r.met is None),
        }

    @property
    def has_demo(self) -> bool:
        return any(r.is_demo for r in self.rows)


# --- Years ---------------------------------------------------------------------------------------


def target_years() -> list[int]:
    """Every year some document sets a target for, in order."""
    return sorted(set(Target.objects.values_list("year", flat=True)))


def year_ended(year: int, today: dt.date | None = None) -> bool:
    """A target year has ended once its last day has passed."""
    return (today or timezone.localdate()) > dt.date(year, 12, 31)


def default_year(years: list[int], today: dt.date | None = None) -> int | None:
    """The most recent target year that has ended, else the first one (None without targets)."""
    ended = [y for y in years if year_ended(y, today)]
    if ended:
        return ended[-1]
    return years[0] if years else None


# --- The table -----------------------------------------------------------------------------------


def final_assessment(
    year: int, *, department: Department | None = None, today: dt.date | None = None
) -> Assessment:
    """Every target of ``year``, region-wide or (``department``) the department's own.

    A department's table holds the targets its departments column names it in, with its own
    figures.
    """
    current = current_department_ids()
    targets = list(
        Target.objects.filter(year=year)
        .select_related("indicator", "document")
        .defer("document__source_text")
    )
    named = departments_named(targets, current)
    if department is not None:
        targets = [t for t in targets if any(d.department_id == department.pk for d in named[t.pk])]
    units = None
    if department is not None:
        units = [pk for pk, today_pk in current.items() if today_pk == department.pk]
    numeric = [t for t in targets if not t.indicator.is_qualitative]
    qualitative = [t for t in targets if t.indicator.is_qualitative]
    figures = _last_figures(numeric, year, units)
    reports = _last_reports(qualitative, year, units)

    rows = []
    for target in targets:
        row = AssessmentRow(target=target, departments=named[target.pk])
        if target.indicator.is_qualitative:
            _fill_qualitative(row, reports.get(target.indicator_id))
        else:
            _fill_numeric(row, figures.get(target.pk), ended=year_ended(year, today))
        rows.append(row)

    by_document: dict[int, list[AssessmentRow]] = defaultdict(list)
    for row in rows:
        by_document[row.target.document_id].append(row)
    documents = sorted({row.target.document for row in rows}, key=lambda d: (d.issued_year, d.code))
    sections = [
        DocumentSection(
            document=document,
            rows=sorted(
                by_document[document.pk],
                key=lambda r: (clause_key(r.target.clause), r.target.indicator.code),
            ),
        )
        for document in documents
    ]
    return Assessment(
        year=year, department=department, ended=year_ended(year, today), sections=sections
    )


def _fill_numeric(row: AssessmentRow, figure: dict | None, *, ended: bool) -> None:
    """The last figure, and its status at the deadline: once the target year has ended, the
    method's rule for an ended year applies (met: achieved; not met: off track, whatever the
    trend or the number of figures; docs/gaps.md), since no later figure can count."""
    target = row.target
    if figure is None:
        return
    value = _decimal(figure["actual"])
    row.last_value, row.last_period = value, figure["period"]
    row.status, row.is_demo = figure["status"], bool(figure["is_demo"])
    row.met = target.is_met_by(value)
    if ended and row.met is not None:
        row.status = GapStatus.ACHIEVED if row.met else GapStatus.OFF_TRACK
    row.gap = shortfall(target, value)
    row.percent_of_target = percent_of_target(target, value)


def _fill_qualitative(row: AssessmentRow, report: dict | None) -> None:
    if report is None:
        row.status = ""
        return
    row.last_period, row.status = report["period"], report["status"]
    row.narrative = report["narrative"]
    row.met = report["status"] == TaskStatus.DONE


def shortfall(target: Target, actual: Decimal | None) -> Decimal | None:
    """How far ``actual`` falls short, in the indicator's unit; negative when it does better.

    ``target − actual`` for ≥, > and = targets, ``actual − target`` for ≤ and < targets (the gap
    engine's definition, docs/gaps.md), computed in decimals so that 96.5 − 93.71 is 2.79.
    """
    if actual is None or target.value is None:
        return None
    if target.comparator in (Comparator.LTE, Comparator.LT):
        return actual - target.value
    return target.value - actual


def percent_of_target(target: Target, actual: Decimal | None) -> Decimal | None:
    """``actual / target`` (≤ and < targets: ``target / actual``) × 100, to two places."""
    if actual is None or target.value is None:
        return None
    lower_is_better = target.comparator in (Comparator.LTE, Comparator.LT)
    numerator, denominator = (target.value, actual) if lower_is_better else (actual, target.value)
    if denominator == 0:
        return None
    return (numerator / denominator * 100).quantize(PERCENT_PLACES)


def _decimal(value) -> Decimal | None:
    if value is None or pd.isna(value):
        return None
    try:
        return Decimal(repr(float(value))).quantize(STORED_PLACES)
    except InvalidOperation:
        return None


def _last_figures(targets: list[Target], year: int, units: list[int] | None) -> dict[int, dict]:
    """Target id → the last figure of a period ending by the deadline, with the gap method's
    status for it against that target (engine.compute on the series up to the deadline)."""
    if not targets:
        return {}
    values = ReportedValue.objects.filter(
        state=ValueState.APPROVED,
        value__isnull=False,
        indicator_id__in={t.indicator_id for t in targets},
        period__lt=str(year + 1),  # period ids begin with their year
    )
    if units is not None:
        values = values.filter(department_id__in=units)
    rows = values.values_list("indicator_id", "department_id", "period", "value", "source")
    frame = pd.DataFrame(
        list(rows), columns=["indicator_id", "unit_id", "period", "value", "is_demo"]
    )
    if frame.empty:
        return {}
    frame["value"] = frame["value"].astype(float)
    frame["is_demo"] = frame["is_demo"] == ValueSource.DEMO
    # Region-wide: the region's figure by each indicator's rule, as the gap engine makes it.
    series = engine.aggregate_region(frame, aggregation_rules()) if units is None else frame
    # One series per target (the indicator's series under the target's key), so that two plans
    # setting the same year's target on one indicator are each assessed against their own.
    keys = pd.DataFrame(
        [(t.pk, t.indicator_id) for t in targets], columns=["target_key", "indicator_id"]
    )
    series = series.merge(keys, on="indicator_id")
    if series.empty:
        return {}
    series["indicator_id"] = series.pop("target_key")
    goals = pd.DataFrame(
        [
            (
                t.pk,
                t.pk,
                t.year,
                float(t.value),
                t.comparator,
                t.document.issued_year,
                t.document.code,
            )
            for t in targets
            if t.value is not None
        ],
        columns=[
            "indicator_id",
            "target_id",
            "year",
            "value",
            "comparator",
            "doc_year",
            "doc_code",
        ],
    )
    results = engine.compute(series, goals)
    if results.empty:
        return {}
    # The last period; at the same end, a year's figure before its fourth quarter's.
    results["annual"] = results["period"].astype(str).str.len() == 4
    results = results.sort_values(["indicator_id", "period_end", "annual", "unit_id"])
    last = results.drop_duplicates("indicator_id", keep="last")
    return {
        int(r.indicator_id): {
            "actual": r.actual,
            "period": str(r.period),
            "status": str(r.status),
            "is_demo": bool(r.is_demo),
        }
        for r in last.itertuples(index=False)
    }


def _last_reports(targets: list[Target], year: int, units: list[int] | None) -> dict[int, dict]:
    """Indicator id → the last approved status of a qualitative indicator by the deadline.

    Region-wide, the last period any department reported; where several departments reported
    that period, the least advanced status (a target is done only when every report says so).
    """
    if not targets:
        return {}
    reports = QualitativeReport.objects.filter(
        state=ValueState.APPROVED,
        indicator_id__in={t.indicator_id for t in targets},
        period__lt=str(year + 1),
    ).exclude(status="")
    if units is not None:
        reports = reports.filter(department_id__in=units)
    rank = {status: i for i, status in enumerate(TASK_STATUS_WORST_FIRST)}
    best: dict[int, tuple] = {}
    for indicator_id, period, status, narrative in reports.values_list(
        "indicator_id", "period", "status", "narrative"
    ):
        key = (Period.parse(period).end, -rank.get(status, 0))
        if indicator_id not in best or key > best[indicator_id][0]:
            best[indicator_id] = (key, {"period": period, "status": status, "narrative": narrative})
    return {indicator_id: report for indicator_id, (_key, report) in best.items()}


# --- Departments ---------------------------------------------------------------------------------


def departments_named(targets: list[Target], current: dict[int, int]) -> dict[int, list]:
    """Target id → the departments its own document names for the indicator, by today's name.

    Where the document names none (the Outline, the Action Plan's main targets): the office's
    reporting assignments for the indicator; failing those, the departments other plans name
    for it, each marked with its plan.
    """
    indicator_ids = {t.indicator_id for t in targets}
    departments = {d.pk: d for d in Department.objects.all()}
    marks = marks_of(departments.values())
    responsibilities = defaultdict(list)
    for r in (
        Responsibility.objects.filter(indicator_id__in=indicator_ids)
        .select_related("document")
        .defer("document__source_text")
        .order_by("-document__issued_year", "document__code", "id")
    ):
        responsibilities[r.indicator_id].append(r)
    assignments = defaultdict(list)
    for indicator_id, department_id, role in ReportingAssignment.objects.filter(
        indicator_id__in=indicator_ids
    ).values_list("indicator_id", "department_id", "role"):
        assignments[indicator_id].append((department_id, role))

    def name_of(pk: int) -> str:
        return departments[current.get(pk, pk)].name_zh

    def mark(named_pk: int) -> DepartmentMark:
        """Today's department's kind; the reasons along the named row's chain."""
        today = current.get(named_pk, named_pk)
        return replace(marks.get(named_pk, NO_MARK), kind=marks.get(today, NO_MARK).kind)

    def written(r: Responsibility) -> NamedDepartment:
        today = current.get(r.department_id, r.department_id)
        return NamedDepartment(
            department_id=today,
            name=name_of(today),
            role=r.role,
            as_written=r.department_as_written if today != r.department_id else "",
            mark=mark(r.department_id),
        )

    named = {}
    for target in targets:
        own = [
            written(r)
            for r in responsibilities[target.indicator_id]
            if r.document_id == target.document_id
        ]
        if not own:
            own = [
                NamedDepartment(
                    department_id=current.get(pk, pk),
                    name=name_of(pk),
                    role=role,
                    source=NameSource.OFFICE,
                    mark=mark(pk),
                )
                for pk, role in assignments[target.indicator_id]
            ]
        if not own:
            own = [
                replace(
                    written(r),
                    source=NameSource.OTHER_DOCUMENT,
                    source_document=r.document.title_zh,
                )
                for r in responsibilities[target.indicator_id]
            ]
        named[target.pk] = _ordered(own)
    return named


def _ordered(names: list[NamedDepartment]) -> list[NamedDepartment]:
    """One entry per department and role, the strongest role first, in the document's order;
    the wordings of the historical departments one of today's took over are listed together."""
    merged: dict[tuple, NamedDepartment] = {}
    for name in names:
        key = (name.department_id, name.role, name.source, name.source_document)
        if key not in merged:
            merged[key] = name
            continue
        wordings = [w for w in merged[key].as_written.split("、") if w]
        if name.as_written and name.as_written not in wordings:
            wordings.append(name.as_written)
        merged[key] = replace(
            merged[key], as_written="、".join(wordings), mark=merge(merged[key].mark, name.mark)
        )
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    return sorted(merged.values(), key=lambda d: rank.get(d.role, len(rank)))


# --- Clause order --------------------------------------------------------------------------------

_NUMERALS = "〇一二三四五六七八九"
_TOKEN = re.compile(r"[〇一二三四五六七八九十百]+|\d+|\D")


def _chinese_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十三 → 23."""
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = _NUMERALS.index(char)
    return total + digit


def clause_key(clause: str) -> tuple:
    """Clauses in the documents' order: 一（二） before 二（一）1 before 十（三）."""
    key = []
    for token in _TOKEN.findall(clause or ""):
        if token.isdigit():
            key.append((0, int(token), ""))
        elif token[0] in _NUMERALS or token[0] in "十百":
            key.append((0, _chinese_number(token), ""))
        else:
            key.append((1, 0, token))
    return tuple(key)
