"""Writes to reported values. Every path (form, admin, import, catalogue, job) comes through here,
so each change is validated the same way and lands in the value's history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.models import Document, Indicator, Task

from .choices import ChangeVia, ValueSource, ValueState
from .models import (
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
)
from .periods import Period


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
        _changed_on_commit()
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
    _changed_on_commit()
    return rv, True


@dataclass(frozen=True)
class ImportedValue:
    """One checked row of an import file, ready to write."""

    row: int  # the file's row number, recorded in the history
    indicator_id: int
    department_id: int
    period: str
    value: Decimal
    note: str


@transaction.atomic
def reported_values_import(
    rows: list[ImportedValue],
    *,
    acting_user: AbstractBaseUser | None,
    filename: str,
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Write a checked import file as approved values, all in one transaction.

    Each row creates its value, updates it (a different value or note) or, when the stored
    value and note are already the file's, leaves it alone. Every create and update is
    recorded in the history like a form entry, with who, when, and the file and row.
    Returns the counts actually written: ``new``, ``updated`` and ``unchanged``.

    On PostgreSQL the rows are copied into a temporary table and written with a few set-based
    statements, so a 100,000-row file takes seconds, not the minutes a per-row write would;
    elsewhere (the embedded SQLite mode) each row goes through :func:`reported_value_write`.
    """
    from django.db import connection

    comment = _("导入文件：%(f)s 第 %(r)d 行")
    if connection.vendor != "postgresql":
        return _import_row_by_row(rows, acting_user, filename, comment, on_progress)
    return _import_set_based(rows, acting_user, filename, comment, on_progress)


def _import_row_by_row(rows, acting_user, filename, comment, on_progress) -> dict[str, int]:
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    indicators = Indicator.objects.in_bulk({r.indicator_id for r in rows})
    departments = Department.objects.in_bulk({r.department_id for r in rows})
    existing = {
        (i, d, p): (value, note)
        for i, d, p, value, note in ReportedValue.objects.filter(
            indicator_id__in={r.indicator_id for r in rows},
            department_id__in={r.department_id for r in rows},
            period__in={r.period for r in rows},
        ).values_list("indicator_id", "department_id", "period", "value", "note")
    }
    for done, row in enumerate(rows, start=1):
        stored = existing.get((row.indicator_id, row.department_id, row.period))
        if stored == (row.value, row.note):
            counts["unchanged"] += 1
        else:
            reported_value_write(
                indicator=indicators[row.indicator_id],
                department=departments[row.department_id],
                period=row.period,
                value=row.value,
                note=row.note,
                state=ValueState.APPROVED,
                source=ValueSource.IMPORT,
                acting_user=acting_user,
                via=ChangeVia.IMPORT,
                comment=comment % {"f": filename, "r": row.row},
            )
            counts["new" if stored is None else "updated"] += 1
        if on_progress is not None and (done % 500 == 0 or done == len(rows)):
            on_progress(done)
    if counts["new"] or counts["updated"]:
        _imported_on_commit()
    return counts


#: Rows copied into the temporary table between progress reports.
IMPORT_CHUNK = 10_000
#: Longest any one statement of an import's write may take, waiting for another import included.
IMPORT_WRITE_TIMEOUT_MS = 300_000


def _import_set_based(rows, acting_user, filename, comment, on_progress) -> dict[str, int]:
    from django.db import connection

    values = ReportedValue._meta.db_table
    changes = ReportedValueChange._meta.db_table
    params = {
        "now": timezone.now(),
        "user": getattr(acting_user, "pk", None),
        "approved": ValueState.APPROVED,
        "source": ValueSource.IMPORT,
        "via": ChangeVia.IMPORT,
    }
    with connection.cursor() as cursor:
        # The write, waiting for another import included, has a time limit of its own.
        cursor.execute("SHOW statement_timeout")
        previous_timeout = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [f"{IMPORT_WRITE_TIMEOUT_MS}ms"]
        )
        # One import at a time: two files naming the same new value cannot race to create it.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reports.import'))")
        cursor.execute(
            "CREATE TEMPORARY TABLE qh_import ("
            " row_number integer NOT NULL, indicator_id integer NOT NULL,"
            " department_id integer NOT NULL, period varchar(6) NOT NULL,"
            " value numeric(20, 6) NOT NULL, note text NOT NULL, comment text NOT NULL,"
            " rv_id integer, old_value numeric(20, 6), old_note text, old_state varchar(16),"
            " action varchar(8)) ON COMMIT DROP"
        )
        copy_sql = (
            "COPY qh_import (row_number, indicator_id, department_id, period, value, note,"
            " comment) FROM STDIN"
        )
        for start in range(0, len(rows), IMPORT_CHUNK):
            with cursor.copy(copy_sql) as copy:
                for r in rows[start : start + IMPORT_CHUNK]:
                    copy.write_row(
                        (
                            r.row,
                            r.indicator_id,
                            r.department_id,
                            r.period,
                            r.value,
                            r.note,
                            comment % {"f": filename, "r": r.row},
                        )
                    )
            if on_progress is not None:
                on_progress(min(start + IMPORT_CHUNK, len(rows)) * 9 // 10)
        cursor.execute(
            "CREATE INDEX ON qh_import (indicator_id, department_id, period); ANALYZE qh_import"
        )
        # Lock the values the file touches, then read what they hold now: the preview the user
        # confirmed may be minutes old.
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {values} rv JOIN qh_import t"
            " USING (indicator_id, department_id, period) FOR UPDATE OF rv) AS locked"
        )
        cursor.execute(
            f"UPDATE qh_import t SET rv_id = rv.id, old_value = rv.value, old_note = rv.note,"
            f" old_state = rv.state FROM {values} rv WHERE rv.indicator_id = t.indicator_id"
            " AND rv.department_id = t.department_id AND rv.period = t.period"
        )
        cursor.execute(
            "UPDATE qh_import SET action = CASE WHEN rv_id IS NULL THEN 'create'"
            " WHEN old_value = value AND old_note = note THEN 'same' ELSE 'update' END"
        )
        cursor.execute(
            f"WITH created AS (INSERT INTO {values} (indicator_id, department_id, period, value,"
            " note, evidence, evidence_name, state, source, clause, quote, version, created_at,"
            " updated_at, updated_by_id, review_comment)"
            " SELECT indicator_id, department_id, period, value, note, '', '', %(approved)s,"
            " %(source)s, '', '', 1, %(now)s, %(now)s, %(user)s, '' FROM qh_import"
            " WHERE action = 'create' ORDER BY row_number"
            " RETURNING id, indicator_id, department_id, period)"
            " UPDATE qh_import t SET rv_id = c.id FROM created c"
            " WHERE t.indicator_id = c.indicator_id AND t.department_id = c.department_id"
            " AND t.period = c.period",
            params,
        )
        cursor.execute(
            f"UPDATE {values} rv SET value = t.value, note = t.note, state = %(approved)s,"
            " source = %(source)s, document_id = NULL, clause = '', quote = '',"
            " version = rv.version + 1, updated_by_id = %(user)s, updated_at = %(now)s"
            " FROM qh_import t WHERE rv.id = t.rv_id AND t.action = 'update'",
            params,
        )
        cursor.execute(
            f"INSERT INTO {changes} (reported_value_id, changed_at, changed_by_id, via, action,"
            " old_value, new_value, old_note, new_note, old_state, new_state, comment)"
            " SELECT rv_id, %(now)s, %(user)s, %(via)s, action, old_value, value,"
            " coalesce(old_note, ''), note, coalesce(old_state, ''), %(approved)s, comment"
            " FROM qh_import WHERE action IN ('create', 'update') ORDER BY row_number",
            params,
        )
        cursor.execute("SELECT action, count(*) FROM qh_import GROUP BY action")
        written = dict(cursor.fetchall())
        cursor.execute("DROP TABLE qh_import")
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous_timeout])
    if on_progress is not None:
        on_progress(len(rows))
    counts = {
        "new": written.get("create", 0),
        "updated": written.get("update", 0),
        "unchanged": written.get("same", 0),
    }
    if counts["new"] or counts["updated"]:
        _imported_on_commit()
    return counts


def _imported_on_commit() -> None:
    """Imported values are approved: dashboards are rebuilt and the gap engine runs again."""
    from .gap_service import schedule_gap_computation

    _changed_on_commit()
    transaction.on_commit(schedule_gap_computation)


def _changed_on_commit() -> None:
    """Cached dashboards and indicator pages are rebuilt once this write is committed."""
    from .dashboard import bump_dashboard_version

    transaction.on_commit(bump_dashboard_version)


def _attach_evidence(rv: ReportedValue, evidence: UploadedFile) -> None:
    rv.evidence_name = (evidence.name or "")[:200]
    rv.evidence.save(evidence.name or "evidence", evidence, save=False)
    rv.save(update_fields=["evidence", "evidence_name"])


# --- The department's entries ---------------------------------------------------------------


def _check_period_open(period: Period) -> None:
    from .selectors import entry_is_open

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
    from .dashboard import bump_dashboard_version

    transaction.on_commit(bump_dashboard_version)  # completeness and inbox counts changed
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
        from .gap_service import schedule_gap_computation

        # Approved values feed the gap engine; a burst of approvals leads to one run.
        transaction.on_commit(schedule_gap_computation)
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
        from .gap_service import schedule_gap_computation

        transaction.on_commit(schedule_gap_computation)  # it no longer counts
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
    from .selectors import department_form

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
