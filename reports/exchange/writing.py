"""Writing a checked file of reported values: all of it in one transaction, or none of it.

Imported values are approved values of the office (or an administrator): each row creates its
value, updates it, or leaves it alone when the stored value and note are already the file's, and
every create and update enters the value's history with who, when, and the file and row.

On PostgreSQL the rows are copied into a temporary table and written with a few set-based
statements, so a 100,000-row file takes seconds, not the minutes a per-row write would; the
embedded SQLite mode writes each row through ``reports.reporting.services.reported_value_write``,
the function beside it that applies the same rules one row at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.models import Indicator
from reports.cache import bump_dashboard_version_on_commit
from reports.choices import ChangeVia, ValueSource, ValueState
from reports.gaps.tasks import schedule_gap_computation_on_commit
from reports.models import ReportedValue, ReportedValueChange
from reports.reporting.services import ANY_VERSION, reported_value_write


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
                expected_version=ANY_VERSION,  # the file replaces what is stored, under lock
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
            " updated_at, updated_by_id, reviewed_at, reviewed_by_id, review_comment)"
            " SELECT indicator_id, department_id, period, value, note, '', '', %(approved)s,"
            " %(source)s, '', '', 1, %(now)s, %(now)s, %(user)s, %(now)s, %(user)s, ''"
            " FROM qh_import"
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
            " version = rv.version + 1, updated_by_id = %(user)s, updated_at = %(now)s,"
            " reviewed_at = %(now)s, reviewed_by_id = %(user)s"
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
    bump_dashboard_version_on_commit()
    schedule_gap_computation_on_commit()
