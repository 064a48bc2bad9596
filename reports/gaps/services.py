"""Running the gap engine against the database: one query in, pandas, one bulk write out."""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from departments.selectors import current_department_ids
from indicators.choices import ResponsibilityRole
from indicators.models import Indicator, ReportingAssignment, Responsibility, Target
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


@dataclass
class GapRun:
    values: int
    results: int
    seconds: float
    phases: dict | None = None  # seconds per phase: read, compute, write, commit


def load_values(states: tuple[str, ...]) -> pd.DataFrame:
    """Every counted value as (indicator_id, unit_id, period, value, is_demo): one query.

    On PostgreSQL the ORM's query is streamed out with ``COPY ... TO STDOUT``, several times
    faster than fetching a million rows through the cursor; elsewhere the same query is read
    through the ORM.
    """
    values = ReportedValue.objects.filter(state__in=states, value__isnull=False)
    columns = ["indicator_id", "unit_id", "period", "value", "is_demo"]
    if connection.vendor != "postgresql":
        rows = values.values_list("indicator_id", "department_id", "period", "value", "source")
        frame = pd.DataFrame(list(rows), columns=columns)
        frame["value"] = frame["value"].astype(float)
        frame["is_demo"] = frame["is_demo"] == ValueSource.DEMO
        return frame
    query = values.annotate(
        is_demo=ExpressionWrapper(Q(source=ValueSource.DEMO), output_field=BooleanField())
    ).values_list("indicator_id", "department_id", "period", "value", "is_demo")
    sql, params = query.query.sql_with_params()
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(
        buffer,
        names=columns,
        dtype={
            "indicator_id": "int64",
            "unit_id": "int64",
            "period": "string",
            "value": "float64",
            "is_demo": "string",
        },
    )
    frame["is_demo"] = frame["is_demo"] == "t"
    frame["period"] = frame["period"].astype(object)
    return frame


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
    leads = lead_departments()
    rows = [
        (pk, rule, leads.get(pk, -2))
        for pk, rule in Indicator.objects.values_list("pk", "aggregation")
    ]
    return pd.DataFrame(rows, columns=["indicator_id", "aggregation", "lead_unit_id"])


def gaps_compute(*, period: str | None = None, include_submitted: bool = False) -> GapRun:
    """Recompute gap results (all periods, or one) and replace the stored ones in one write.

    Running it twice gives the same rows: the results of the periods computed are replaced as
    a whole, in one transaction, so nothing stale survives and nothing is duplicated.
    """
    phases = {}
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        phases[name] = now - clock
        clock = now

    with transaction.atomic():
        states = (
            (ValueState.APPROVED, ValueState.SUBMITTED)
            if include_submitted
            else (ValueState.APPROVED,)
        )
        values = load_values(tuple(str(s) for s in states))
        targets, rules = load_targets(), aggregation_rules()
        lap("read")
        region = engine.aggregate_region(values, rules)
        n_values = len(values)
        results = engine.compute(pd.concat([values, region], ignore_index=True), targets)
        del values, region
        if period:
            results = results[results["period"] == period]
        lap("compute")
        _delete(period)
        written = _write(results)
        del results
        lap("write")
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


def _write(results: pd.DataFrame) -> int:
    if results.empty:
        return 0
    out = results.rename(columns={"unit_id": "department_id"})
    out["department_id"] = out["department_id"].where(out["department_id"] >= 0).astype("Int64")
    out["target_id"] = out["target_id"].astype("Int64")
    out["computed_at"] = pd.Timestamp.now(tz="UTC").isoformat()
    out = out[RESULT_COLUMNS]
    if connection.vendor == "postgresql":
        columns = ", ".join(RESULT_COLUMNS)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {GapResult._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            copy.write(_to_csv(out))
        return len(out)
    records = out.astype(object).where(out.notna(), None).to_dict("records")
    GapResult.objects.bulk_create(
        [GapResult(**{k: v for k, v in r.items() if k != "computed_at"}) for r in records],
        batch_size=2000,
    )
    return len(out)


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
