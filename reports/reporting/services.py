"""Writes to reported values and qualitative reports, and the review workflow.

Every path that changes a department's figures — the department's form, the office's review, the
admin, the import, the catalogue's published figures, the demo history — comes through here, so
each change is checked by the same rules (``rules.py``), by the acting user's role, under the
same optimistic lock, lands in the row's history with the path it came by, refreshes the
dashboards and, when an approved figure appears, changes or goes, schedules the gap engine.

Two kinds of value write:
  - :func:`reported_value_save_draft` is a department's own entry: its reporter or reviewer only,
    while the period is open, with the note rule, as a draft.
  - :func:`reported_value_write` is the office's (or the system's: ``acting_user=None``): an
    admin's correction, an imported or published figure, the demo history. It may approve.

Both refuse a write from a stale copy. The writer says which version it read
(``expected_version``): the row's version, ``0`` for "there was no value yet", or
:data:`ANY_VERSION` for a file that replaces whatever is there (imports, the catalogue). A
missing version (``None``, a form post without its version field) counts as stale, and so does
"there was no value yet" once someone else has created it: of two people filling the same empty
field, one saves and the other is told, with both figures shown.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.choices import DepartmentStatus
from departments.models import Department, Membership
from departments.services import (
    StayedBehind,
    memberships_follow_successors,
    rows_follow_successors,
    successor_moves,
)
from indicators.catalog import (
    Catalog,
    CatalogError,
    catalog_problems,
    quote_in_source,
    read_catalog,
    to_decimal,
)
from indicators.models import Document, Indicator, ReportingAssignment, Task
from indicators.selectors import target_in_force
from indicators.services import LoadReport, assignments_follow_successors, catalog_load
from qualityhub import events
from reports.access import require_department_member, require_office
from reports.cache import bump_dashboard_version_on_commit
from reports.choices import ChangeVia, PeriodStatus, ValueSource, ValueState
from reports.gaps.tasks import schedule_gap_computation_on_commit
from reports.models import (
    ImportColumnMapping,
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
    ValueBounds,
)
from reports.periods import Period

from . import rules
from .rules import ExpectedRange, RuleViolation
from .selectors import department_form, entry_is_open, expected_range, reporting_problem

logger = logging.getLogger(__name__)


class WorkflowError(Exception):
    """A write the workflow does not allow (locked value, closed period, missing rows...).

    The message is for the user, in Chinese.
    """


class _AnyVersion:
    def __repr__(self) -> str:
        return "ANY_VERSION"


#: ``expected_version`` of a writer that replaces whatever is stored (imports, the catalogue).
ANY_VERSION = _AnyVersion()


def _shown(row) -> str:
    if row is None:
        return "—"
    if isinstance(row, ReportedValue):
        return "—" if row.value is None else f"{row.value.normalize():f}"
    return row.get_status_display() or "—"


class StaleValueError(Exception):
    """The row changed since the writer read it (or the writer did not say what it read).

    ``current`` is the row as it is now (``None`` if there is none); ``yours`` what the writer
    tried to save, shown beside it.
    """

    def __init__(self, current: ReportedValue | QualitativeReport | None, *, yours: str = ""):
        self.current = current
        mine = _("；您填写的：%(yours)s") % {"yours": yours} if yours else ""
        if current is None:
            message = _(
                "页面缺少版本信息，无法确认是否基于最新数据%(mine)s，未保存。请核对后重新保存。"
            ) % {"mine": mine}
        else:
            what = _("该数值") if isinstance(current, ReportedValue) else _("该进展")
            who = getattr(current.updated_by, "username", "") or _("他人")
            message = _(
                "%(what)s已被%(who)s修改（当前值：%(value)s%(mine)s），您的修改未保存，"
                "请核对后重新填写。"
            ) % {"what": what, "who": who, "value": _shown(current), "mine": mine}
        super().__init__(message)

    @property
    def current_version(self) -> int:
        """The version to carry in the form so that saving again is a deliberate overwrite."""
        return self.current.version if self.current is not None else 0


def _check_version(current, expected, *, yours: str = "") -> None:
    """Refuse a write from a stale copy (see the module's docstring)."""
    if expected is ANY_VERSION:
        return
    if expected is None:
        raise StaleValueError(current, yours=yours)
    if current is None:
        return  # nothing stored: whatever the writer saw, there is nothing to overwrite
    if current.version != expected:
        raise StaleValueError(current, yours=yours)


def _lock(model, **lookup):
    return model.objects.select_for_update().filter(**lookup).first()


# --- Reported values -----------------------------------------------------------------------


def _record_change(
    rv: ReportedValue,
    *,
    old: dict,
    action: str,
    via: str,
    acting_user: AbstractBaseUser | None,
    comment: str = "",
) -> ReportedValueChange:
    return ReportedValueChange.objects.create(
        reported_value=rv,
        changed_by=acting_user,
        via=via,
        action=action,
        old_value=old.get("value"),
        new_value=rv.value,
        old_note=old.get("note", ""),
        new_note=rv.note,
        old_state=old.get("state", ""),
        new_state=rv.state,
        comment=comment,
    )


def _after_value_change(old_state: str, new_state: str) -> None:
    """Dashboards are rebuilt; the gap engine runs again when approved figures changed."""
    bump_dashboard_version_on_commit()
    if ValueState.APPROVED in (old_state, new_state):
        schedule_gap_computation_on_commit()


def _store_value(
    *,
    indicator: Indicator,
    department: Department,
    period: str,
    value: Decimal | None,
    note: str,
    state: str | None,
    source: str,
    citation: tuple[Document | None, str, str],
    acting_user,
    via: str,
    expected_version,
    comment: str = "",
    evidence: UploadedFile | None = None,
    editable_only: bool = False,
    expected: ExpectedRange | None = None,
) -> tuple[ReportedValue | None, bool]:
    """Create or update one value under lock; the checks of the caller have passed.

    ``state=None`` keeps the state of a stored value (a new one is approved); ``citation`` is
    (document, clause, quote) of a published figure, empty otherwise. ``expected`` is the
    figure's expected range at this write: it is stored with the figure, with whether the
    figure lies outside it (docs/data-quality.md).
    """
    quality = {
        "outlier": expected is not None and expected.outside(value),
        "expected_low": expected.low if expected is not None else None,
        "expected_high": expected.high if expected is not None else None,
    }
    yours = "—" if value is None else f"{value.normalize():f}"
    lookup = {"indicator": indicator, "department": department, "period": period}
    rv = _lock(ReportedValue, **lookup)
    if rv is None and value is None and not note and evidence is None:
        return None, False  # nothing stored and nothing to store
    if rv is not None:
        new_state = state or rv.state
        if editable_only:  # a department's draft: only the figure, note and evidence count
            unchanged = rv.value == value and rv.note == note
        else:
            unchanged = (rv.value, rv.note, rv.state, rv.source) == (
                value,
                note,
                new_state,
                source,
            ) and (rv.document_id, rv.clause, rv.quote) == (
                citation[0].pk if citation[0] else None,
                citation[1],
                citation[2],
            )
        if unchanged and evidence is None:
            return rv, False  # nothing would be overwritten, whatever version was read
    _check_version(rv, expected_version, yours=yours)
    if rv is None:
        new_state = state or ValueState.APPROVED
        document, clause, quote = citation
        rv = ReportedValue(
            **lookup,
            value=value,
            note=note,
            state=new_state,
            source=source,
            document=document,
            clause=clause,
            quote=quote,
            updated_by=acting_user,
            **quality,
        )
        if new_state == ValueState.APPROVED:
            rv.reviewed_by, rv.reviewed_at = acting_user, timezone.now()
        try:
            with transaction.atomic():
                rv.save()
        except IntegrityError:
            # Someone created this value since we looked: the first entry wins, this one is told.
            raise StaleValueError(_lock(ReportedValue, **lookup), yours=yours) from None
        if evidence is not None:
            _attach_evidence(rv, evidence)
        _record_change(
            rv, old={}, action="create", via=via, acting_user=acting_user, comment=comment
        )
        _after_value_change("", rv.state)
        return rv, True

    if editable_only and not rv.is_editable:
        raise WorkflowError(_("该数值%(state)s，不能修改。") % {"state": rv.get_state_display()})
    old = {"value": rv.value, "note": rv.note, "state": rv.state}
    rv.value, rv.note, rv.state, rv.source = value, note, new_state, source
    rv.document, rv.clause, rv.quote = citation
    for name, quality_value in quality.items():
        setattr(rv, name, quality_value)
    rv.version += 1
    rv.updated_by = acting_user
    if new_state == ValueState.APPROVED and (old["state"] != new_state or old["value"] != value):
        rv.reviewed_by, rv.reviewed_at = acting_user, timezone.now()
    if evidence is not None:
        _attach_evidence(rv, evidence)
        comment = comment or _("上传佐证材料：%(name)s") % {"name": rv.evidence_name}
    rv.save()
    _record_change(rv, old=old, action="update", via=via, acting_user=acting_user, comment=comment)
    _after_value_change(old["state"], rv.state)
    return rv, True


class _FromHistory:
    def __repr__(self) -> str:
        return "FROM_HISTORY"


#: ``expected`` of a write whose expected range is read at the time of the write (the default).
FROM_HISTORY = _FromHistory()


def _expected_for(indicator: Indicator, department: Department, period: str, value, expected):
    """The expected range a write stores: the one given, or the one read now (none without a
    figure)."""
    if value is None:
        return None
    if expected is FROM_HISTORY:
        return expected_range(indicator, department, period)
    return expected


@transaction.atomic
def reported_value_write(
    *,
    indicator: Indicator,
    department: Department,
    period: str,
    value: Decimal | None,
    note: str = "",
    state: str | None = ValueState.APPROVED,
    source: str = ValueSource.ADMIN,
    document: Document | None = None,
    clause: str = "",
    quote: str = "",
    acting_user: AbstractBaseUser | None,
    via: str,
    expected_version,
    comment: str = "",
    expected: ExpectedRange | _FromHistory | None = FROM_HISTORY,
) -> tuple[ReportedValue | None, bool]:
    """The office's (or the system's) write of one figure: create it or update it.

    ``state`` is ``approved`` (an imported, published or office-entered figure: the acting user
    is recorded as its reviewer), ``draft``, or ``None`` to keep a stored value's state (an
    admin's correction). Submitting and reviewing are workflow steps (:func:`row_submit`…), not
    writes. Returns the row and whether anything changed; a write that changes nothing records
    nothing.

    A figure outside its expected range needs no note here (the office writes it), but is
    stored flagged, with the range. ``expected`` is that range when the caller has read it
    already (an import file reads the ranges of all its rows at once); by default it is read
    from the stored history.
    """
    require_office(acting_user)
    if state not in (ValueState.APPROVED, ValueState.DRAFT, None):
        raise WorkflowError(_("提交、审核和退回须通过审核操作进行，不能直接设置状态。"))
    period = Period.parse(period).id
    value = None if value is None else Decimal(value)
    rules.check_value(indicator, value)
    citation = (document, clause, quote)
    if source == ValueSource.PUBLISHED and not (document and clause and quote):
        raise RuleViolation(_("公开发布的数值须注明出处文件、条款和原文。"), field="document")
    expected = _expected_for(indicator, department, period, value, expected)
    return _store_value(
        indicator=indicator,
        department=department,
        period=period,
        value=value,
        note=note,
        state=state,
        source=source,
        citation=citation,
        acting_user=acting_user,
        via=via,
        expected_version=expected_version,
        comment=comment,
        expected=expected,
    )


def _attach_evidence(rv: ReportedValue, evidence: UploadedFile) -> None:
    rv.evidence_name = (evidence.name or "")[:200]
    rv.evidence.save(evidence.name or "evidence", evidence, save=False)
    rv.save(update_fields=["evidence", "evidence_name"])


# --- Data quality: the office's follow-up marks and expected ranges -----------------------------


@transaction.atomic
def reported_value_followup_set(
    rv: ReportedValue,
    *,
    followup: bool,
    acting_user: AbstractBaseUser | None,
    comment: str = "",
    via: str = ChangeVia.FORM,
) -> tuple[ReportedValue, bool]:
    """The office marks a value for follow-up, or takes the mark off, recorded in its history.

    The mark is the reviewer's, not part of the figure: the value's version is left alone, so a
    department's open form is not made stale by it. Returns the row and whether it changed.
    """
    require_office(acting_user)
    locked = ReportedValue.objects.select_for_update().get(pk=rv.pk)
    followup = bool(followup)
    if locked.followup == followup:
        return locked, False
    locked.followup = followup
    locked.save(update_fields=["followup"])
    ReportedValueChange.objects.create(
        reported_value=locked,
        changed_by=acting_user,
        via=via,
        action="followup" if followup else "unfollowup",
        old_value=locked.value,
        new_value=locked.value,
        old_note=locked.note,
        new_note=locked.note,
        old_state=locked.state,
        new_state=locked.state,
        comment=comment.strip(),
    )
    bump_dashboard_version_on_commit()  # the inbox and the API's lists show the mark
    return locked, True


@transaction.atomic
def value_bounds_set(
    *,
    indicator: Indicator,
    department: Department,
    low: Decimal | None,
    high: Decimal | None,
    note: str = "",
    acting_user: AbstractBaseUser | None,
) -> ValueBounds:
    """The office sets the expected range of an indicator × department (replacing the range
    computed from the history); either end may be left open."""
    require_office(acting_user)
    low = None if low is None else Decimal(str(low))
    high = None if high is None else Decimal(str(high))
    if problem := rules.bounds_problem(low, high):
        raise RuleViolation(problem, field="low")
    bounds, _created = ValueBounds.objects.update_or_create(
        indicator=indicator,
        department=department,
        defaults={"low": low, "high": high, "note": note.strip(), "changed_by": acting_user},
    )
    return bounds


@transaction.atomic
def value_bounds_delete(bounds: ValueBounds, *, acting_user: AbstractBaseUser | None) -> None:
    """The office removes its range: the range is computed from the history again."""
    require_office(acting_user)
    ValueBounds.objects.filter(pk=bounds.pk).delete()


# --- The department's entries ---------------------------------------------------------------


def _check_period_open(period: Period) -> None:
    if not entry_is_open(period):
        raise WorkflowError(
            _("%(period)s 已截止填报或尚未开始，不能修改。") % {"period": period.label}
        )


def previous_figure(indicator: Indicator, department: Department, period: Period):
    """The department's own figure for the period before, which the note rule compares with."""
    return (
        ReportedValue.objects.filter(
            indicator=indicator, department=department, period=period.previous().id
        )
        .values_list("value", flat=True)
        .first()
    )


@transaction.atomic
def reported_value_save_draft(
    *,
    indicator: Indicator,
    department: Department,
    period: str,
    value: Decimal | None,
    note: str,
    acting_user: AbstractBaseUser,
    expected_version: int | None,
    evidence: UploadedFile | None = None,
    quarter: Period | None = None,
    via: str = ChangeVia.FORM,
) -> tuple[ReportedValue | None, bool]:
    """Save a department's figure as a draft (it must not be submitted or approved yet).

    Only the department's own reporter or reviewer, while the period is open. ``quarter`` is the
    form's quarter, whose closing also closes the annual and half-yearly rows shown in it.
    A figure outside its expected range (``selectors.expected_range``) needs a note, and is
    stored flagged for the reviewer. Raises :class:`RuleViolation` (range, decimals, note),
    :class:`StaleValueError` or :class:`WorkflowError`.
    """
    require_department_member(acting_user, department)
    row_period = Period.parse(period)
    if problem := reporting_problem(department, row_period, indicator=indicator):
        raise WorkflowError(problem)
    _check_period_open(quarter or row_period)
    rules.check_value(indicator, value)
    target, _expired = target_in_force(
        list(indicator.targets.select_related("document").defer("document__source_text")),
        row_period.year,
    )
    expected = _expected_for(indicator, department, row_period.id, value, FROM_HISTORY)
    rules.check_expected_range(expected, value, note)
    rules.check_note(target, previous_figure(indicator, department, row_period), value, note)
    return _store_value(
        indicator=indicator,
        department=department,
        period=row_period.id,
        value=value,
        note=note,
        state=ValueState.DRAFT,
        source=ValueSource.FORM,
        citation=(None, "", ""),
        acting_user=acting_user,
        via=via,
        expected_version=expected_version,
        evidence=evidence,
        editable_only=True,
        expected=expected,
    )


@transaction.atomic
def qualitative_report_save_draft(
    *,
    task: Task | None,
    indicator: Indicator | None,
    department: Department,
    period: str,
    status: str,
    narrative: str,
    acting_user: AbstractBaseUser,
    expected_version: int | None,
    via: str = ChangeVia.FORM,
) -> tuple[QualitativeReport | None, bool]:
    """Save a department's status and narrative for a task or qualitative indicator, as a draft.

    The same rules of who, when and which version as :func:`reported_value_save_draft`.
    """
    require_department_member(acting_user, department)
    row_period = Period.parse(period)
    if problem := reporting_problem(department, row_period, indicator=indicator, task=task):
        raise WorkflowError(problem)
    _check_period_open(row_period)
    period = row_period.id
    lookup = {"task": task, "indicator": indicator, "department": department, "period": period}
    report = _lock(QualitativeReport, **lookup)
    _check_version(report, expected_version)
    if report is None:
        if not status and not narrative:
            return None, False
        report = QualitativeReport(
            **lookup, status=status, narrative=narrative, updated_by=acting_user
        )
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            raise StaleValueError(_lock(QualitativeReport, **lookup)) from None
        _record_qualitative(report, old={}, action="create", acting_user=acting_user, via=via)
        bump_dashboard_version_on_commit()
        return report, True
    if not report.is_editable:
        raise WorkflowError(
            _("该进展%(state)s，不能修改。") % {"state": report.get_state_display()}
        )
    if report.status == status and report.narrative == narrative:
        return report, False
    old = {"status": report.status, "narrative": report.narrative, "state": report.state}
    report.status, report.narrative, report.state = status, narrative, ValueState.DRAFT
    report.version += 1
    report.updated_by = acting_user
    report.save()
    _record_qualitative(report, old=old, action="update", acting_user=acting_user, via=via)
    bump_dashboard_version_on_commit()
    return report, True


def _record_qualitative(
    report: QualitativeReport,
    *,
    old: dict,
    action: str,
    acting_user,
    via: str = ChangeVia.FORM,
    comment: str = "",
) -> None:
    QualitativeReportChange.objects.create(
        report=report,
        changed_by=acting_user,
        via=via,
        action=action,
        old_status=old.get("status", ""),
        new_status=report.status,
        old_narrative=old.get("narrative", ""),
        new_narrative=report.narrative,
        old_state=old.get("state", ""),
        new_state=report.state,
        comment=comment,
    )


# --- Workflow transitions -----------------------------------------------------------------


def _transition(
    row: ReportedValue | QualitativeReport,
    *,
    action: str,
    acting_user,
    comment: str = "",
    via: str = ChangeVia.FORM,
    expected_version: int | None = None,
) -> ReportedValue | QualitativeReport:
    """Move one row along the workflow (``rules.TRANSITIONS``), recording who did it and why.

    ``expected_version`` is the version the reviewer (or submitter) saw; when given, a row that
    changed since is refused with :class:`StaleValueError` (approving a figure the reviewer has
    not seen). ``None``: the caller read the row under this same lock.
    """
    if action == "submit":
        require_department_member(acting_user, row.department)
    else:
        require_office(acting_user)
    if problem := rules.comment_problem(action, comment):
        raise WorkflowError(problem)
    allowed_from, to = rules.TRANSITIONS[action]
    locked = type(row).objects.select_for_update().get(pk=row.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleValueError(locked)
    if locked.state not in allowed_from:
        raise WorkflowError(
            _("“%(row)s”当前%(state)s，不能执行此操作。")
            % {"row": locked, "state": locked.get_state_display()}
        )
    if action == "submit" and isinstance(locked, ReportedValue) and locked.value is None:
        raise WorkflowError(_("“%(row)s”尚未填写数值，不能提交。") % {"row": locked})
    if action == "submit" and isinstance(locked, QualitativeReport) and not locked.status:
        raise WorkflowError(_("“%(row)s”尚未选择进展，不能提交。") % {"row": locked})
    old_state = locked.state
    now = timezone.now()
    locked.state = to
    locked.version += 1
    locked.updated_by = acting_user
    if action == "submit":
        locked.submitted_at, locked.submitted_by = now, acting_user
    else:
        locked.reviewed_at, locked.reviewed_by = now, acting_user
        locked.review_comment = comment.strip()
    locked.save()
    if isinstance(locked, ReportedValue):
        ReportedValueChange.objects.create(
            reported_value=locked,
            changed_by=acting_user,
            via=via,
            action=action,
            old_value=locked.value,
            new_value=locked.value,
            old_note=locked.note,
            new_note=locked.note,
            old_state=old_state,
            new_state=to,
            comment=comment.strip(),
        )
        _after_value_change(old_state, to)
    else:
        _record_qualitative(
            locked,
            old={"status": locked.status, "narrative": locked.narrative, "state": old_state},
            action=action,
            acting_user=acting_user,
            via=via,
            comment=comment.strip(),
        )
        bump_dashboard_version_on_commit()  # completeness and inbox counts changed
    # After the commit, notices tell the department (returned, reopened) or the office
    # (submitted; a whole form's rows are announced once, by department_submit).
    if action in ("return", "reopen"):
        events.row_returned_on_commit(
            locked, action=action, comment=comment.strip(), acting_user=acting_user
        )
    elif action == "submit":
        events.rows_submitted_on_commit(
            sender=type(locked),
            department=locked.department,
            period=locked.period,
            count=1,
            acting_user=acting_user,
            row=locked,
        )
    return locked


@transaction.atomic
def row_submit(row, *, acting_user, via: str = ChangeVia.FORM, expected_version=None):
    """A department submits its figure (or report) for review."""
    return _transition(
        row, action="submit", acting_user=acting_user, via=via, expected_version=expected_version
    )


@transaction.atomic
def row_approve(
    row, *, acting_user, comment: str = "", via: str = ChangeVia.FORM, expected_version=None
):
    """The office approves a submitted row; approved figures feed the gap engine."""
    return _transition(
        row,
        action="approve",
        acting_user=acting_user,
        comment=comment,
        via=via,
        expected_version=expected_version,
    )


@transaction.atomic
def row_return(row, *, acting_user, comment: str, via: str = ChangeVia.FORM, expected_version=None):
    """The office returns a submitted row for correction, saying what to correct."""
    return _transition(
        row,
        action="return",
        acting_user=acting_user,
        comment=comment,
        via=via,
        expected_version=expected_version,
    )


@transaction.atomic
def row_reopen(row, *, acting_user, reason: str, via: str = ChangeVia.FORM, expected_version=None):
    """The office unlocks an approved row for correction, stating why; it no longer counts."""
    return _transition(
        row,
        action="reopen",
        acting_user=acting_user,
        comment=reason,
        via=via,
        expected_version=expected_version,
    )


@transaction.atomic
def department_submit(*, department: Department, quarter: Period, acting_user) -> int:
    """Submit every draft or returned row of the department's quarter form.

    Refused, with the list of what is missing, unless every row the department reports has a
    value (or, for qualitative rows, a status). Returns how many rows were submitted.
    """
    require_department_member(acting_user, department)
    _check_period_open(quarter)
    form = department_form(department, quarter)
    missing = [
        str(r.indicator) for r in form.value_rows if r.value is None or r.value.value is None
    ]
    missing += [str(r.subject) for r in form.qualitative_rows if not (r.report and r.report.status)]
    if missing:
        raise WorkflowError(
            _("以下%(n)d项尚未填写，不能提交：%(rows)s")
            % {"n": len(missing), "rows": "；".join(missing)}
        )
    rows = [r.value for r in form.value_rows] + [r.report for r in form.qualitative_rows]
    submitted = 0
    with events.one_submission():
        for row in rows:
            if row.is_editable:
                row_submit(row, acting_user=acting_user)
                submitted += 1
    if not submitted:
        raise WorkflowError(_("没有需要提交的草稿。"))
    events.rows_submitted_on_commit(
        sender=Department,
        department=department,
        period=quarter.id,
        count=submitted,
        acting_user=acting_user,
    )
    return submitted


# --- Reporting periods ------------------------------------------------------------------------


@transaction.atomic
def reporting_period_set(
    *, period: Period, deadline: dt.date, status: str, acting_user
) -> ReportingPeriod:
    """Open or close a quarter for entry and set its deadline (the office only)."""
    require_office(acting_user)
    if problem := rules.reporting_period_problem(period):
        raise WorkflowError(problem)
    if status not in PeriodStatus.values:
        raise WorkflowError(_("无效的填报状态。"))
    reporting_period, _created = ReportingPeriod.objects.update_or_create(
        period=period.id,
        defaults={"deadline": deadline, "status": status, "changed_by": acting_user},
    )
    bump_dashboard_version_on_commit()  # completeness depends on the deadline
    return reporting_period


# --- Demo data -------------------------------------------------------------------------------


@transaction.atomic
def demo_values_remove() -> int:
    """Delete every generated demo value (with its history, which is the demo's own)."""
    deleted, _by_model = ReportedValue.objects.filter(source=ValueSource.DEMO).delete()
    if deleted:
        _after_value_change(ValueState.APPROVED, "")
    return deleted


# --- Departments that became historical ------------------------------------------------------


@dataclass
class SuccessorsFollowed:
    """What :func:`values_follow_successors` moved, and the rows that stayed behind."""

    moved: dict[str, int] = field(default_factory=dict)
    stayed: list[StayedBehind] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.moved.values())


def _rows_of_historical_departments() -> bool:
    """Whether any row that follows successors still names a historical department (one
    query, so that the catalogue's every change costs one query when nothing is to move)."""
    department = OuterRef("pk")
    return (
        Department.objects.filter(status=DepartmentStatus.HISTORICAL)
        .filter(
            Exists(ReportedValue.objects.filter(department=department))
            | Exists(QualitativeReport.objects.filter(department=department))
            | Exists(ValueBounds.objects.filter(department=department))
            | Exists(ImportColumnMapping.objects.filter(department=department))
            | Exists(ReportingAssignment.objects.filter(department=department))
            | Exists(Membership.objects.filter(department=department))
        )
        .exists()
    )


def values_follow_successors(*, acting_user: AbstractBaseUser | None = None) -> SuccessorsFollowed:
    """Rows of departments that became historical pass to the department that holds their
    duties today: reported values and qualitative reports (keeping the department they were
    reported under in ``department_as_reported``), the office's expected ranges, import column
    mappings, reporting assignments and users' memberships.

    Set-based, and outside the history: a move writes no ``ReportedValueChange``, as no figure
    changed. A row whose place at today's department is taken (the same indicator and period
    already reported there) stays where it is, is logged, and is returned for the office.
    Responsibilities stay with the department the document names (they resolve through
    ``Department.current``). Called after every catalogue change (``reports.apps``) and by the
    migration that introduced ``department_as_reported``.
    """
    result = SuccessorsFollowed()
    if not _rows_of_historical_departments():
        return result
    moves = successor_moves()
    with transaction.atomic():
        approved_moving = (
            ReportedValue.objects.filter(
                department_id__in=moves, state=ValueState.APPROVED
            ).exists()
            or QualitativeReport.objects.filter(
                department_id__in=moves, state=ValueState.APPROVED
            ).exists()
        )
        steps = (
            (
                "reported values",
                ReportedValue.objects.all(),
                ("indicator", "period"),
                {"original": "department_as_reported", "bump_version": True},
            ),
            (
                "qualitative reports",
                QualitativeReport.objects.filter(task__isnull=False),
                ("task", "period"),
                {"original": "department_as_reported", "bump_version": True},
            ),
            (
                "qualitative reports",
                QualitativeReport.objects.filter(indicator__isnull=False),
                ("indicator", "period"),
                {"original": "department_as_reported", "bump_version": True},
            ),
            ("value bounds", ValueBounds.objects.all(), ("indicator",), {}),
            (
                "import column mappings",
                ImportColumnMapping.objects.filter(department__isnull=False),
                ("header",),
                {},
            ),
        )
        for kind, rows, key, options in steps:
            moved, stayed = rows_follow_successors(rows, key=key, moves=moves, **options)
            result.moved[kind] = result.moved.get(kind, 0) + moved
            result.stayed += stayed
        result.moved["reporting assignments"], stayed = assignments_follow_successors(moves)
        result.stayed += stayed
        result.moved["memberships"] = memberships_follow_successors()
        if result.total:
            bump_dashboard_version_on_commit()
            if approved_moving:
                schedule_gap_computation_on_commit()
    if result.total:
        logger.info(
            "rows of historical departments moved to today's: %s (by %s)",
            result.moved,
            acting_user or "system",
        )
    for row in result.stayed:
        logger.warning("row stays with its historical department, today's has one: %s", row)
    return result


# --- The catalogue's published figures ----------------------------------------------------------


def catalogue_load(
    *,
    directory: Path | None = None,
    sources_dir: Path | None = None,
    acting_user: AbstractBaseUser | None = None,
) -> LoadReport:
    """Load the catalogue fixtures and their published figures, in one transaction.

    The catalogue itself (documents, departments, indicators, targets, tasks, responsibilities,
    assignments) is written by ``indicators.services.catalog_load``; the published figures of
    ``reported_values.yaml`` are reported values, written here through
    :func:`reported_value_write` and so into the values' history. Nothing is written unless
    every row of both is valid.
    """
    directory = Path(directory or settings.CATALOG_DIR)
    sources_dir = Path(sources_dir or settings.CATALOG_SOURCES_DIR)
    catalog = read_catalog(directory)
    problems = catalog_problems(catalog, sources_dir) + _published_problems(catalog, sources_dir)
    if problems:
        raise CatalogError(problems)
    with transaction.atomic():
        report = catalog_load(catalog=catalog, sources_dir=sources_dir, acting_user=acting_user)
        _published_values_load(catalog, report, acting_user)
    return report


def _published_problems(catalog: Catalog, sources_dir: Path) -> list[str]:
    documents = {doc["code"]: doc for doc in catalog.documents}
    indicators = {row["code"]: row for row in catalog.indicators}
    departments = {row["code"] for row in catalog.departments}
    problems, seen = [], set()
    for rv in catalog.reported_values:
        where = f"reported value {rv.get('indicator')}/{rv.get('department')}/{rv.get('period')}"
        indicator = indicators.get(rv.get("indicator"))
        if indicator is None:
            problems.append(f"{where}: unknown indicator")
        if rv.get("department") not in departments:
            problems.append(f"{where}: unknown department code")
        try:
            Period.parse(str(rv.get("period")))
        except ValueError:
            problems.append(f"{where}: bad period")
        try:
            value = to_decimal(rv.get("value"))
            if value is None:
                problems.append(f"{where}: no value")
            elif indicator is not None:
                low, high = (
                    to_decimal(indicator.get("min_value")),
                    to_decimal(indicator.get("max_value")),
                )
                if (low is not None and value < low) or (high is not None and value > high):
                    problems.append(f"{where}: value outside the indicator's valid range")
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
        key = (rv.get("indicator"), rv.get("department"), str(rv.get("period")))
        if key in seen:
            problems.append(f"{where}: defined twice")
        seen.add(key)
        document = documents.get(rv.get("document"))
        if document is None:
            problems.append(f"{where}: unknown document {rv.get('document')!r}")
            continue
        if not rv.get("clause"):
            problems.append(f"{where}: no clause")
        if not quote_in_source(rv.get("quote", ""), sources_dir, document["quote_file"]):
            problems.append(
                f"{where}: quote not found verbatim in {document['quote_file']}: "
                f"{rv.get('quote')!r}"
            )
    return problems


def _published_values_load(catalog: Catalog, report: LoadReport, acting_user) -> None:
    indicators = Indicator.objects.in_bulk(
        [row["indicator"] for row in catalog.reported_values], field_name="code"
    )
    departments = Department.objects.in_bulk(
        [row["department"] for row in catalog.reported_values], field_name="code"
    )
    documents = Document.objects.in_bulk(
        [row["document"] for row in catalog.reported_values], field_name="code"
    )
    for row in catalog.reported_values:
        rv, changed = reported_value_write(
            indicator=indicators[row["indicator"]],
            department=departments[row["department"]],
            period=str(row["period"]),
            value=to_decimal(row["value"]),
            note=(row.get("note") or "").strip(),
            state=ValueState.APPROVED,
            source=ValueSource.PUBLISHED,
            document=documents[row["document"]],
            clause=row["clause"],
            quote=row["quote"],
            acting_user=acting_user,
            via=ChangeVia.CATALOG,
            expected_version=ANY_VERSION,  # the fixtures are the source of these figures
        )
        outcome = "unchanged" if not changed else "created" if rv.version == 1 else "updated"
        report.add("reported values", outcome)
