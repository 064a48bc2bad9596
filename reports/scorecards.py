"""Per-department scorecards: the data, its HTML page, the PDF (Chromium) and the xlsx.

A scorecard is built from the department's quarter form, its gap results and value history.
Everything it shows is first put into one JSON-serialisable dict, which is stored with the
snapshot, so a past scorecard can be shown exactly as it was and compared with today's data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import Future
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from departments.models import Department
from indicators.selectors import format_decimal

from .charts import STATUS_COLOURS, STATUS_ORDER
from .choices import GapStatus, ValueSource, ValueState
from .models import GapResult, ReportedValue, ReportingPeriod, Scorecard, ScorecardRun
from .periods import Period
from .selectors import department_form

SERIES_POINTS = 8


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value)


def _fmt(value) -> str:
    return "" if value is None else format_decimal(Decimal(str(value)))


def scorecard_data(department: Department, quarter: Period) -> dict:
    """Everything a scorecard shows, for one department and quarter."""
    sheet = department_form(department, quarter)
    rows = sheet.value_rows
    row_periods = {r.period.id for r in rows}
    indicator_ids = [r.indicator.pk for r in rows]
    results = {
        (g.indicator_id, g.period): g
        for g in GapResult.objects.filter(
            department=department, indicator_id__in=indicator_ids, period__in=row_periods
        )
    }
    history = defaultdict(list)
    demo_points = 0
    for indicator_id, period, value, source in (
        ReportedValue.objects.filter(
            department=department, indicator_id__in=indicator_ids, state=ValueState.APPROVED
        )
        .order_by("period")
        .values_list("indicator_id", "period", "value", "source")
    ):
        history[indicator_id].append((period, value))
        demo_points += source == ValueSource.DEMO

    out_rows = []
    for row in rows:
        result = results.get((row.indicator.pk, row.period.id))
        kind = row.period.kind
        series = [
            (p, _num(v))
            for p, v in history[row.indicator.pk]
            if Period.parse(p).kind == kind and p <= row.period.id
        ][-SERIES_POINTS:]
        target = row.target
        status = result.status if result else GapStatus.NO_DATA
        out_rows.append(
            {
                "code": row.indicator.code,
                "name": row.indicator.name_zh,
                "unit": row.indicator.unit,
                "period": row.period.id,
                "period_label": row.period.label_zh,
                "actual": _num(result.actual) if result else None,
                "target": None
                if target is None
                else {
                    "comparator": target.get_comparator_display(),
                    "value": _num(target.value),
                    "year": target.year,
                    "document": target.document.title_zh,
                    "clause": target.clause,
                    "expired": row.target_expired,
                },
                "gap": _num(result.gap) if result else None,
                "ratio": result.ratio if result else None,
                "status": str(status),
                "status_label": str(GapStatus(status).label),
                "state": row.value.state if row.value else "",
                "is_demo": bool(result and result.is_demo),
                "series": series,
            }
        )

    counts = Counter(r["status"] for r in out_rows)
    deadline = (
        ReportingPeriod.objects.filter(period=quarter.id).values_list("deadline", flat=True).first()
    )
    reported = (ValueState.SUBMITTED, ValueState.APPROVED)
    overdue = []
    if deadline and timezone.localdate() > deadline:
        overdue = [
            {
                "name": r.indicator.name_zh,
                "period_label": r.period.label_zh,
                "state": r.value.get_state_display() if r.value else "未填报",
            }
            for r in rows
            if not (r.value and r.value.state in reported)
        ] + [
            {
                "name": str(r.subject),
                "period_label": r.period.label_zh,
                "state": r.report.get_state_display() if r.report else "未填报",
            }
            for r in sheet.qualitative_rows
            if not (r.report and r.report.state in reported)
        ]
    tasks = [
        {
            "name": str(r.subject),
            "status": r.report.get_status_display() if r.report and r.report.status else "",
            "narrative": r.report.narrative if r.report else "",
            "state": r.report.get_state_display() if r.report else "未填报",
        }
        for r in sheet.qualitative_rows
    ]
    return {
        "department": {"code": department.code, "name": department.name_zh},
        "period": quarter.id,
        "period_label": quarter.label_zh,
        "deadline": deadline.isoformat() if deadline else None,
        "rows": out_rows,
        "counts": {s: counts.get(s, 0) for s in STATUS_ORDER},
        "overdue": overdue,
        "tasks": tasks,
        "rank": region_rank(department, quarter),
        "has_demo": bool(demo_points) or any(r.get("is_demo") for r in out_rows),
    }


def region_rank(department: Department, quarter: Period) -> dict | None:
    """The department's place among departments with assessed figures for the quarter: by the
    share of its assessed figures that are achieved or on track."""
    periods = {quarter.id}
    if quarter.number in (2, 4):
        periods.add(f"{quarter.year}S{quarter.number // 2}")
    if quarter.number == 4:
        periods.add(str(quarter.year))
    tallies: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for dept_id, status in (
        GapResult.objects.filter(period__in=periods, department__isnull=False)
        .exclude(status=GapStatus.NO_DATA)
        .values_list("department_id", "status")
    ):
        tallies[dept_id][1] += 1
        tallies[dept_id][0] += status in (GapStatus.ACHIEVED, GapStatus.ON_TRACK)
    if department.pk not in tallies:
        return None
    shares = {pk: good / total for pk, (good, total) in tallies.items()}
    ordered = sorted(shares.values(), reverse=True)
    return {
        "position": ordered.index(shares[department.pk]) + 1,
        "of": len(ordered),
        "share": round(shares[department.pk] * 100, 1),
    }


def fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def sparkline_svg(series: list, target: float | None, *, width=140, height=34) -> str:
    """An inline SVG of the series with the target as a dashed line (prints without scripts)."""
    values = [v for _, v in series if v is not None]
    if not values:
        return ""
    span = values + ([target] if target is not None else [])
    low, high = min(span), max(span)
    if high == low:
        high, low = high + 1, low - 1
    pad = 3

    def y(v):
        return height - pad - (v - low) / (high - low) * (height - 2 * pad)

    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = " ".join(f"{pad + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    if target is not None:
        ty = y(target)
        parts.append(
            f'<line x1="0" y1="{ty:.1f}" x2="{width}" y2="{ty:.1f}" stroke="#b3261e" '
            'stroke-width="1" stroke-dasharray="3,2"/>'
        )
    if len(values) > 1:
        parts.append(
            f'<polyline fill="none" stroke="#1f5fa8" stroke-width="1.6" points="{points}"/>'
        )
    last_x = pad + (len(values) - 1) * step
    parts.append(f'<circle cx="{last_x:.1f}" cy="{y(values[-1]):.1f}" r="2.4" fill="#1f5fa8"/>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(data: dict, *, created_at=None) -> str:
    rows = []
    for row in data["rows"]:
        target = row["target"]
        rows.append(
            {
                **row,
                "actual_text": _fmt(row["actual"]),
                "gap_text": _fmt(None if row["gap"] is None else round(row["gap"], 4)),
                "target_text": ""
                if not target or target["value"] is None
                else f"{target['comparator']} {_fmt(target['value'])}",
                "sparkline": sparkline_svg(row["series"], target["value"] if target else None),
                "colour": STATUS_COLOURS[row["status"]],
            }
        )
    counts = [
        {
            "status": s,
            "label": str(GapStatus(s).label),
            "n": data["counts"][s],
            "colour": STATUS_COLOURS[s],
        }
        for s in STATUS_ORDER
    ]
    return render_to_string(
        "reports/scorecard_document.html",
        {"data": data, "rows": rows, "counts": counts, "created_at": created_at},
    )


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _launch(playwright):
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).exists():
        raise RuntimeError(f"Chromium not found at {executable}: run make install")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def _print(browser, html: str) -> bytes:
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        return page.pdf(
            format="A4",
            print_background=True,
            margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
        )
    finally:
        page.close()


class _Printer:
    """One Chromium kept open in a thread of its own, serving every rendering of a process.

    Playwright's synchronous API runs an event loop in the thread that starts it; Django then
    refuses database calls from that thread. Keeping the browser in a separate thread lets a
    Celery worker reuse it across tasks without that conflict.
    """

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = None
            while True:
                html, result = self.jobs.get()
                try:
                    if browser is None or not browser.is_connected():
                        browser = _launch(playwright)
                    result.set_result(_print(browser, html))
                except Exception as exc:  # handed to the caller
                    result.set_exception(exc)

    def pdf(self, html: str, timeout: float = 120) -> bytes:
        result: Future = Future()
        self.jobs.put((html, result))
        return result.result(timeout=timeout)


_printer: dict[int, _Printer] = {}
_printer_lock = threading.Lock()


def render_pdf(html: str) -> bytes:
    """A4 PDF of the page, rendered by Debian's Chromium (fonts embedded by the browser)."""
    pid = os.getpid()  # a forked worker child must not use its parent's thread
    with _printer_lock:
        if pid not in _printer:
            _printer[pid] = _Printer()
        printer = _printer[pid]
    return printer.pdf(html)


def render_xlsx(data: dict) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "记分卡"
    bold = Font(bold=True)
    sheet.append([f"{data['department']['name']} · {data['period_label']} 质量强区指标记分卡"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    header = ["指标代码", "指标", "期间", "单位", "实际值", "目标", "目标年份", "差距", "状态"]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
    for row in data["rows"]:
        target = row["target"] or {}
        sheet.append(
            [
                row["code"],
                row["name"],
                row["period_label"],
                row["unit"],
                row["actual"],
                f"{target.get('comparator', '')} {_fmt(target.get('value'))}".strip(),
                target.get("year"),
                None if row["gap"] is None else round(row["gap"], 6),
                row["status_label"],
            ]
        )
    sheet.append([])
    sheet.append(["状态", "数量"])
    sheet.cell(sheet.max_row, 1).font = bold
    for status in STATUS_ORDER:
        sheet.append([str(GapStatus(status).label), data["counts"][status]])
    if data["tasks"]:
        tasks = workbook.create_sheet("定性任务")
        tasks.append(["任务", "进展", "进展情况", "状态"])
        for cell in tasks[1]:
            cell.font = bold
        for task in data["tasks"]:
            tasks.append([task["name"], task["status"], task["narrative"], task["state"]])
        tasks.column_dimensions["A"].width = 50
        tasks.column_dimensions["C"].width = 60
    for column, width in zip("ABCDEFGHI", (34, 40, 16, 8, 12, 14, 10, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=4):
        row[1].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def scorecard_render(
    *, department: Department, quarter: Period, run: ScorecardRun | None = None
) -> Scorecard:
    """Build, render and store one scorecard; the row is written last, in one transaction."""
    data = scorecard_data(department, quarter)
    created = timezone.now()
    html = render_html(data, created_at=created)
    pdf = render_pdf(html)
    xlsx = render_xlsx(data)
    pause = float(os.environ.get("QUALITYHUB_RENDER_PAUSE", "0") or 0)
    if pause:  # lets the worker tests interrupt a rendering half-way
        marker = Path(settings.MEDIA_ROOT) / "scorecards" / f"rendering-{department.code}"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(os.getpid()))
        time.sleep(pause)
    stem = f"{department.code}-{quarter.id}-{created:%Y%m%d%H%M%S%f}"
    with transaction.atomic():
        scorecard = Scorecard(
            run=run,
            department=department,
            period=quarter.id,
            data=data,
            fingerprint=fingerprint(data),
            html=html,
        )
        scorecard.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        scorecard.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
        scorecard.save()
    return scorecard


def is_stale(scorecard: Scorecard) -> bool:
    """True when the data the scorecard would show today differs from what it showed."""
    today = scorecard_data(scorecard.department, Period.parse(scorecard.period))
    return fingerprint(today) != scorecard.fingerprint
