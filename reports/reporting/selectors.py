"""Reads for reporting: what a department must report for a period, and what users may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from departments.selectors import current_department_ids
from indicators.choices import REPORTING_ROLES, Frequency, ResponsibilityRole
from indicators.models import Indicator, ReportingAssignment, Responsibility, Target, Task
from indicators.selectors import target_in_force
from reports.choices import PeriodStatus, ValueState
from reports.models import QualitativeReport, ReportedValue, ReportingPeriod, ValueBounds
from reports.periods import QUARTER, Period

from .rules import (
    BOUNDS_HISTORY,
    ExpectedRange,
    expected_bounds,
    note_required_reason,
)

EDITABLE_STATES = (ValueState.DRAFT, ValueState.RETURNED)
#: A document's full text is for checking quotes; the forms never read it.
WITHOUT_SOURCE_TEXTS = ("task__document__source_text", "document__source_text")


# --- Periods ------------------------------------------------------------------------------------


def default_reporting_period(today: dt.date | None = None) -> Period:
    """The quarter now being reported: the latest open period the office set, or else the last
    quarter that has ended (figures for a quarter are reported after it closes)."""
    latest_open = (
        ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, period__contains="Q")
        .order_by("-period")
        .first()
    )
    if latest_open:
        return Period.parse(latest_open.period)
    today = today or timezone.localdate()
    return Period.quarter_of(today).previous()


def entry_is_open(period: Period, today: dt.date | None = None) -> bool:
    """Entry is open unless the office closed the period, or the period has not started."""
    today = today or timezone.localdate()
    if period.start > today:
        return False
    closed = ReportingPeriod.objects.filter(period=period.id, status=PeriodStatus.CLOSED)
    return not closed.exists()


def row_period(indicator: Indicator, quarter: Period) -> Period | None:
    """The period an indicator is reported for in a quarter's form, or None if not due then.

    Quarterly indicators take the quarter; half-yearly ones appear in Q2 and Q4 (S1, S2);
    annual ones in Q4 (the year).
    """
    if indicator.frequency == Frequency.QUARTERLY:
        return quarter
    if indicator.frequency == Frequency.HALF_YEARLY:
        return Period(quarter.year, "S", quarter.number // 2) if quarter.number in (2, 4) else None
    return Period(quarter.year) if quarter.number == 4 else None


def reporting_problem(
    department: Department,
    period: Period,
    *,
    indicator: Indicator | None = None,
    task: Task | None = None,
) -> str | None:
    """Why ``department`` may not enter a row for this indicator or task and period, or ``None``.

    A department enters only what it reports: it holds a reporting role for the indicator or
    task (from a document, under any of its names, or by the office's assignment), and the
    period is the kind the indicator is reported by (a quarter for a quarterly indicator, a
    half-year, a year). Every entry path asks this, so a row the form does not offer cannot be
    written by another route either.
    """
    today = current_department_ids()
    names = [pk for pk, current in today.items() if current == department.pk]
    held = Responsibility.objects.filter(department_id__in=names, role__in=REPORTING_ROLES)
    if task is not None:
        if not held.filter(task=task).exists():
            return _("%(department)s不负责填报任务“%(task)s”。") % {
                "department": department.display_name,
                "task": task,
            }
        if period.kind != QUARTER:
            return _("任务进展按季度填报，期间 %(period)s 不适用。") % {"period": period.label}
        return None
    assigned = ReportingAssignment.objects.filter(
        department=department, indicator=indicator, role__in=REPORTING_ROLES
    )
    if not (held.filter(indicator=indicator).exists() or assigned.exists()):
        return _("%(department)s不负责填报指标“%(indicator)s”。") % {
            "department": department.display_name,
            "indicator": indicator,
        }
    if row_period(indicator, period.closing_quarter) != period:
        return _("指标“%(indicator)s”按%(frequency)s填报，期间 %(period)s 不适用。") % {
            "indicator": indicator,
            "frequency": indicator.get_frequency_display(),
            "period": period.label,
        }
    return None


# --- The department's form ------------------------------------------------------------------------


@dataclass
class Basis:
    """Why a department is on a row: a document's clause or an office assignment."""

    role: str
    label: str  # the document and clause, or "办公室指定"
    as_written: str = ""
    detail: str = ""  # the office's basis for an assignment
    department_id: int | None = None  # the department named (its marks: departments.marks)

    @property
    def role_label(self) -> str:
        return str(ResponsibilityRole(self.role).label)


@dataclass
class ValueRow:
    indicator: Indicator
    period: Period
    reporting: bool  # True: the department enters the figure; False: support, read-only
    bases: list[Basis] = field(default_factory=list)
    target: Target | None = None
    target_expired: bool = False
    value: ReportedValue | None = None
    previous: ReportedValue | None = None
    lead_values: list[ReportedValue] = field(default_factory=list)

    @property
    def key(self) -> str:
        return str(self.indicator.pk)

    @property
    def editable_state(self) -> bool:
        return self.value is None or self.value.state in EDITABLE_STATES


@dataclass
class QualitativeRow:
    period: Period
    task: Task | None = None
    indicator: Indicator | None = None
    bases: list[Basis] = field(default_factory=list)
    target: Target | None = None
    report: QualitativeReport | None = None
    previous: QualitativeReport | None = None

    @property
    def key(self) -> str:
        return f"t{self.task.pk}" if self.task else f"i{self.indicator.pk}"

    @property
    def subject(self):
        return self.task or self.indicator

    @property
    def editable_state(self) -> bool:
        return self.report is None or self.report.state in EDITABLE_STATES


@dataclass
class DepartmentForm:
    department: Department
    period: Period
    open: bool
    value_rows: list[ValueRow]
    support_rows: list[ValueRow]
    qualitative_rows: list[QualitativeRow]

    def counts(self) -> dict[str, int]:
        states = [r.value.state if r.value else "" for r in self.value_rows] + [
            r.report.state if r.report else "" for r in self.qualitative_rows
        ]
        return {
            "expected": len(states),
            "missing": states.count(""),
            "draft": states.count(ValueState.DRAFT),
            "submitted": states.count(ValueState.SUBMITTED),
            "approved": states.count(ValueState.APPROVED),
            "returned": states.count(ValueState.RETURNED),
        }


def _basis_label(responsibility: Responsibility) -> Basis:
    document = responsibility.document
    return Basis(
        role=responsibility.role,
        label=f"{document.display_title} {responsibility.clause}",
        as_written=responsibility.department_as_written,
        department_id=responsibility.department_id,
    )


def department_form(department: Department, quarter: Period) -> DepartmentForm:
    """Every row the department reports (or, as support, sees) in the quarter's form.

    An indicator is on the form when the department holds a role for it (from a document, or
    by office assignment) and it is tracked in that year: it has a target from a plan in force
    that year, or the responsibility's own plan is in force. A 2016 assignment under a
    historical name counts for the department that holds it today.
    """
    return department_forms([department], quarter)[department.pk]


def department_forms(departments: list[Department], quarter: Period) -> dict[int, DepartmentForm]:
    """:func:`department_form` for many departments at once, in the same few queries in all."""
    if not departments:
        return {}
    today = current_department_ids()
    wanted = {d.pk for d in departments}
    responsibilities = defaultdict(list)
    for r in (
        Responsibility.objects.filter(
            department_id__in=[pk for pk, current in today.items() if current in wanted]
        )
        .select_related("indicator", "task__document", "document")
        .defer(*WITHOUT_SOURCE_TEXTS)
    ):
        responsibilities[today[r.department_id]].append(r)
    assignments = defaultdict(list)
    for a in ReportingAssignment.objects.filter(department_id__in=wanted).select_related(
        "indicator"
    ):
        assignments[a.department_id].append(a)
    indicator_ids = {
        r.indicator_id for rs in responsibilities.values() for r in rs if r.indicator_id
    } | {a.indicator_id for assigned in assignments.values() for a in assigned}
    targets_by_indicator: dict[int, list[Target]] = defaultdict(list)
    targets = (
        Target.objects.filter(indicator_id__in=indicator_ids)
        .select_related("document")
        .defer("document__source_text")
    )
    for target in targets:
        targets_by_indicator[target.indicator_id].append(target)
    is_open = entry_is_open(quarter)
    forms = {
        d.pk: _build_form(
            d, quarter, responsibilities[d.pk], assignments[d.pk], targets_by_indicator, is_open
        )
        for d in departments
    }
    _attach_values(forms)
    _attach_lead_values(forms)
    _attach_qualitative(forms)
    return forms


def _build_form(
    department: Department,
    quarter: Period,
    responsibilities: list[Responsibility],
    assignments: list[ReportingAssignment],
    targets_by_indicator: dict[int, list[Target]],
    is_open: bool,
) -> DepartmentForm:
    year = quarter.year

    def tracked(indicator_id: int, document=None) -> bool:
        if document is not None and document.in_force(year):
            return True
        return any(t.document.in_force(year) for t in targets_by_indicator[indicator_id])

    # Indicator → (reporting?, bases)
    indicator_roles: dict[int, tuple[Indicator, list[Basis]]] = {}
    for r in responsibilities:
        if r.indicator_id and tracked(r.indicator_id, r.document):
            indicator_roles.setdefault(r.indicator_id, (r.indicator, []))[1].append(_basis_label(r))
    for a in assignments:
        if tracked(a.indicator_id):
            indicator_roles.setdefault(a.indicator_id, (a.indicator, []))[1].append(
                Basis(
                    role=a.role, label="办公室指定", detail=a.basis, department_id=a.department_id
                )
            )

    value_rows, support_rows, qualitative_rows = [], [], []
    for indicator, bases in sorted(indicator_roles.values(), key=lambda x: x[0].code):
        period = row_period(indicator, quarter)
        if period is None:
            continue
        reporting = any(b.role in REPORTING_ROLES for b in bases)
        target, expired = target_in_force(targets_by_indicator[indicator.pk], period.year)
        if indicator.is_qualitative:
            if reporting:
                qualitative_rows.append(
                    QualitativeRow(period=period, indicator=indicator, bases=bases, target=target)
                )
            continue
        row = ValueRow(indicator, period, reporting, bases, target, expired)
        (value_rows if reporting else support_rows).append(row)

    task_bases: dict[int, tuple[Task, list[Basis]]] = {}
    for r in responsibilities:
        if r.task_id and r.role in REPORTING_ROLES and r.task.document.in_force(year):
            task_bases.setdefault(r.task_id, (r.task, []))[1].append(_basis_label(r))
    for task, bases in sorted(task_bases.values(), key=lambda x: (x[0].document_id, x[0].code)):
        qualitative_rows.append(QualitativeRow(period=quarter, task=task, bases=bases))

    return DepartmentForm(
        department=department,
        period=quarter,
        open=is_open,
        value_rows=value_rows,
        support_rows=support_rows,
        qualitative_rows=qualitative_rows,
    )


def _attach_values(forms: dict[int, DepartmentForm]) -> None:
    """Each value row's figure for its period and the period before, from one query."""
    rows = [(f.department.pk, r) for f in forms.values() for r in f.value_rows + f.support_rows]
    if not rows:
        return
    wanted = {(r.indicator.pk, r.period.id) for _, r in rows} | {
        (r.indicator.pk, r.period.previous().id) for _, r in rows
    }
    values = ReportedValue.objects.filter(
        department_id__in=forms.keys(),
        indicator_id__in={i for i, _ in wanted},
        period__in={p for _, p in wanted},
    )
    by_key = {(v.department_id, v.indicator_id, v.period): v for v in values}
    for department_id, row in rows:
        row.value = by_key.get((department_id, row.indicator.pk, row.period.id))
        row.previous = by_key.get((department_id, row.indicator.pk, row.period.previous().id))


def _attach_lead_values(forms: dict[int, DepartmentForm]) -> None:
    """Support rows show the approved figures of the departments that report the indicator."""
    rows = [(f.department.pk, r) for f in forms.values() for r in f.support_rows]
    if not rows:
        return
    values = ReportedValue.objects.filter(
        indicator_id__in={r.indicator.pk for _, r in rows},
        period__in={r.period.id for _, r in rows},
        state=ValueState.APPROVED,
    ).select_related("department")
    by_key = defaultdict(list)
    for value in values:
        by_key[(value.indicator_id, value.period)].append(value)
    for department_id, row in rows:
        row.lead_values = [
            v for v in by_key[(row.indicator.pk, row.period.id)] if v.department_id != department_id
        ]


def _attach_qualitative(forms: dict[int, DepartmentForm]) -> None:
    rows = [(f.department.pk, r) for f in forms.values() for r in f.qualitative_rows]
    if not rows:
        return
    periods = {r.period.id for _, r in rows} | {r.period.previous().id for _, r in rows}
    reports = QualitativeReport.objects.filter(
        department_id__in=forms.keys(), period__in=periods
    ).filter(
        Q(task_id__in={r.task.pk for _, r in rows if r.task})
        | Q(indicator_id__in={r.indicator.pk for _, r in rows if r.indicator})
    )
    by_key = {
        (q.department_id, f"t{q.task_id}" if q.task_id else f"i{q.indicator_id}", q.period): q
        for q in reports
    }
    for department_id, row in rows:
        row.report = by_key.get((department_id, row.key, row.period.id))
        row.previous = by_key.get((department_id, row.key, row.period.previous().id))


# --- The office's inbox and completeness ------------------------------------------------------


def inbox_values(*, department=None, period=None, indicator=None) -> QuerySet[ReportedValue]:
    values = ReportedValue.objects.filter(state=ValueState.SUBMITTED).select_related(
        "indicator", "department", "submitted_by"
    )
    if department:
        values = values.filter(department=department)
    if period:
        values = values.filter(period=period)
    if indicator:
        values = values.filter(indicator=indicator)
    return values.order_by("submitted_at", "department__code", "indicator__code")


def inbox_qualitative(*, department=None, period=None) -> QuerySet[QualitativeReport]:
    reports = QualitativeReport.objects.filter(state=ValueState.SUBMITTED).select_related(
        "task", "indicator", "department", "submitted_by"
    )
    if department:
        reports = reports.filter(department=department)
    if period:
        reports = reports.filter(period=period)
    return reports.order_by("submitted_at", "department__code")


def reporting_deadline(quarter: Period) -> tuple[dt.date, bool]:
    """The quarter's deadline, and whether it is the default rather than one the office set.

    With no deadline set, a quarter's figures are due ``REPORTING_DEFAULT_DEADLINE_DAYS`` days
    after the quarter ends (see docs/reporting.md, "Completeness"): a quarter with no deadline
    is never open-ended, so a figure sent months late reads as late.
    """
    deadline = (
        ReportingPeriod.objects.filter(period=quarter.id, deadline__isnull=False)
        .values_list("deadline", flat=True)
        .first()
    )
    if deadline is not None:
        return deadline, False
    return default_deadline(quarter), True


def default_deadline(quarter: Period) -> dt.date:
    return quarter.end + dt.timedelta(days=settings.REPORTING_DEFAULT_DEADLINE_DAYS)


@dataclass
class ReviewContext:
    """What a reviewer weighs a submitted figure against: the department's figure for the period
    before, the target in force for the figure's year, and the note rule's reason, if any."""

    previous: ReportedValue | None = None
    target: Target | None = None
    target_expired: bool = False
    #: Why the figure stands out (it moves away from the target, or changes by more than 20 %),
    #: as ``rules.note_required_reason`` words it for the reporter; ``""`` when it does not.
    flag: str = ""


def review_contexts(values: list[ReportedValue]) -> dict[int, ReviewContext]:
    """:class:`ReviewContext` for each value (by id), in two queries for any number of values."""
    if not values:
        return {}
    previous_periods = {v.pk: Period.parse(v.period).previous().id for v in values}
    previous = {
        (p.department_id, p.indicator_id, p.period): p
        for p in ReportedValue.objects.filter(
            department_id__in={v.department_id for v in values},
            indicator_id__in={v.indicator_id for v in values},
            period__in=set(previous_periods.values()),
        )
    }
    targets: dict[int, list[Target]] = defaultdict(list)
    for target in (
        Target.objects.filter(indicator_id__in={v.indicator_id for v in values})
        .select_related("document")
        .defer("document__source_text")
    ):
        targets[target.indicator_id].append(target)
    contexts = {}
    for value in values:
        before = previous.get((value.department_id, value.indicator_id, previous_periods[value.pk]))
        year = Period.parse(value.period).year
        target, expired = target_in_force(targets[value.indicator_id], year)
        flag = note_required_reason(
            target, before.value if before is not None else None, value.value
        )
        contexts[value.pk] = ReviewContext(before, target, expired, flag or "")
    return contexts


def previous_report(report: QualitativeReport) -> QualitativeReport | None:
    """The department's report on the same task (or indicator) for the period before."""
    return QualitativeReport.objects.filter(
        department_id=report.department_id,
        task_id=report.task_id,
        indicator_id=report.indicator_id,
        period=Period.parse(report.period).previous().id,
    ).first()


def inbox_next(
    *, department=None, period=None, indicator=None, after=None
) -> ReportedValue | QualitativeReport | None:
    """The first item still waiting in the inbox under the same filter (values first, then
    qualitative reports, as the inbox lists them), other than ``after``."""
    values = inbox_values(department=department, period=period, indicator=indicator)
    if isinstance(after, ReportedValue):
        values = values.exclude(pk=after.pk)
    if first := values.first():
        return first
    reports = inbox_qualitative(department=department, period=period)
    if isinstance(after, QualitativeReport):
        reports = reports.exclude(pk=after.pk)
    return reports.first()


@dataclass
class Completeness:
    department: Department
    expected: int
    submitted: int  # submitted or approved (what DHIS2 counts as reported)
    approved: int
    last_submitted_at: dt.datetime | None
    deadline: dt.date | None
    deadline_is_default: bool = False

    @property
    def rate(self) -> float | None:
        return None if not self.expected else self.submitted / self.expected

    @property
    def complete(self) -> bool:
        return self.expected > 0 and self.submitted >= self.expected

    @property
    def on_time(self) -> bool | None:
        """Whether the last submission came by the deadline; None until complete or undated."""
        if self.deadline is None or not self.complete or self.last_submitted_at is None:
            return None
        return timezone.localtime(self.last_submitted_at).date() <= self.deadline

    @property
    def status(self) -> str:
        """none (nothing to report), on_time, late, overdue (deadline passed) or pending."""
        if self.expected == 0:
            return "none"
        if self.complete:
            return "late" if self.on_time is False else "on_time"
        if self.deadline and timezone.localdate() > self.deadline:
            return "overdue"
        return "pending"


def completeness(quarter: Period, departments: list[Department]) -> list[Completeness]:
    """Per department: expected rows, how many were submitted and approved, and timeliness.

    As DHIS2's reporting rate: a row counts as reported once submitted (or approved), and as on
    time when the department's last submission for the period came by the deadline (the one the
    office set, or else the default of :func:`reporting_deadline`).
    """
    deadline, deadline_is_default = reporting_deadline(quarter)
    forms = department_forms(departments, quarter)
    result = []
    for department in departments:
        form = forms[department.pk]
        rows = [(r.value, r) for r in form.value_rows] + [
            (r.report, r) for r in form.qualitative_rows
        ]
        reported = (ValueState.SUBMITTED, ValueState.APPROVED)
        done = [obj for obj, _ in rows if obj and obj.state in reported]
        approved = [obj for obj in done if obj.state == ValueState.APPROVED]
        submitted_times = [obj.submitted_at for obj in done if obj.submitted_at]
        result.append(
            Completeness(
                department=department,
                expected=len(rows),
                submitted=len(done),
                approved=len(approved),
                last_submitted_at=max(submitted_times) if submitted_times else None,
                deadline=deadline,
                deadline_is_default=deadline_is_default,
            )
        )
    return result


# --- Data quality: expected ranges ------------------------------------------------------------

#: (indicator id, department id, period id)
RangeKey = tuple[int, int, str]


def expected_ranges(
    rows: Iterable[tuple[Indicator, int, str]],
    *,
    pending: Mapping[RangeKey, Decimal] | None = None,
) -> dict[RangeKey, ExpectedRange | None]:
    """The expected range of each (indicator, department id, period) row, in two queries.

    The office's range (:class:`~reports.models.ValueBounds`) where it set one; otherwise the
    range computed (``rules.expected_bounds``) from the latest approved figures of the
    indicator × department, leaving out the row's own period (the figure being written is not
    its own yardstick). ``pending`` are approved figures about to be written with the rows (an
    import file's): they count as the history, replacing what is stored for their period.
    ``None`` where there is no range (too little history).
    """
    rows = list(rows)
    if not rows:
        return {}
    indicator_ids = {indicator.pk for indicator, _d, _p in rows}
    department_ids = {department_id for _i, department_id, _p in rows}
    overrides = {
        (b.indicator_id, b.department_id): b
        for b in ValueBounds.objects.filter(
            indicator_id__in=indicator_ids, department_id__in=department_ids
        )
    }
    pairs = {(indicator.pk, department_id) for indicator, department_id, _p in rows}
    pairs -= set(overrides)
    series: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(dict)
    if pairs:
        approved = ReportedValue.objects.filter(
            indicator_id__in={i for i, _d in pairs},
            department_id__in={d for _i, d in pairs},
            state=ValueState.APPROVED,
            value__isnull=False,
        ).values_list("indicator_id", "department_id", "period", "value")
        for indicator_id, department_id, period, value in approved.iterator(chunk_size=10_000):
            if (indicator_id, department_id) in pairs:
                series[(indicator_id, department_id)][period] = value
    for (indicator_id, department_id, period), value in (pending or {}).items():
        if (indicator_id, department_id) in pairs and value is not None:
            series[(indicator_id, department_id)][period] = value
    # Each series once in time order, newest last: (period, value).
    ordered = {
        pair: sorted(figures.items(), key=lambda item: Period.parse(item[0]).end)
        for pair, figures in series.items()
    }
    ranges: dict[RangeKey, ExpectedRange | None] = {}
    for indicator, department_id, period in rows:
        key = (indicator.pk, department_id, period)
        if key in ranges:
            continue
        override = overrides.get((indicator.pk, department_id))
        if override is not None:
            ranges[key] = ExpectedRange(override.low, override.high, set_by_office=True)
            continue
        history: list[Decimal] = []
        for other, value in reversed(ordered.get((indicator.pk, department_id), [])):
            if other != period:
                history.append(value)
                if len(history) == BOUNDS_HISTORY:
                    break
        history.reverse()
        bounds = expected_bounds(
            history,
            decimals=indicator.decimals,
            valid_low=indicator.min_value,
            valid_high=indicator.max_value,
        )
        ranges[key] = None if bounds is None else ExpectedRange(*bounds, figures=len(history))
    return ranges


def expected_range(indicator: Indicator, department: Department, period: str):
    """:func:`expected_ranges` of one row: the range its figure is expected in, or ``None``."""
    key = (indicator.pk, department.pk, period)
    return expected_ranges([(indicator, department.pk, period)])[key]


def followup_values() -> QuerySet[ReportedValue]:
    """The values the office marked for follow-up, whatever their state, newest first."""
    return (
        ReportedValue.objects.filter(followup=True)
        .select_related("indicator", "department")
        .order_by("-updated_at", "-id")
    )
