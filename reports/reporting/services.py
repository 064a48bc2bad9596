"""Writes to reported values and qualitative reports, and the review workflow.

Every path (form, admin, import, catalogue, job) comes through here, so each change is validated
the same way and lands in the row's history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.catalog import (
    Catalog,
    CatalogError,
    catalog_problems,
    quote_in_source,
    read_catalog,
    to_decimal,
)
from indicators.models import Document, Indicator, Task
from indicators.services import LoadReport, catalog_load
from reports.cache import bump_dashboard_version_on_commit
from reports.choices import ChangeVia, ValueSource, ValueState
from reports.gaps.tasks import schedule_gap_computation_on_commit
from reports.models import (
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
)
from reports.periods import Period

from .selectors import department_form, entry_is_open


class WorkflowError(Exception):
    """A write the workflow does not allow (locked value, closed period, missing rows...).

    The message is for the user, in Chinese.
    """


class StaleValueError(Exception):
    """The row changed since the writer read it; ``current`` is the newer row."""

    def __init__(self, current: ReportedValue | QualitativeReport):
        self.current = current
        if isinstance(current, ReportedValue):
            shown = "—" if current.value is None else f"{current.value.normalize():f}"
        else:
            shown = current.get_status_display() or "—"
        who = getattr(current.updated_by, "username", "") or _("他人")
        super().__init__(
            _("该数值已被%(who)s修改（当前值：%(value)s），您的修改未保存，请核对后重新填写。")
            % {"who": who, "value": shown}
        )


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


@transaction.atomic
def reported_value_write(
    *,
    indicator: Indicator,
    department: Department,
    period: str,
    value: Decimal | None,
    note: str = "",
    state: str = ValueState.DRAFT,
    source: str = ValueSource.FORM,
    document: Document | None = None,
    clause: str = "",
    quote: str = "",
    acting_user: AbstractBaseUser | None,
    via: str = ChangeVia.FORM,
    expected_version: int | None = None,
    comment: str = "",
    evidence: UploadedFile | None = None,
) -> tuple[ReportedValue, bool]:
    """Create or update the value for indicator × department × period.

    Returns the row and whether anything changed. ``expected_version`` is the version the writer
    last read; if the row has moved on since, :class:`StaleValueError` is raised and nothing is
    written. A write that changes nothing records nothing.
    """
    period = Period.parse(period).id
    if value is not None:
        value = Decimal(value)
        if not indicator.in_range(value):
            raise ValueError(
                _("%(value)s 超出指标“%(indicator)s”的有效范围。")
                % {"value": value, "indicator": indicator}
            )
    rv = (
        ReportedValue.objects.select_for_update()
        .filter(indicator=indicator, department=department, period=period)
        .first()
    )
    if rv is None:
        rv = ReportedValue.objects.create(
            indicator=indicator,
            department=department,
            period=period,
            value=value,
            note=note,
            state=state,
            source=source,
            document=document,
            clause=clause,
            quote=quote,
            updated_by=acting_user,
        )
        if evidence is not None:
            _attach_evidence(rv, evidence)
        _record_change(
            rv, old={}, action="create", via=via, acting_user=acting_user, comment=comment
        )
        bump_dashboard_version_on_commit()
        return rv, True

    if expected_version is not None and rv.version != expected_version:
        raise StaleValueError(rv)
    old = {"value": rv.value, "note": rv.note, "state": rv.state}
    new = {"value": value, "note": note, "state": state}
    citation_old = (rv.source, rv.document_id, rv.clause, rv.quote)
    citation_new = (source, document.pk if document else None, clause, quote)
    if old == new and citation_old == citation_new and evidence is None:
        return rv, False
    rv.value, rv.note, rv.state = value, note, state
    rv.source, rv.document, rv.clause, rv.quote = source, document, clause, quote
    rv.version += 1
    rv.updated_by = acting_user
    if evidence is not None:
        _attach_evidence(rv, evidence)
        comment = comment or _("上传佐证材料：%(name)s") % {"name": rv.evidence_name}
    rv.save()
    _record_change(rv, old=old, action="update", via=via, acting_user=acting_user, comment=comment)
    bump_dashboard_version_on_commit()
    return rv, True


def _attach_evidence(rv: ReportedValue, evidence: UploadedFile) -> None:
    rv.evidence_name = (evidence.name or "")[:200]
    rv.evidence.save(evidence.name or "evidence", evidence, save=False)
    rv.save(update_fields=["evidence", "evidence_name"])


# --- The department's entries ---------------------------------------------------------------


def _check_period_open(period: Period) -> None:
    if not entry_is_open(period):
        raise WorkflowError(
            _("%(period)s 已截止填报或尚未开始，不能修改。") % {"period": period.label}
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
) -> tuple[ReportedValue, bool]:
    """Save a department's figure as a draft (it must not be submitted or approved yet).

    ``quarter`` is the form's quarter, whose closing also closes the annual and half-yearly
    rows shown in it.
    """
    _check_period_open(quarter or Period.parse(period))
    existing = (
        ReportedValue.objects.select_for_update()
        .filter(indicator=indicator, department=department, period=period)
        .first()
    )
    if existing is not None:
        if expected_version is not None and existing.version != expected_version:
            raise StaleValueError(existing)
        if existing.state not in (ValueState.DRAFT, ValueState.RETURNED):
            raise WorkflowError(
                _("该数值%(state)s，不能修改。") % {"state": existing.get_state_display()}
            )
        unchanged = existing.value == value and existing.note == note and evidence is None
        if unchanged:
            return existing, False
    elif value is None and not note and evidence is None:
        return None, False
    return reported_value_write(
        indicator=indicator,
        department=department,
        period=period,
        value=value,
        note=note,
        state=ValueState.DRAFT,
        source=ValueSource.FORM,
        acting_user=acting_user,
        via=ChangeVia.FORM,
        expected_version=expected_version,
        evidence=evidence,
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
) -> tuple[QualitativeReport | None, bool]:
    _check_period_open(Period.parse(period))
    report = (
        QualitativeReport.objects.select_for_update()
        .filter(task=task, indicator=indicator, department=department, period=period)
        .first()
    )
    if report is None:
        if not status and not narrative:
            return None, False
        report = QualitativeReport.objects.create(
            task=task,
            indicator=indicator,
            department=department,
            period=period,
            status=status,
            narrative=narrative,
            updated_by=acting_user,
        )
        _record_qualitative(report, old={}, action="create", acting_user=acting_user)
        return report, True
    if expected_version is not None and report.version != expected_version:
        raise StaleValueError(report)
    if report.state not in (ValueState.DRAFT, ValueState.RETURNED):
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
    _record_qualitative(report, old=old, action="update", acting_user=acting_user)
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
    allowed_from: tuple[str, ...],
    to: str,
    action: str,
    acting_user,
    comment: str = "",
    via: str = ChangeVia.FORM,
) -> ReportedValue | QualitativeReport:
    """Move one row to a new workflow state, recording who did it and why."""
    model: type[models.Model] = type(row)
    locked = model.objects.select_for_update().get(pk=row.pk)
    if locked.state not in allowed_from:
        raise WorkflowError(
            _("“%(row)s”当前%(state)s，不能执行此操作。")
            % {"row": locked, "state": locked.get_state_display()}
        )
    old_state = locked.state
    now = timezone.now()
    locked.state = to
    locked.version += 1
    locked.updated_by = acting_user
    if to == ValueState.SUBMITTED:
        locked.submitted_at, locked.submitted_by = now, acting_user
    elif action in ("approve", "return", "reopen"):
        locked.reviewed_at, locked.reviewed_by = now, acting_user
        locked.review_comment = comment
    locked.save()
    bump_dashboard_version_on_commit()  # completeness and inbox counts changed
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
            comment=comment,
        )
    else:
        _record_qualitative(
            locked,
            old={"status": locked.status, "narrative": locked.narrative, "state": old_state},
            action=action,
            acting_user=acting_user,
            via=via,
            comment=comment,
        )
    return locked


@transaction.atomic
def row_submit(row, *, acting_user):
    if isinstance(row, ReportedValue) and row.value is None:
        raise WorkflowError(_("“%(row)s”尚未填写数值，不能提交。") % {"row": row})
    if isinstance(row, QualitativeReport) and not row.status:
        raise WorkflowError(_("“%(row)s”尚未选择进展，不能提交。") % {"row": row})
    return _transition(
        row,
        allowed_from=(ValueState.DRAFT, ValueState.RETURNED),
        to=ValueState.SUBMITTED,
        action="submit",
        acting_user=acting_user,
    )


@transaction.atomic
def row_approve(row, *, acting_user, comment: str = ""):
    approved = _transition(
        row,
        allowed_from=(ValueState.SUBMITTED,),
        to=ValueState.APPROVED,
        action="approve",
        acting_user=acting_user,
        comment=comment,
    )
    if isinstance(approved, ReportedValue):
        # Approved values feed the gap engine; a burst of approvals leads to one run.
        schedule_gap_computation_on_commit()
    return approved


@transaction.atomic
def row_return(row, *, acting_user, comment: str):
    if not comment.strip():
        raise WorkflowError(_("退回时请填写退回意见，说明需要如何修改。"))
    return _transition(
        row,
        allowed_from=(ValueState.SUBMITTED,),
        to=ValueState.RETURNED,
        action="return",
        acting_user=acting_user,
        comment=comment.strip(),
    )


@transaction.atomic
def row_reopen(row, *, acting_user, reason: str):
    """Unlock an approved row for correction (the office only), stating why."""
    if not reason.strip():
        raise WorkflowError(_("重新打开已审核通过的数值时必须填写原因。"))
    if isinstance(row, ReportedValue):
        schedule_gap_computation_on_commit()  # it no longer counts
    return _transition(
        row,
        allowed_from=(ValueState.APPROVED,),
        to=ValueState.RETURNED,
        action="reopen",
        acting_user=acting_user,
        comment=reason.strip(),
    )


@transaction.atomic
def department_submit(*, department: Department, quarter: Period, acting_user) -> int:
    """Submit every draft or returned row of the department's quarter form.

    Refused, with the list of what is missing, unless every row the department reports has a
    value (or, for qualitative rows, a status). Returns how many rows were submitted.
    """
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
    for row in rows:
        if row.state in (ValueState.DRAFT, ValueState.RETURNED):
            row_submit(row, acting_user=acting_user)
            submitted += 1
    if not submitted:
        raise WorkflowError(_("没有需要提交的草稿。"))
    return submitted


# --- Reporting periods ------------------------------------------------------------------------


@transaction.atomic
def reporting_period_set(
    *, period: Period, deadline: dt.date, status: str, acting_user
) -> ReportingPeriod:
    """Open or close a period for entry and set its deadline (the office only)."""
    if period.kind != "Q":
        raise WorkflowError(_("填报期间按季度设置，例如 2026Q3。"))
    reporting_period, _created = ReportingPeriod.objects.update_or_create(
        period=period.id,
        defaults={"deadline": deadline, "status": status, "changed_by": acting_user},
    )
    return reporting_period


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
        )
        outcome = "unchanged" if not changed else "created" if rv.version == 1 else "updated"
        report.add("reported values", outcome)
