"""Benchmark of importing 100,000 reported values from xlsx and from csv (PostgreSQL).

    python bench/import.py [--rows 100000] [--baseline-rows N] [--repeat N]

It builds a database ``qualityhub_bench_import`` holding the real catalogue and writes three
files of ``--rows`` values each:

- the long layout (one value per row: indicator and department codes, periods such as
  ``2024Q3``, plain numbers; what QualityHub's own export writes), as xlsx and as csv;
- the wide layout as xlsx, as a department's return is laid out: a title row, then a two-row
  header (指标, 部门, then each year from 2017 to 2024 merged over its 一季度…四季度), then one row
  per indicator × department by their Chinese names, with a value in each of the 32 quarter
  columns (``--rows`` / 32 rows).

Every value is within its indicator's range and decimals. Then it measures, in the same run and
each in a fresh process started from an empty values table:

- QualityHub's import (``reports.exchange``: read the file, find the table, read every cell,
  check every record, then the set-based write with a history row per value, committed) of
  each file, each of which is first checked to hold ``--rows`` new values and nothing else (no
  error, no value set aside, none that asks to be confirmed) before anything is measured;
- the floor for each xlsx: reading the file with calamine alone
  (``CalamineWorkbook.from_filelike(…).get_sheet_by_index(0).to_python()``), plus ``COPY`` of the
  same number of values and history rows into copies of the real tables, with their indexes and
  constraints (``CREATE TABLE … (LIKE reports_reportedvalue INCLUDING ALL)``, the same for
  ``reports_reportedvaluechange``: their columns, defaults, indexes and check constraints; then
  the real tables' foreign keys, which ``LIKE`` does not copy, added as they are declared,
  deferred to the commit, the history's pointing at the copy of the values) in one transaction,
  the commit included. The same COPY into copies without the foreign keys is printed for
  reference;
- django-import-export's default row-by-row resource (a ``ModelResource`` for ``ReportedValue``
  with ``ForeignKeyWidget`` columns and ``import_id_fields``) importing the long xlsx, as the
  admin would with a plain resource. It records no history. ``--baseline-rows N`` times it on the
  first N rows only and scales the time up, for a quicker look; by default it imports every row.

Goals (issues 6 and 9): at least 10× faster than the row-by-row resource, the xlsx in at most
20 s, peak memory at most 500 MB, a history row for every imported value, and each xlsx (long
and wide) imported in at most twice its floor. ``--repeat N`` runs each QualityHub import and
each floor N times and reports the medians. Set BENCH_IMPORT_DATABASE_URL to use another server.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import pickle
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
#: The wide file's years, each with its four quarters as columns.
WIDE_YEARS = range(2017, 2025)
QUARTER_WORDS = ("一季度", "二季度", "三季度", "四季度")
FLOOR_VALUES, FLOOR_CHANGES = "bench_floor_reportedvalue", "bench_floor_reportedvaluechange"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # imports need no broker here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualityhub.settings.local")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- The files --------------------------------------------------------------------------------


def build(rows: int, folder: Path) -> dict[str, Path]:
    """Load the catalogue (once) and write the long file as xlsx and csv, and the wide xlsx.

    Beside each xlsx, ``<name>.pickle`` holds its values as the write stores them (indicator and
    department ids, period, value, note, row number), for the floor's COPY.
    """
    import random
    from decimal import Decimal

    from django.core.management import call_command
    from openpyxl import Workbook
    from openpyxl.worksheet.cell_range import CellRange

    from departments.models import Department
    from departments.selectors import current_department_ids
    from indicators.choices import REPORTING_ROLES
    from indicators.models import Indicator, Responsibility

    call_command("migrate", verbosity=0)
    if not Indicator.objects.exists():
        call_command("load_catalog", verbosity=0)
    today = current_department_ids()
    departments = Department.objects.in_bulk()
    rng = random.Random(6)

    def value_for(indicator) -> Decimal:
        # Rates as departments report them (50–100 %), so that none looks like a fraction typed
        # for a percentage (0.94 for 94 %), which the check asks the office to confirm.
        low = float(indicator.min_value if indicator.min_value is not None else 0)
        if indicator.unit == "%":
            low = max(low, 50.0)
        high = float(indicator.max_value if indicator.max_value is not None else 10_000)
        step = Decimal(1).scaleb(-indicator.decimals)
        value = Decimal(str(rng.uniform(low, high))).quantize(step)
        return min(max(value, Decimal(str(low))), Decimal(str(high)))

    # Each xlsx's values: (indicator_id, department_id, period, value, note, row number).
    stored: dict[str, list] = {"xlsx": [], "wide": []}
    # The long layout: the pairs the catalogue says report, over every period from 1901.
    pairs = sorted(
        {
            (r.indicator, departments[today[r.department_id]])
            for r in Responsibility.objects.filter(
                indicator__isnull=False, role__in=REPORTING_ROLES
            ).select_related("indicator")
            if not r.indicator.is_qualitative
        },
        key=lambda p: (p[0].code, p[1].code),
    )
    periods = [
        period
        for y in range(1901, 2100)
        for period in (*(f"{y}Q{q}" for q in range(1, 5)), f"{y}S1", f"{y}S2", str(y))
    ]
    if len(pairs) * len(periods) < rows:
        raise SystemExit(f"the catalogue gives only {len(pairs) * len(periods):,} distinct rows")
    lines = [HEADER]
    for n in range(rows):
        indicator, department = pairs[n % len(pairs)]
        period = periods[n // len(pairs)]
        value = value_for(indicator)
        note = "抽检复核" if n % 7 == 0 else ""
        lines.append([indicator.code, department.code, period, f"{value:f}", note])
        stored["xlsx"].append((indicator.pk, department.pk, period, value, note, n + 2))

    paths = {
        "csv": folder / "values.csv",
        "xlsx": folder / "values.xlsx",
        "wide": folder / "wide.xlsx",
    }
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out).writerows(lines)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("values")
    for line in lines:
        sheet.append(line)
    workbook.save(paths["xlsx"])

    # The wide layout: every quantitative indicator × every department of today, by name.
    quarters = [(y, q) for y in WIDE_YEARS for q in range(1, 5)]
    wide_rows = -(-rows // len(quarters))
    indicators = sorted(
        (i for i in Indicator.objects.all() if not i.is_qualitative), key=lambda i: i.code
    )
    current = sorted((departments[pk] for pk in set(today.values())), key=lambda d: d.code)
    if len(indicators) * len(current) < wide_rows:
        raise SystemExit(f"the catalogue gives only {len(indicators) * len(current):,} wide rows")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("2017-2024年季度数据")
    title = "质量强区指标季度完成情况表（2017—2024年）"
    sheet.merged_cells.add(CellRange(f"A1:{_letter(1 + len(quarters))}1"))
    sheet.merged_cells.add(CellRange("A2:A3"))
    sheet.merged_cells.add(CellRange("B2:B3"))
    years_row = ["指标", "部门"]
    for index, year in enumerate(WIDE_YEARS):
        first = 2 + 4 * index
        sheet.merged_cells.add(CellRange(f"{_letter(first)}2:{_letter(first + 3)}2"))
        years_row += [f"{year}年", None, None, None]
    sheet.append([title])
    sheet.append(years_row)
    sheet.append([None, None, *(QUARTER_WORDS[q - 1] for _y, q in quarters)])
    written = 0
    for n in range(wide_rows):
        indicator = indicators[n % len(indicators)]
        department = current[n // len(indicators)]
        cells = [indicator.name_zh, department.name_zh]
        for year, quarter in quarters:
            if written == rows:
                break
            value = value_for(indicator)
            cells.append(int(value) if value == value.to_integral_value() else float(value))
            stored["wide"].append(
                (indicator.pk, department.pk, f"{year}Q{quarter}", value, "", n + 4)
            )
            written += 1
        sheet.append(cells)
    workbook.save(paths["wide"])
    for name, values in stored.items():
        with paths[name].with_suffix(".pickle").open("wb") as out:
            pickle.dump(values, out)
    return paths


def _letter(index: int) -> str:
    """0 → A."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def empty_values() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reports_reportedvaluechange, reports_reportedvalue CASCADE")


# --- The measurements (each in its own process) -----------------------------------------------


def run_project(path: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    import reports.exchange.checking as checking
    import reports.gaps.tasks
    from reports.exchange.services import import_values
    from reports.models import ReportedValueChange

    # In production the import schedules the gap engine as a Celery task and returns; here,
    # without a broker, it would run inline, so it is recorded instead of run.
    scheduled = []
    reports.gaps.tasks.schedule_gap_computation = lambda: scheduled.append(1)

    # Where the check's time goes: reading the file, and finding the tables, timed from outside.
    spent = {"read": 0.0, "layout": 0.0}

    def timed(name, function):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return run

    checking.read_workbook = timed("read", checking.read_workbook)
    checking.find_layout = timed("layout", checking.find_layout)

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    started = time.perf_counter()
    preview = checking.parse_values_file(path.read_bytes(), path.name)
    checked = time.perf_counter()
    if preview.errors:
        raise SystemExit(f"{len(preview.errors)} errors, first: {preview.errors[0]}")
    # An outer transaction only to time the commit apart: the import's own becomes a savepoint.
    with transaction.atomic():
        counts = import_values(preview, acting_user=user)
        committing = time.perf_counter()
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "read_and_check": checked - started,
        "read": spent["read"],
        "layout": spent["layout"],
        "check": checked - started - spent["read"] - spent["layout"],
        "write": done - checked,
        "commit": done - committing,
        "counts": counts,
        "layouts": sorted({s["layout"] for s in preview.sheets if s["status"] == "used"}),
        "skipped": len(preview.skipped),
        "history": ReportedValueChange.objects.filter(via="import").count(),
        "gaps_scheduled": bool(scheduled),
        "peak_mb": peak_mb(),
    }


VALUE_COLUMNS = (
    "id, indicator_id, department_id, period, value, note, evidence, evidence_name, state,"
    " source, clause, quote, version, created_at, updated_at, updated_by_id, reviewed_at,"
    " reviewed_by_id, review_comment"
)
CHANGE_COLUMNS = (
    "reported_value_id, changed_at, changed_by_id, via, action, old_value, new_value, old_note,"
    " new_note, old_state, new_state, comment"
)


def run_floor(path: Path, stored: Path) -> dict:
    """Read the xlsx with calamine alone; then COPY the values and their history into copies of
    the real tables with all their constraints (``LIKE … INCLUDING ALL``: columns, defaults,
    indexes and check constraints; plus the real tables' foreign keys), committed; and, for
    reference, the same into copies without the foreign keys."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    data = path.read_bytes()
    started = time.perf_counter()
    cells = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    read = time.perf_counter() - started

    with stored.open("rb") as source:
        rows = pickle.load(source)
    user = get_user_model().objects.get(username="bench-admin").pk
    now = timezone.now()
    # The rows the import writes, built before the clock starts: the floor is the COPY alone.
    values = [
        (
            n,
            i,
            d,
            p,
            v,
            note,
            "",
            "",
            "approved",
            "import",
            "",
            "",
            1,
            now,
            now,
            user,
            now,
            user,
            "",
        )
        for n, (i, d, p, v, note, _row) in enumerate(rows, start=1)
    ]
    comment = f"导入文件：{path.name} 第 %d 行"
    changes = [
        (n, now, user, "import", "create", None, v, "", note, "", "approved", comment % row)
        for n, (_i, _d, _p, v, note, row) in enumerate(rows, start=1)
    ]
    copied = _floor_copy(values, changes, foreign_keys=False)
    copied_with_keys = _floor_copy(values, changes, foreign_keys=True)
    return {
        "read": read,
        "copy": copied_with_keys["seconds"],
        "seconds": read + copied_with_keys["seconds"],
        "copy_without_keys": copied["seconds"],
        "without_keys": read + copied["seconds"],
        "foreign_keys": copied_with_keys["foreign_keys"],
        "indexes": copied["indexes"],
        "cells": sum(len(r) for r in cells),
        "values": len(values),
    }


def _floor_copy(values: list[tuple], changes: list[tuple], *, foreign_keys: bool) -> dict:
    """COPY (binary, as the import does) into fresh copies of the two tables, committed."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {FLOOR_CHANGES}, {FLOOR_VALUES}")
        cursor.execute(
            f"CREATE TABLE {FLOOR_VALUES} (LIKE reports_reportedvalue INCLUDING ALL);"
            f" CREATE TABLE {FLOOR_CHANGES} (LIKE reports_reportedvaluechange INCLUDING ALL)"
        )
        added = 0
        if foreign_keys:  # as the real tables declare them, the history's pointing at the copy
            for table, copy in (
                ("reports_reportedvalue", FLOOR_VALUES),
                ("reports_reportedvaluechange", FLOOR_CHANGES),
            ):
                cursor.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                for (definition,) in cursor.fetchall():
                    definition = definition.replace(
                        "REFERENCES reports_reportedvalue(", f"REFERENCES {FLOOR_VALUES}("
                    )
                    cursor.execute(f"ALTER TABLE {copy} ADD {definition}")
                    added += 1
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename IN (%s, %s)",
            [FLOOR_VALUES, FLOOR_CHANGES],
        )
        indexes = cursor.fetchone()[0]
        types = {}
        for table, columns in ((FLOOR_VALUES, VALUE_COLUMNS), (FLOOR_CHANGES, CHANGE_COLUMNS)):
            names = columns.split(", ")
            cursor.execute(
                "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass"
                " AND attnum > 0",
                [table],
            )
            found = dict(cursor.fetchall())
            types[table] = [found[name] for name in names]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in (
            (FLOOR_VALUES, VALUE_COLUMNS, values),
            (FLOOR_CHANGES, CHANGE_COLUMNS, changes),
        ):
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types[table])
                for row in rows:
                    copy.write_row(row)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {FLOOR_CHANGES}, {FLOOR_VALUES}")
    return {"seconds": seconds, "indexes": indexes, "foreign_keys": added}


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


def child(url: str, phase: str, path: Path, limit: int | None = None) -> dict:
    env = {**os.environ, "DATABASE_URL": url}
    args = [sys.executable, __file__, "--phase", phase, "--file", str(path)]
    if limit is not None:
        args += ["--baseline-rows", str(limit)]
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{phase} of {path.name} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify(paths: dict[str, Path], rows: int) -> None:
    """Before anything is measured: every file checks clean, each of its values a new one."""
    from reports.exchange.checking import parse_values_file

    empty_values()
    for name, path in paths.items():
        preview = parse_values_file(path.read_bytes(), path.name)
        counts = preview.counts
        if preview.errors or preview.flags or preview.skipped or counts["new"] != rows:
            first = (preview.errors or preview.flags or preview.skipped or [None])[0]
            raise SystemExit(f"{path.name} does not check clean: {counts}, first: {first}")
        print(f"{LABELS[name]}: {counts['new']:,} values check clean", flush=True)


def median_run(url: str, phase: str, path: Path, repeat: int) -> dict:
    """The run of median time among ``repeat`` runs (each in a fresh process)."""
    runs = sorted((child(url, phase, path) for _ in range(repeat)), key=lambda r: r["seconds"])
    chosen = runs[len(runs) // 2]
    chosen["all"] = [r["seconds"] for r in runs]
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--phase", choices=["project", "floor", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_IMPORT_DATABASE_URL", DEFAULT_URL)

    if args.phase:  # child process: one measurement from an empty values table
        setup_django(url)
        empty_values()
        if args.phase == "project":
            print(json.dumps(run_project(args.file)))
        elif args.phase == "floor":
            print(json.dumps(run_floor(args.file, args.file.with_suffix(".pickle"))))
        else:
            print(json.dumps(run_baseline(args.file, args.baseline_rows)))
        return 0

    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "ensure_database.py")], env=env, check=True
    )
    setup_django(url)
    from django.contrib.auth import get_user_model

    runs: dict[str, dict] = {}
    floors: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        paths = build(args.rows, Path(folder))
        get_user_model().objects.get_or_create(
            username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
        )
        sizes = {k: p.stat().st_size / 2**20 for k, p in paths.items()}
        print(
            f"{args.rows:,} values: long xlsx {sizes['xlsx']:.1f} MB, csv {sizes['csv']:.1f} MB,"
            f" wide xlsx {sizes['wide']:.1f} MB",
            flush=True,
        )
        verify(paths, args.rows)
        for name in ("xlsx", "wide", "csv"):
            runs[name] = median_run(url, "project", paths[name], args.repeat)
            print(f"QualityHub, {LABELS[name]}: {runs[name]['seconds']:.1f} s", flush=True)
            if name != "csv":
                floors[name] = median_run(url, "floor", paths[name], args.repeat)
                print(f"floor, {LABELS[name]}: {floors[name]['seconds']:.1f} s", flush=True)
        print("django-import-export row by row, long xlsx …", flush=True)
        baseline = child(url, "baseline", paths["xlsx"], args.baseline_rows)
    return report(args, runs, floors, baseline)


LABELS = {"xlsx": "long xlsx", "wide": "wide xlsx", "csv": "long csv"}


def report(args, runs: dict[str, dict], floors: dict[str, dict], baseline: dict) -> int:
    # The whole file is read either way; only the row-by-row import is scaled.
    baseline_full = baseline["read"] + baseline["seconds"] / baseline["rows"] * args.rows
    scaled = baseline["rows"] < args.rows
    repeated = f" (median of {args.repeat})" if args.repeat > 1 else ""

    width = 60
    print()
    print(f"{'measure' + repeated:<{width}}{'seconds':>10}{'peak MB':>10}")

    def line(label: str, seconds: float | str, extra: str = "") -> None:
        shown = f"{seconds:>10.2f}" if isinstance(seconds, float) else f"{seconds:>10}"
        print(f"{label:<{width}}{shown}{extra:>10}")

    for name, run in runs.items():
        label = f"QualityHub import, {LABELS[name]} ({', '.join(run['layouts'])} layout)"
        line(label, run["seconds"], f"{run['peak_mb']:.0f}")
        line("  read the file (measure, calamine; or csv)", run["read"])
        line("  find the table", run["layout"])
        line("  read and check every cell and record", run["check"])
        line("  write values and history, commit", run["write"])
        line("    of which the commit (deferred foreign-key checks)", run["commit"])
        line("  new / history rows", f"{run['counts']['new']:,}", f"{run['history']:,}")
        line("  gap computation scheduled", "yes" if run["gaps_scheduled"] else "no")
        if name in floors:
            floor = floors[name]
            line(f"  floor, {LABELS[name]}", floor["seconds"])
            line("    calamine reads the first sheet alone", floor["read"])
            line(
                f"    COPY {floor['values']:,} values + history rows, table copies, commit",
                floor["copy"],
            )
            line("  import / floor", f"{run['seconds'] / floor['seconds']:.2f}×")
            line(
                f"  for reference: the COPY without the {floor['foreign_keys']} foreign keys",
                floor["copy_without_keys"],
            )
            line(
                "  for reference: import / floor without foreign keys",
                (f"{run['seconds'] / floor['without_keys']:.2f}×"),
            )
    label = "django-import-export row by row, long xlsx"
    line(label, baseline["read"] + baseline["seconds"], f"{baseline['peak_mb']:.0f}")
    line("  read the file (tablib, openpyxl)", baseline["read"])
    line(f"  import {baseline['rows']:,} rows", baseline["seconds"])
    if scaled:
        line(f"  scaled to {args.rows:,} rows", baseline_full)
    print()
    print(
        "The floor's tables are CREATE TABLE … (LIKE … INCLUDING ALL) copies of the two real"
        " tables (columns,\ndefaults, indexes, check constraints) with the real tables' foreign"
        " keys added, deferred as declared:\nthe import writes the real tables, whose foreign"
        " keys are checked at its commit (one look-up per key\nand row), so the floor checks"
        " them too. The floor without them is printed for reference."
    )
    print()
    ratio = baseline_full / runs["xlsx"]["seconds"]
    ratio_csv = baseline_full / runs["csv"]["seconds"]
    peak = max(r["peak_mb"] for r in runs.values())
    complete = all(r["history"] == r["counts"]["new"] == args.rows for r in runs.values())
    slowest = max(runs["xlsx"]["seconds"], runs["wide"]["seconds"])
    checks = [
        (
            f"row-by-row / QualityHub = {ratio:.1f}× on xlsx, {ratio_csv:.1f}× on csv "
            f"(goal ≥ 10×){' (baseline scaled)' if scaled else ''}",
            min(ratio, ratio_csv) >= 10,
        ),
        (f"xlsx import = {slowest:.1f} s at most, long or wide (goal ≤ 20 s)", slowest <= 20),
        (f"peak memory = {peak:.0f} MB (goal ≤ 500 MB)", peak <= 500),
        (f"history rows = imported rows = {args.rows:,}, in each file", complete),
    ]
    for name in ("xlsx", "wide"):
        ratio_floor = runs[name]["seconds"] / floors[name]["seconds"]
        checks.append(
            (
                f"{LABELS[name]} import / its floor = {runs[name]['seconds']:.2f} s / "
                f"{floors[name]['seconds']:.2f} s = {ratio_floor:.2f}× (goal ≤ 2×)",
                ratio_floor <= 2,
            )
        )
    for text, ok in checks:
        print(f"{'met ' if ok else 'MISSED'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
