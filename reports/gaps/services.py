"""Running the gap engine against the database: one query in, pandas by indicator, one write out.

The values are read in one ``COPY`` into a compact frame; the engine then works through them a
slice of whole indicators at a time, and each slice's results are streamed into one ``COPY``
while the next slice is computed. Memory stays at the compact frame plus a slice or two, and
the database ingests the results while the engine computes.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from psycopg.copy import LibpqWriter, Writer

from departments.selectors import current_department_ids
from indicators.choices import ResponsibilityRole
from indicators.models import Indicator, ReportingAssignment, Responsibility, Target
from indicators.selectors import region_departments
from reports.cache import bump_dashboard_version
from reports.choices import ValueSource, ValueState
from reports.models import GapResult, ReportedValue

from . import engine

logger = logging.getLogger(__name__)

RESULT_COLUMNS = [
    "indicator_id",
    "department_id",
    "period",
    "target_id",
    "actual",
    "target_value",
    "gap",
    "percent_of_target",
    "progress",
    "ratio",
    "required_pace",
    "projection",
    "status",
    "period_end",
    "is_demo",
    "computed_at",
]


#: Values per slice of the engine's work (whole indicators; see ``engine.indicator_chunks``).
#: About 35 MB of working memory per 50,000 values.
CHUNK_VALUES = 50_000


@dataclass
class GapRun:
    values: int
    results: int
    seconds: float
    phases: dict | None = None  # seconds per phase: read, compute, write, commit


def load_values(states: tuple[str, ...]) -> pd.DataFrame:
    """Every counted value as (indicator_id, unit_id, period, value, is_demo): one query.

    On PostgreSQL the ORM's query is streamed out with ``COPY ... TO STDOUT``, several times
    faster than fetching a million rows through the cursor, and parsed by Arrow into compact
    columns (32-bit ids, the period as a category: about 20 bytes a value); elsewhere the same
    query is read through the ORM.
    """
    values = ReportedValue.objects.filter(state__in=states, value__isnull=False)
    columns = ["indicator_id", "unit_id", "period", "value", "is_demo"]
    if connection.vendor != "postgresql":
        rows = values.values_list("indicator_id", "department_id", "period", "value", "source")
        frame = pd.DataFrame(list(rows), columns=columns)
        frame["value"] = frame["value"].astype(float)
        frame["is_demo"] = frame["is_demo"] == ValueSource.DEMO
        frame["period"] = frame["period"].astype("category")
        return frame
    query = values.annotate(
        is_demo=ExpressionWrapper(Q(source=ValueSource.DEMO), output_field=BooleanField())
    ).values_list("indicator_id", "department_id", "period", "value", "is_demo")
    sql, params = query.query.sql_with_params()
    with (
        connection.cursor() as cursor,
        # psycopg's own cursor: Django's debug wrapper (DEBUG=1) takes no parameters in copy().
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        # Arrow parses the blocks as they arrive, with no copy of the whole text in memory.
        table = pa_csv.read_csv(
            io.BufferedReader(_CopyStream(copy), buffer_size=1 << 20),
            read_options=pa_csv.ReadOptions(column_names=columns, use_threads=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={
                    "indicator_id": pa.int32(),
                    "unit_id": pa.int32(),
                    "period": pa.dictionary(pa.int32(), pa.string()),
                    "value": pa.float64(),
                    "is_demo": pa.bool_(),
                },
                true_values=["t"],
                false_values=["f"],
            ),
        )
    return table.to_pandas()


class _CopyStream(io.RawIOBase):
    """The blocks of a ``COPY ... TO STDOUT`` as a readable binary stream."""

    def __init__(self, copy) -> None:
        self._blocks = iter(copy)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def load_targets() -> pd.DataFrame:
    rows = Target.objects.filter(value__isnull=False).values_list(
        "indicator_id",
        "id",
        "year",
        "value",
        "comparator",
        "document__issued_year",
        "document__code",
    )
    frame = pd.DataFrame(
        list(rows),
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
    frame["value"] = frame["value"].astype(float)
    return frame


def lead_departments() -> dict[int, int]:
    """Indicator → the department whose figure is the region's under the ``lead`` rule.

    The department holding the strongest role (lead, then responsible, then shared) in the most
    recent document, by today's department; an office assignment counts as responsible.
    """
    current = current_department_ids().__getitem__

    rank = {
        ResponsibilityRole.LEAD: 0,
        ResponsibilityRole.RESPONSIBLE: 1,
        ResponsibilityRole.SHARED: 2,
    }
    best: dict[int, tuple] = {}
    for indicator_id, dept_id, role, doc_year in Responsibility.objects.filter(
        indicator__isnull=False, role__in=list(rank)
    ).values_list("indicator_id", "department_id", "role", "document__issued_year"):
        key = (rank[role], -doc_year, current(dept_id))
        if indicator_id not in best or key < best[indicator_id]:
            best[indicator_id] = key
    for indicator_id, dept_id, role in ReportingAssignment.objects.filter(
        role__in=list(rank)
    ).values_list("indicator_id", "department_id", "role"):
        key = (rank[role], -9999, dept_id)
        if indicator_id not in best or key < best[indicator_id]:
            best[indicator_id] = key
    return {indicator_id: key[2] for indicator_id, key in best.items()}


def aggregation_rules() -> pd.DataFrame:
    """Each indicator's region rule: its aggregation and, under ``lead``, the one department
    whose figure is the region's (the office's region department, else the catalogue's lead;
    -2: none, so no region figure). Shown on the indicator page as the engine applies it."""
    chosen = region_departments()
    rows = [
        (pk, rule, chosen.get(pk, (-2, False))[0])
        for pk, rule in Indicator.objects.values_list("pk", "aggregation")
    ]
    return pd.DataFrame(rows, columns=["indicator_id", "aggregation", "lead_unit_id"])


def gaps_compute(*, period: str | None = None, include_submitted: bool = False) -> GapRun:
    """Recompute gap results (all periods, or one) and replace the stored ones in one write.

    Running it twice gives the same rows: the results of the periods computed are replaced as
    a whole, in one transaction, so nothing stale survives and nothing is duplicated. The work
    goes by slices of whole indicators (every series and region figure lies within one), so
    memory does not grow with the number of values beyond the compact frame read in.
    """
    phases = {"read": 0.0, "compute": 0.0, "write": 0.0, "commit": 0.0}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] += now - clock
        clock = now

    written = 0
    with transaction.atomic():
        states = (
            (ValueState.APPROVED, ValueState.SUBMITTED)
            if include_submitted
            else (ValueState.APPROVED,)
        )
        values = load_values(tuple(str(s) for s in states))
        targets, rules = load_targets(), aggregation_rules()
        n_values = len(values)
        lap("read")
        _delete(period)
        lap("write")
        chunks = engine.indicator_chunks(values, CHUNK_VALUES)
        del values  # the slices hold what is still needed
        with _ResultWriter() as writer:
            for chunk in chunks:
                region = engine.aggregate_region(chunk, rules)
                results = engine.compute(pd.concat([chunk, region], ignore_index=True), targets)
                del region
                if period:
                    results = results[results["period"] == period]
                lap("compute")
                written += writer.write(results)
                del results, chunk
                lap("write")
        lap("write")  # the last slice's rows, sent by the writer's thread
    lap("commit")  # deferred foreign-key checks run here
    bump_dashboard_version()
    return GapRun(
        values=n_values, results=written, seconds=time.perf_counter() - started, phases=phases
    )


def _delete(period: str | None) -> None:
    if period is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # transactional in PostgreSQL, and far faster
            # Deferred foreign-key checks of earlier writes in this transaction must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {GapResult._meta.db_table}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    else:
        stale = (
            GapResult.objects.all() if period is None else GapResult.objects.filter(period=period)
        )
        stale._raw_delete(stale.db)  # nothing points at gap results


class _ResultWriter:
    """Writes slices of results into ``GapResult``: one ``COPY ... FROM STDIN`` on PostgreSQL,
    ``bulk_create`` elsewhere.

    On PostgreSQL a thread sends each slice's CSV while the engine computes the next one, with
    at most one slice waiting, so the database's ingest and the engine's computing overlap and
    memory holds no more than a few slices of CSV. Nothing else uses the connection meanwhile.
    """

    def __init__(self) -> None:
        self.computed_at = pd.Timestamp.now(tz="UTC").isoformat()
        self._stack = ExitStack()
        self._copy = None

    def __enter__(self) -> _ResultWriter:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            cursor = self._stack.enter_context(connection.connection.cursor())
            columns = ", ".join(RESULT_COLUMNS)
            self._copy = self._stack.enter_context(
                cursor.copy(
                    f"COPY {GapResult._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)",
                    writer=_ThreadedCopyWriter(cursor),
                )
            )
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.__exit__(*exc_info)

    def write(self, results: pd.DataFrame) -> int:
        if results.empty:
            return 0
        out = _result_rows(results, self.computed_at)
        if self._copy is not None:
            self._copy.write(_to_csv(out))
            return len(out)
        records = out.astype(object).where(out.notna(), None).to_dict("records")
        GapResult.objects.bulk_create(
            [GapResult(**{k: v for k, v in r.items() if k != "computed_at"}) for r in records],
            batch_size=2000,
        )
        return len(out)


class _ThreadedCopyWriter(Writer):
    """A psycopg COPY writer that sends each block from a worker thread, one block queued.

    psycopg's own ``QueuedLibpqWriter`` queues up to 1,024 pieces of 128 kB (128 MB); this one
    holds one slice of CSV in the queue and one in flight, so memory stays bounded.
    """

    def __init__(self, cursor) -> None:
        self._libpq = LibpqWriter(cursor)
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._send, name="gap-results-copy", daemon=True)
        self._thread.start()

    def _send(self) -> None:
        try:
            while (data := self._queue.get()) is not None:
                self._libpq.write(data)
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc
            while self._queue.get() is not None:  # let write() and finish() return
                pass

    def write(self, data) -> None:
        if self._error:
            raise self._error
        self._queue.put(data)

    def finish(self, exc: BaseException | None = None) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error and not exc:
            raise self._error
        self._libpq.finish(exc)


def _result_rows(results: pd.DataFrame, computed_at: str) -> pd.DataFrame:
    out = results.rename(columns={"unit_id": "department_id"})
    out["department_id"] = out["department_id"].where(out["department_id"] >= 0).astype("Int64")
    out["target_id"] = out["target_id"].astype("Int64")
    out["computed_at"] = pd.Categorical.from_codes(
        pd.Series(0, index=out.index, dtype="int8"), categories=[computed_at]
    )
    return out[RESULT_COLUMNS]


def _to_csv(frame: pd.DataFrame) -> memoryview:
    """CSV for COPY: Arrow's writer, many times faster than ``DataFrame.to_csv`` at this size.

    Missing values are written as empty unquoted fields, which COPY reads as NULL.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(
        table, sink, write_options=pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    )
    return memoryview(sink.getvalue())
