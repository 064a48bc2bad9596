"""Benchmark of importing 100,000 reported values from xlsx and from csv (PostgreSQL).

    python bench/import.py [--rows 100000] [--baseline-rows N]

It builds a database ``qualityhub_bench_import`` holding the real catalogue, writes one file of
``--rows`` values (indicator and department codes, periods such as ``2024Q3``, plain numbers: the
layout QualityHub's own export writes) as xlsx and as csv, and then measures, in the same run and
each in a fresh process started from an empty values table:

- QualityHub's import (``reports.exchange``: read, check every row, then the set-based write with
  a history row per value) of the xlsx and of the csv;
- django-import-export's default row-by-row resource (a ``ModelResource`` for ``ReportedValue``
  with ``ForeignKeyWidget`` columns and ``import_id_fields``) importing the same xlsx, as the
  admin would with a plain resource. It records no history. ``--baseline-rows N`` times it on the
  first N rows only and scales the time up, for a quicker look; by default it imports every row.

Goals (issue 6): at least 10× faster than the row-by-row resource, the xlsx in at most 20 s,
peak memory at most 500 MB, and a history row for every imported value.
Set BENCH_IMPORT_DATABASE_URL to use another server.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/qualityhub_bench_import"
HEADER = ["指标代码", "部门代码", "期间", "数值", "说明"]


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # imports need no broker here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualityhub.settings.local")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(rows: int, folder: Path) -> dict[str, Path]:
    """Load the catalogue (once) and write the file as xlsx and csv."""
    import random
    from decimal import Decimal

    from django.core.management import call_command
    from openpyxl import Workbook

    from departments.selectors import current_department_ids
    from indicators.choices import REPORTING_ROLES
    from indicators.models import Indicator, Responsibility

    call_command("migrate", verbosity=0)
    if not Indicator.objects.exists():
        call_command("load_catalog", verbosity=0)
    today = current_department_ids()
    from departments.models import Department

    codes = dict(Department.objects.values_list("pk", "code"))
    pairs = sorted(
        {
            (r.indicator, codes[today[r.department_id]])
            for r in Responsibility.objects.filter(
                indicator__isnull=False, role__in=REPORTING_ROLES
            ).select_related("indicator")
            if not r.indicator.is_qualitative
        },
        key=lambda p: (p[0].code, p[1]),
    )
    quarters = [
        period
        for y in range(1901, 2100)
        for period in (*(f"{y}Q{q}" for q in range(1, 5)), f"{y}S1", f"{y}S2", str(y))
    ]
    if len(pairs) * len(quarters) < rows:
        raise SystemExit(f"the catalogue gives only {len(pairs) * len(quarters):,} distinct rows")
    rng = random.Random(6)
    lines = [HEADER]
    for n in range(rows):
        indicator, department = pairs[n % len(pairs)]
        period = quarters[n // len(pairs)]
        low = float(indicator.min_value if indicator.min_value is not None else 0)
        high = float(indicator.max_value if indicator.max_value is not None else 10_000)
        step = Decimal(1).scaleb(-indicator.decimals)
        value = Decimal(str(rng.uniform(low, high))).quantize(step)
        value = min(max(value, Decimal(str(low))), Decimal(str(high)))
        note = "抽检复核" if n % 7 == 0 else ""
        lines.append([indicator.code, department, period, f"{value:f}", note])

    paths = {"csv": folder / "values.csv", "xlsx": folder / "values.xlsx"}
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(lines)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("values")
    for line in lines:
        sheet.append(line)
    workbook.save(paths["xlsx"])
    return paths


def empty_values() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_reportedvaluechange, reports_reportedvalue CASCADE")


# --- The measurements (each in its own process) -----------------------------------------------


def run_project(path: Path) -> dict:
    from django.contrib.auth import get_user_model

    import reports.gaps.tasks
    from reports.exchange.checking import parse_values_file
    from reports.exchange.services import import_values
    from reports.models import ReportedValueChange

    # In production the import schedules the gap engine as a Celery task and returns; here,
    # without a broker, it would run inline, so it is recorded instead of run.
    scheduled = []
    reports.gaps.tasks.schedule_gap_computation = lambda: scheduled.append(1)

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    started = time.perf_counter()
    preview = parse_values_file(path.read_bytes(), path.name)
    checked = time.perf_counter()
    if preview.errors:
        raise SystemExit(f"{len(preview.errors)} errors, first: {preview.errors[0]}")
    counts = import_values(preview, acting_user=user)
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "read_and_check": checked - started,
        "write": done - checked,
        "counts": counts,
        "history": ReportedValueChange.objects.filter(via="import").count(),
        "gaps_scheduled": bool(scheduled),
        "peak_mb": peak_mb(),
    }


def run_baseline(path: Path, limit: int | None) -> dict:
    """django-import-export's default resource: one row at a time, as the admin runs it."""
    from import_export import fields, resources, widgets
    from import_export.formats.base_formats import XLSX

    from departments.models import Department
    from indicators.models import Indicator
    from reports.models import ReportedValue

    class ReportedValueResource(resources.ModelResource):
        indicator = fields.Field(
            attribute="indicator",
            column_name="指标代码",
            widget=widgets.ForeignKeyWidget(Indicator, "code"),
        )
        department = fields.Field(
            attribute="department",
            column_name="部门代码",
            widget=widgets.ForeignKeyWidget(Department, "code"),
        )
        period = fields.Field(attribute="period", column_name="期间")
        value = fields.Field(attribute="value", column_name="数值", widget=widgets.DecimalWidget())
        note = fields.Field(
            attribute="note", column_name="说明", widget=widgets.CharWidget(allow_blank=True)
        )

        class Meta:
            model = ReportedValue
            fields = ("indicator", "department", "period", "value", "note")
            import_id_fields = ("indicator", "department", "period")

    started = time.perf_counter()
    dataset = XLSX().create_dataset(path.read_bytes())
    read = time.perf_counter() - started
    if limit is not None and limit < len(dataset):
        del dataset[limit:]
    started = time.perf_counter()
    result = ReportedValueResource().import_data(dataset, dry_run=False, use_transactions=True)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        first = next((r for r in result.rows if r.errors or r.validation_error), None)
        detail = first.errors[0].error if first and first.errors else first
        raise SystemExit(f"the row-by-row resource reported errors: {detail!r}")
    return {
        "read": read,
        "seconds": seconds,
        "rows": len(dataset),
        "written": ReportedValue.objects.count(),
        "peak_mb": peak_mb(),
    }


def child(url: str, phase: str, path: Path, limit: int | None) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    args = [sys.executable, __file__, "--phase", phase, "--file", str(path)]
    if limit is not None:
        args += ["--baseline-rows", str(limit)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{phase} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=None)
    parser.add_argument("--phase", choices=["project", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)

    if args.phase:  # child process: one measurement from an empty values table
        setup_django(url)
        empty_values()
        if args.phase == "project":
            print(json.dumps(run_project(args.file)))
        else:
            print(json.dumps(run_baseline(args.file, args.baseline_rows)))
        return 0

    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py")], env=env, check=True
    )
    setup_django(url)
    with tempfile.TemporaryDirectory() as folder:
        paths = build(args.rows, Path(folder))
        sizes = {k: p.stat().st_size / 2**20 for k, p in paths.items()}
        print(
            f"{args.rows:,} rows: xlsx {sizes['xlsx']:.1f} MB, csv {sizes['csv']:.1f} MB",
            flush=True,
        )
        xlsx = child(url, "project", paths["xlsx"], None)
        print(f"QualityHub, xlsx: {xlsx['seconds']:.1f} s", flush=True)
        csv_run = child(url, "project", paths["csv"], None)
        print(f"QualityHub, csv: {csv_run['seconds']:.1f} s", flush=True)
        print("django-import-export row by row, xlsx …", flush=True)
        baseline = child(url, "baseline", paths["xlsx"], args.baseline_rows)
    # The whole file is read either way; only the row-by-row import is scaled.
    baseline_full = baseline["read"] + baseline["seconds"] / baseline["rows"] * args.rows
    scaled = baseline["rows"] < args.rows

    print()
    print(f"{'measure':<52}{'seconds':>10}{'peak MB':>10}")
    for name, run in (("xlsx", xlsx), ("csv", csv_run)):
        print(f"{'QualityHub import, ' + name:<52}{run['seconds']:>10.2f}{run['peak_mb']:>10.0f}")
        print(f"{'  read and check every row':<52}{run['read_and_check']:>10.2f}")
        print(f"{'  write values and history (one transaction)':<52}{run['write']:>10.2f}")
        print(f"{'  new / history rows':<52}{run['counts']['new']:>10,}{run['history']:>10,}")
        print(f"{'  gap computation scheduled':<52}{'yes' if run['gaps_scheduled'] else 'no':>10}")
    label = "django-import-export row by row, xlsx"
    total = baseline["read"] + baseline["seconds"]
    print(f"{label:<52}{total:>10.2f}{baseline['peak_mb']:>10.0f}")
    print(f"{'  read the file (tablib, openpyxl)':<52}{baseline['read']:>10.2f}")
    rows_label = f"  import {baseline['rows']:,} rows"
    print(f"{rows_label:<52}{baseline['seconds']:>10.2f}")
    if scaled:
        print(f"{'  scaled to ' + format(args.rows, ',') + ' rows':<52}{baseline_full:>10.2f}")
    print()
    ratio = baseline_full / xlsx["seconds"]
    ratio_csv = baseline_full / csv_run["seconds"]
    peak = max(xlsx["peak_mb"], csv_run["peak_mb"])
    complete = all(r["history"] == r["counts"]["new"] == args.rows for r in (xlsx, csv_run))
    checks = [
        (
            f"row-by-row / QualityHub = {ratio:.1f}× on xlsx, {ratio_csv:.1f}× on csv "
            f"(goal ≥ 10×){' (baseline scaled)' if scaled else ''}",
            min(ratio, ratio_csv) >= 10,
        ),
        (f"xlsx import = {xlsx['seconds']:.1f} s (goal ≤ 20 s)", xlsx["seconds"] <= 20),
        (f"peak memory = {peak:.0f} MB (goal ≤ 500 MB)", peak <= 500),
        (f"history rows = imported rows = {args.rows:,}", complete),
    ]
    for text, ok in checks:
        print(f"{'met ' if ok else 'MISSED'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
