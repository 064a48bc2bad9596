"""Writing a checked file of reported values: all of it in one transaction, or none of it.

Imported values are approved values of the office (or an administrator): each row creates its
value, updates it, or leaves it alone when the stored value and note are already the file's, and
every create and update enters the value's history with who, when, and the file and row.

On PostgreSQL the new values and every history row are copied (``COPY``) straight into their
tables and the changed values updated in one statement, so a 100,000-row file takes seconds, not
the minutes a per-row write would; the embedded SQLite mode writes each row through
``reports.reporting.services.reported_value_write``, the function beside it that applies the same
rules one row at a time.

Each written value is stored with its expected range and whether it lies outside it (the
``outlier`` flag, docs/data-quality.md), by both paths alike: the range is the office's, or is
computed from the department's approved figures as they stand once the file is written (the
file's own figures count), leaving out the row's own period — what the preview flagged
(``checking.py``). The ranges of all rows are read at once, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from departments.models import Department
from indicators.models import Indicator
from reports.cache import bump_dashboard_version_on_commit
from reports.choices import ChangeVia, ValueSource, ValueState
from reports.gaps.tasks import schedule_gap_computation_on_commit
from reports.models import ReportedValue, ReportedValueChange
from reports.reporting.rules import ExpectedRange
from reports.reporting.selectors import expected_ranges
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
    sheet: str = ""  # the sheet's name, in a workbook


#: How the history names where an imported value came from (see :func:`history_comment`).
COMMENT_IN_FILE = gettext_noop("导入文件：%(f)s 第 %(r)d 行")
COMMENT_IN_SHEET = gettext_noop("导入文件：%(f)s 工作表“%(s)s”第 %(r)d 行")


def history_comment(filename: str, row: ImportedValue) -> str:
    """How the history names where an imported value came from: the file, sheet and row."""
    template = _(COMMENT_IN_SHEET if row.sheet else COMMENT_IN_FILE)
    return template % {"f": filename, "s": row.sheet, "r": row.row}


@transaction.atomic
def reported_values_import(
    rows: list[ImportedValue],
    *,
    acting_user: AbstractBaseUser | None,
    filename: str,
    on_progress: Callable[[int], None] | None = None,
    via: str = ChangeVia.IMPORT,
) -> dict[str, int]:
    """Write a checked import file as approved values, all in one transaction.

    Each row creates its value, updates it (a different value or note) or, when the stored
    value and note are already the file's, leaves it alone. Every create and update is
    recorded in the history like a form entry, with who, when, and the file and row.
    Returns the counts actually written: ``new``, ``updated`` and ``unchanged``. ``via`` is the
    path the history records: a file (``import``) or a dataValueSet sent to the API (``api``).

    On PostgreSQL new values and history rows are copied straight into their tables and the
    changed values updated in one statement (see :func:`_import_set_based`), so a 100,000-row
    file takes seconds, not the minutes a per-row write would; elsewhere (the embedded SQLite
    mode) each row goes through :func:`reported_value_write`.
    """
    if connection.vendor != "postgresql":
        return _import_row_by_row(rows, acting_user, filename, on_progress, via)
    return _import_set_based(rows, acting_user, filename, on_progress, via)


def _expected_ranges(
    rows: list[ImportedValue], indicators: dict[int, Indicator]
) -> dict[tuple, ExpectedRange | None]:
    """The expected range of each row, with the file's figures counting as history."""
    return expected_ranges(
        ((indicators[r.indicator_id], r.department_id, r.period) for r in rows),
        pending={(r.indicator_id, r.department_id, r.period): r.value for r in rows},
    )


def _import_row_by_row(rows, acting_user, filename, on_progress, via) -> dict[str, int]:
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    indicators = Indicator.objects.in_bulk({r.indicator_id for r in rows})
    ranges = _expected_ranges(rows, indicators)
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
                via=via,
                expected_version=ANY_VERSION,  # the file replaces what is stored, under lock
                comment=history_comment(filename, row),
                expected=ranges[(row.indicator_id, row.department_id, row.period)],
            )
            counts["new" if stored is None else "updated"] += 1
        if on_progress is not None and (done % 500 == 0 or done == len(rows)):
            on_progress(done)
    if counts["new"] or counts["updated"]:
        _imported_on_commit()
    return counts


#: Rows written between progress reports.
IMPORT_CHUNK = 10_000
#: Longest any one statement of an import's write may take, waiting for another import included.
IMPORT_WRITE_TIMEOUT_MS = 300_000

#: The columns the set-based write fills; the others keep their defaults (NULL).
_VALUE_COLUMNS = (
    "id",
    "indicator_id",
    "department_id",
    "period",
    "value",
    "note",
    "evidence",
    "evidence_name",
    "state",
    "source",
    "clause",
    "quote",
    "version",
    "created_at",
    "updated_at",
    "updated_by_id",
    "reviewed_at",
    "reviewed_by_id",
    "review_comment",
    "outlier",
    "expected_low",
    "expected_high",
    "followup",
)
_CHANGE_COLUMNS = (
    "reported_value_id",
    "changed_at",
    "changed_by_id",
    "via",
    "action",
    "old_value",
    "new_value",
    "old_note",
    "new_note",
    "old_state",
    "new_state",
    "comment",
)


def _import_set_based(rows, acting_user, filename, on_progress, via) -> dict[str, int]:
    """The write on PostgreSQL: new values and every history row are copied (``COPY``) straight
    into their tables, changed values are updated from a temporary table in one statement.

    1. An advisory lock runs imports one at a time, so two files naming the same new value
       cannot race to create it.
    2. The stored values the file names are locked (``FOR UPDATE``) and read afresh: the preview
       the user confirmed may be minutes old, so what is new, changed or unchanged is decided
       here, from what is stored now.
    3. New values get their ids from the table's own sequence, so that their history rows can
       name them, and are copied in with those ids, in the file's order.
    4. Changed values are updated in one statement (version + 1) from a temporary table.
    5. A history row for each created or changed value is copied in, in the file's order.

    Each created or changed value carries its expected range and ``outlier`` flag, read for all
    rows at once before the write (see the module's docstring).

    Binary ``COPY`` needs each column's exact type, which is read from the catalogue rather than
    written here, so a migration that changes a column cannot make the two disagree.
    """
    values = ReportedValue._meta.db_table
    changes = ReportedValueChange._meta.db_table
    now = timezone.now()
    user = getattr(acting_user, "pk", None)
    approved, source = ValueState.APPROVED, ValueSource.IMPORT
    comments = {False: _(COMMENT_IN_FILE), True: _(COMMENT_IN_SHEET)}
    with connection.cursor() as cursor:
        # The write, waiting for another import included, has a time limit of its own.
        cursor.execute("SHOW statement_timeout")
        previous_timeout = cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('statement_timeout', %s, true)", [f"{IMPORT_WRITE_TIMEOUT_MS}ms"]
        )
        # One import at a time: two files naming the same new value cannot race to create it.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reports.import'))")
        types = _column_types(cursor, values, _VALUE_COLUMNS)
        change_types = _column_types(cursor, changes, _CHANGE_COLUMNS)
        stored = _lock_stored(cursor, values, rows, types)

        # For each row: None (a new value), False (unchanged) or what is stored (id, value,
        # note, state) when the row changes it.
        outcomes = []
        new = updated = 0
        for r in rows:
            found = stored.get((r.indicator_id, r.department_id, r.period))
            if found is None:
                new += 1
            elif found[1] == r.value and found[2] == r.note:
                found = False
            else:
                updated += 1
            outcomes.append(found)
        ids = iter(_new_ids(cursor, values, new))
        ranges = _expected_ranges(rows, Indicator.objects.in_bulk({r.indicator_id for r in rows}))

        def quality(r: ImportedValue) -> tuple:
            expected = ranges[(r.indicator_id, r.department_id, r.period)]
            if expected is None:
                return (False, None, None)
            return (expected.outside(r.value), expected.low, expected.high)

        if updated:
            cursor.execute(
                "CREATE TEMPORARY TABLE qh_import_update ON COMMIT DROP AS"
                f" SELECT id, value, note, outlier, expected_low, expected_high FROM {values}"
                " WITH NO DATA"
            )

        value_sql = _copy_sql(values, _VALUE_COLUMNS)
        change_sql = _copy_sql(changes, _CHANGE_COLUMNS)
        for start in range(0, len(rows), IMPORT_CHUNK):
            stop = min(start + IMPORT_CHUNK, len(rows))
            history = []  # (value id, action, old value, old note, old state, row), in order
            with cursor.copy(value_sql) as copy:
                copy.set_types(types)
                for r, found in zip(rows[start:stop], outcomes[start:stop], strict=True):
                    if found is None:
                        pk = next(ids)
                        copy.write_row(
                            (
                                pk,
                                r.indicator_id,
                                r.department_id,
                                r.period,
                                r.value,
                                r.note,
                                "",
                                "",
                                approved,
                                source,
                                "",
                                "",
                                1,
                                now,
                                now,
                                user,
                                now,
                                user,
                                "",
                                *quality(r),
                                False,
                            )
                        )
                        history.append((pk, "create", None, "", "", r))
                    elif found:
                        history.append((found[0], "update", *found[1:], r))
            if updated:
                with cursor.copy(
                    "COPY qh_import_update (id, value, note, outlier, expected_low, expected_high)"
                    " FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types([types[0], types[4], types[5], *types[19:22]])
                    for pk, action, _old, _note, _state, r in history:
                        if action == "update":
                            copy.write_row((pk, r.value, r.note, *quality(r)))
            with cursor.copy(change_sql) as copy:
                copy.set_types(change_types)
                for pk, action, old_value, old_note, old_state, r in history:
                    copy.write_row(
                        (
                            pk,
                            now,
                            user,
                            via,
                            action,
                            old_value,
                            r.value,
                            old_note,
                            r.note,
                            old_state,
                            approved,
                            comments[bool(r.sheet)] % {"f": filename, "s": r.sheet, "r": r.row},
                        )
                    )
            if on_progress is not None:
                on_progress(stop * 9 // 10)
        if updated:
            cursor.execute(
                f"UPDATE {values} rv SET value = t.value, note = t.note, state = %(approved)s,"
                " outlier = t.outlier, expected_low = t.expected_low,"
                " expected_high = t.expected_high,"
                " source = %(source)s, document_id = NULL, clause = '', quote = '',"
                " version = rv.version + 1, updated_by_id = %(user)s, updated_at = %(now)s,"
                " reviewed_at = %(now)s, reviewed_by_id = %(user)s"
                " FROM qh_import_update t WHERE rv.id = t.id",
                {"approved": approved, "source": source, "user": user, "now": now},
            )
            cursor.execute("DROP TABLE qh_import_update")
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous_timeout])
    if on_progress is not None:
        on_progress(len(rows))
    counts = {"new": new, "updated": updated, "unchanged": len(rows) - new - updated}
    if new or updated:
        _imported_on_commit()
    return counts


def _copy_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"


def _column_types(cursor, table: str, columns: tuple[str, ...]) -> list[int]:
    """The type (oid) of each column, in order, as binary ``COPY`` needs them."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass"
        " AND attname = ANY(%s) AND NOT attisdropped",
        [table, list(columns)],
    )
    found = dict(cursor.fetchall())
    return [found[c] for c in columns]


def _lock_stored(cursor, values: str, rows, types) -> dict[tuple, tuple]:
    """The stored values the file names, locked: (indicator, department, period) → (id, value,
    note, state)."""
    cursor.execute(
        "CREATE TEMPORARY TABLE qh_import_key ON COMMIT DROP AS"
        f" SELECT indicator_id, department_id, period FROM {values} WITH NO DATA"
    )
    with cursor.copy(
        "COPY qh_import_key (indicator_id, department_id, period) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(types[1:4])
        for r in rows:
            copy.write_row((r.indicator_id, r.department_id, r.period))
    cursor.execute(
        "SELECT rv.indicator_id, rv.department_id, rv.period, rv.id, rv.value, rv.note,"
        f" rv.state FROM {values} rv JOIN qh_import_key k ON rv.indicator_id = k.indicator_id"
        " AND rv.department_id = k.department_id AND rv.period = k.period FOR UPDATE OF rv"
    )
    stored = {(i, d, p): rest for i, d, p, *rest in cursor.fetchall()}
    cursor.execute("DROP TABLE qh_import_key")
    return stored


def _new_ids(cursor, values: str, count: int) -> list[int]:
    """``count`` ids from the values table's own sequence (which forms and the admin use too)."""
    if not count:
        return []
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [values])
    sequence = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
    return [pk for (pk,) in cursor.fetchall()]


def _imported_on_commit() -> None:
    """Imported values are approved: dashboards are rebuilt and the gap engine runs again."""
    bump_dashboard_version_on_commit()
    schedule_gap_computation_on_commit()
