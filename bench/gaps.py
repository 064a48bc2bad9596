"""Benchmark of the gap engine on 1,000,000 synthetic reported values (PostgreSQL).

    python bench/gaps.py [--indicators 200] [--units 125] [--quarters 40] [--sample 20000]
                         [--scale 4 | --scale 0]

It builds (once) a database ``qualityhub_bench`` with the synthetic values, then measures, in the
same run:

- the engine (``reports.gaps.services.gaps_compute``: COPY out, pandas, COPY in), in a fresh
  process so that its peak memory can be read;
- a per-row ORM implementation on a sample of the values (one target query, one baseline query
  and one ``update_or_create`` per value), scaled up to the full count;
- the floor: a bare ``COPY`` out of the same value rows plus a ``COPY`` in of the engine's
  results into the same table;
- the engine again on ``--scale`` times as many values (4,000,000 by default: four times the
  departments, in a second database ``<name>_x4``, built once), to show that its time grows
  linearly: the larger run's time over the smaller one's should be close to the scale.
  ``--scale 0`` leaves it out.

Goals: engine within 1.5× the floor, at least 50× faster than the per-row path, peak memory at
most 400 MB on 1,000,000 values; on 4,000,000, time at most 4.4× (10 % over linear). Needs
PostgreSQL; set BENCH_DATABASE_URL to use another server.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/qualityhub_bench"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # the engine needs no broker here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualityhub.settings.local")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Synthetic data ------------------------------------------------------------------------------


def build(args) -> int:
    import numpy as np
    import pandas as pd
    from django.core.management import call_command
    from django.db import connection

    from departments.models import Department
    from indicators.models import Document, Indicator, ReportingAssignment, Target
    from reports.models import ReportedValue

    call_command("migrate", verbosity=0)
    expected = args.indicators * args.units * args.quarters
    if ReportedValue.objects.count() == expected:
        return expected
    print(f"building {expected:,} synthetic values …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reports_gapresult, reports_reportedvaluechange, reports_reportedvalue, "
            "indicators_reportingassignment, indicators_target, indicators_indicator, "
            "indicators_document, departments_department CASCADE"
        )
    plan = Document.objects.create(
        code="bench-plan",
        kind="plan",
        title_zh="基准测试规划",
        issued_year=2016,
        horizon_years=[2025],
        source_file="-",
        quote_file="-",
    )
    units = Department.objects.bulk_create(
        Department(code=f"U{i:03d}", name_zh=f"测试单位{i:03d}") for i in range(args.units)
    )
    rules = ["lead", "sum", "mean", "min"]
    indicators = Indicator.objects.bulk_create(
        Indicator(
            code=f"B{i:03d}",
            name_zh=f"基准指标{i:03d}",
            unit="%",
            value_kind="rate",
            decimals=2,
            min_value=0,
            max_value=100000,
            frequency="quarterly",
            category="products",
            aggregation=rules[i % 4],
            region_parts="每个测试单位报其辖区的部分。" if rules[i % 4] == "sum" else "",
        )
        for i in range(args.indicators)
    )
    Target.objects.bulk_create(
        Target(
            indicator=ind,
            document=plan,
            year=2025,
            comparator="<=" if i % 5 == 0 else ">=",
            value=60 if i % 5 == 0 else 98,
            clause="-",
            quote="-",
        )
        for i, ind in enumerate(indicators)
    )
    ReportingAssignment.objects.bulk_create(
        ReportingAssignment(
            indicator=ind, department=units[i % args.units], role="responsible", basis="bench"
        )
        for i, ind in enumerate(indicators)
    )
    rng = np.random.default_rng(42)
    quarters = np.array([f"{2016 + q // 4}Q{q % 4 + 1}" for q in range(args.quarters)])
    unit_ids = np.array([u.pk for u in units])
    now = pd.Timestamp.now(tz="UTC").isoformat()
    constants = {
        "note": "",
        "evidence": "",
        "evidence_name": "",
        "state": "approved",
        "source": "demo",
        "clause": "",
        "quote": "",
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "review_comment": "",
    }
    columns = ["indicator_id", "department_id", "period", "value", *constants]
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY reports_reportedvalue ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, "
            "FORCE_NOT_NULL (note, evidence, evidence_name, clause, quote, review_comment))"
        ) as copy,
    ):
        for indicator in indicators:  # one indicator at a time: memory stays small at any size
            grid_u, grid_q = np.meshgrid(
                np.arange(len(unit_ids)), np.arange(args.quarters), indexing="ij"
            )
            start = rng.uniform(70, 90, size=len(unit_ids))
            trend = rng.normal(0.15, 0.2, size=len(unit_ids))
            values = start[grid_u] + trend[grid_u] * grid_q + rng.normal(0, 0.4, grid_q.shape)
            frame = pd.DataFrame(
                {
                    "indicator_id": indicator.pk,
                    "department_id": unit_ids[grid_u.ravel()],
                    "period": quarters[grid_q.ravel()],
                    "value": np.round(values.ravel(), 2),
                    **constants,
                }
            )
            copy.write(frame.to_csv(index=False, header=False))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return expected


# --- The measurements --------------------------------------------------------------------


def run_engine() -> dict:
    from reports.gaps.services import gaps_compute

    started = time.perf_counter()
    run = gaps_compute()
    return {
        "seconds": time.perf_counter() - started,
        "results": run.results,
        "values": run.values,
        "peak_mb": peak_mb(),
        "phases": run.phases,
    }


def run_per_row(sample: int) -> dict:
    """The obvious implementation: a loop over ORM objects, a few queries per value."""
    from django.db import transaction

    from indicators.models import Target
    from reports.models import GapResult, ReportedValue

    rows = list(
        ReportedValue.objects.filter(state="approved")
        .order_by("?")[:sample]
        .select_related("indicator")
    )
    started = time.perf_counter()
    with transaction.atomic():
        for rv in rows:
            year = int(rv.period[:4])
            target = (
                Target.objects.filter(indicator=rv.indicator, year__gte=year)
                .order_by("year")
                .first()
                or Target.objects.filter(indicator=rv.indicator).order_by("-year").first()
            )
            base = (
                ReportedValue.objects.filter(
                    indicator=rv.indicator,
                    department=rv.department_id,
                    state="approved",
                    period__gte=str(target.document.issued_year - 1),
                )
                .order_by("period")
                .first()
            )
            x, goal, b = float(rv.value), float(target.value), float(base.value)
            gap = goal - x if target.comparator.startswith(">") else x - goal
            status = "achieved" if gap <= 0 else "no_data"
            if base.period != rv.period:
                years = (int(rv.period[:4]) - int(base.period[:4])) or 1
                ratio = ((x / b) ** (1 / years) - 1) / abs((goal / b) ** (1 / (2026 - year)) - 1)
                status = status if gap <= 0 else ("on_track" if ratio >= 0.95 else "off_track")
            GapResult.objects.update_or_create(
                indicator=rv.indicator,
                department_id=rv.department_id,
                period=rv.period,
                defaults={
                    "target": target,
                    "actual": x,
                    "target_value": goal,
                    "gap": gap,
                    "status": status,
                },
            )
        transaction.set_rollback(True)  # leave the engine's results as they were
    seconds = time.perf_counter() - started
    return {"sample": len(rows), "seconds": seconds}


def run_floor() -> dict:
    """COPY the value rows out, and the engine's result rows back into the same table."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        results = io.BytesIO()
        with cursor.copy("COPY reports_gapresult TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                results.write(block)
    started = time.perf_counter()
    values = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY (SELECT indicator_id, department_id, period, value FROM reports_reportedvalue "
            "WHERE value IS NOT NULL AND state IN ('approved')) TO STDOUT WITH (FORMAT csv)"
        ) as copy,
    ):
        for block in copy:
            values.write(block)
    copy_out = time.perf_counter() - started
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE reports_gapresult")
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY reports_gapresult FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(results.getvalue())
    # The rows are in only once committed: the table's deferred foreign-key checks run at the
    # commit, for the floor exactly as for the engine, so the commit is part of the floor.
    copy_in = time.perf_counter() - started
    return {
        "copy_out": copy_out,
        "copy_in": copy_in,
        "seconds": copy_out + copy_in,
        "values_bytes": values.tell(),
        "results_bytes": len(results.getvalue()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--indicators", type=int, default=200)
    parser.add_argument("--units", type=int, default=125)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--sample", type=int, default=20000)
    parser.add_argument(
        "--scale", type=int, default=4, help="the linearity run's size in 1M-value runs (0: none)"
    )
    parser.add_argument("--phase", choices=["engine", "build"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    if args.phase == "engine":  # child process: measure the engine alone
        setup_django(url)
        print(json.dumps(run_engine()))
        return 0
    if args.phase == "build":  # child process: build a database (the larger one, say)
        setup_django(url)
        print(f"{build(args):,} reported values in {url.rsplit('/', 1)[-1]}", flush=True)
        return 0

    large = None
    if args.scale:
        large_url = f"{url}_x{args.scale}"
        options = [
            f"--indicators={args.indicators}",
            f"--units={args.units * args.scale}",
            f"--quarters={args.quarters}",
        ]
        _child(large_url, "build", *options, capture=False)
        large = _child(large_url, "engine", *options)
    _ensure_database(url)
    setup_django(url)
    n = build(args)
    print(f"{n:,} reported values in {url.rsplit('/', 1)[-1]}", flush=True)
    engine = _child(url, "engine")
    per_row = run_per_row(args.sample)
    floor = run_floor()
    per_row_full = per_row["seconds"] / per_row["sample"] * engine["values"]

    print()
    print(f"{'measure':<44}{'seconds':>12}")
    print(f"{'engine (COPY out, pandas, COPY in)':<44}{engine['seconds']:>12.2f}")
    for phase, seconds in engine["phases"].items():
        print(f"{'  ' + phase:<44}{seconds:>12.2f}")
    print(f"{'  results written':<44}{engine['results']:>12,}")
    print(f"{'  peak memory (MB)':<44}{engine['peak_mb']:>12.0f}")
    print(
        f"{'per-row ORM, ' + format(per_row['sample'], ',') + ' values':<44}"
        f"{per_row['seconds']:>12.2f}"
    )
    print(
        f"{'per-row ORM, scaled to ' + format(engine['values'], ',') + ' values':<44}"
        f"{per_row_full:>12.2f}"
    )
    print(f"{'floor: COPY out values':<44}{floor['copy_out']:>12.2f}")
    print(f"{'floor: COPY in results, with commit':<44}{floor['copy_in']:>12.2f}")
    print(f"{'floor: total':<44}{floor['seconds']:>12.2f}")
    print()
    if large:
        label = f"engine, {large['values']:,} values"
        print(f"{label:<44}{large['seconds']:>12.2f}")
        for phase, seconds in large["phases"].items():
            print(f"{'  ' + phase:<44}{seconds:>12.2f}")
        print(f"{'  peak memory (MB)':<44}{large['peak_mb']:>12.0f}")
        print()
    vs_floor = engine["seconds"] / floor["seconds"]
    vs_per_row = per_row_full / engine["seconds"]
    checks = [
        (f"engine / floor = {vs_floor:.2f}× (goal ≤ 1.5×)", vs_floor <= 1.5),
        (f"per-row / engine = {vs_per_row:.0f}× (goal ≥ 50×)", vs_per_row >= 50),
        (f"peak memory = {engine['peak_mb']:.0f} MB (goal ≤ 400 MB)", engine["peak_mb"] <= 400),
    ]
    if large:
        growth = large["seconds"] / engine["seconds"]
        size = large["values"] / engine["values"]
        checks.append(
            (
                f"{large['values']:,} / {engine['values']:,} values: time × {growth:.2f} "
                f"for size × {size:.0f} (goal ≤ {size * 1.1:.1f}×, linear)",
                growth <= size * 1.1,
            )
        )
    for text, ok in checks:
        print(f"{'met ' if ok else 'MISSED'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


def _ensure_database(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py")], env=env, check=True
    )


def _child(url: str, phase: str, *options: str, capture: bool = True) -> dict | None:
    """Run one phase in a fresh process (its peak memory is its own), against ``url``."""
    _ensure_database(url)
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    child = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *options],
        env=env,
        capture_output=capture,
        text=True,
        check=True,
    )
    return json.loads(child.stdout.strip().splitlines()[-1]) if capture else None


if __name__ == "__main__":
    sys.exit(main())
