"""A scorecard's data as its HTML page (with inline SVG sparklines) and as an xlsx workbook."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string

from departments.marks import mark_of, marks_of
from departments.models import Department
from indicators.selectors import format_decimal
from qualityhub.spreadsheets import XlsxBook
from reports.choices import STATUS_COLOURS, STATUS_ORDER, GapStatus
from reports.periods import Period


def _fmt(value) -> str:
    return "" if value is None else format_decimal(Decimal(str(value)))


def _time(period_id: str) -> float:
    """A period's end in years (2024Q3 → 2024.75): the sparkline's x, so spacing is time."""
    period = Period.parse(period_id)
    return period.year + period.end.month / 12.0


def sparkline_svg(series: list, target: float | None, *, width=140, height=34) -> str:
    """An inline SVG of the series with the target as a dashed line (prints without scripts).

    Points sit at their period's end on a time scale; the line breaks where a period is
    missing, so three absent quarters are a gap, not one straight step.
    """
    points = [(Period.parse(p), v) for p, v in series if v is not None]
    if not points:
        return ""
    values = [v for _, v in points]
    span = values + ([target] if target is not None else [])
    low, high = min(span), max(span)
    if high == low:
        high, low = high + 1, low - 1
    pad = 3
    first, last = _time(points[0][0].id), _time(points[-1][0].id)
    months = points[0][0].months / 12.0
    # One period's width at least, so a single point sits in the middle.
    start, stop = (first, last) if last > first else (first - months, first + months)

    def x(period) -> float:
        return pad + (_time(period.id) - start) / (stop - start) * (width - 2 * pad)

    def y(v):
        return height - pad - (v - low) / (high - low) * (height - 2 * pad)

    runs: list[list] = []
    for period, value in points:
        if runs and runs[-1][-1][0].next() == period:
            runs[-1].append((period, value))
        else:
            runs.append([(period, value)])
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
    for run in runs:
        if len(run) > 1:
            line = " ".join(f"{x(p):.1f},{y(v):.1f}" for p, v in run)
            parts.append(
                f'<polyline fill="none" stroke="#1f5fa8" stroke-width="1.6" points="{line}"/>'
            )
        elif run[0] is not points[-1]:
            p, v = run[0]
            parts.append(f'<circle cx="{x(p):.1f}" cy="{y(v):.1f}" r="1.4" fill="#1f5fa8"/>')
    p, v = points[-1]
    parts.append(f'<circle cx="{x(p):.1f}" cy="{y(v):.1f}" r="2.4" fill="#1f5fa8"/>')
    parts.append("</svg>")
    return "".join(parts)


def department_mark_text(data: dict) -> str:
    """The scorecard's department's marks as words (``（协调机构；待确认：…）``), as they stand
    when the scorecard is rendered: a printed page has no tooltip to hover."""
    department = Department.objects.only("pk", "kind").filter(code=data["department"]["code"])
    department = department.first()
    return mark_of(marks_of([department]), department).text() if department else ""


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
        {
            "data": data,
            "rows": rows,
            "counts": counts,
            "created_at": created_at,
            "department_mark": department_mark_text(data),
        },
    )


def render_xlsx(data: dict) -> bytes:
    """The scorecard as a workbook: the figures and status counts, then the qualitative tasks.

    Written by ``qualityhub.spreadsheets`` like every other file QualityHub produces, so a
    department name, narrative or note that begins with ``=`` is text, never a formula.
    """
    book = XlsxBook()
    sheet = book.sheet("记分卡")
    sheet.widths((34, 40, 16, 8, 12, 14, 10, 12, 12))
    sheet.append(
        [
            f"{data['department']['name']}{department_mark_text(data)} · "
            f"{data['period_label']} 质量强区指标记分卡"
        ],
        bold=True,
        size=14,
    )
    sheet.blank()
    sheet.header(["指标代码", "指标", "期间", "单位", "实际值", "目标", "目标年份", "差距", "状态"])
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
            ],
            wrap=(1,),
        )
    sheet.blank()
    sheet.append(["状态", "数量"], bold=True)
    for status in STATUS_ORDER:
        sheet.append([str(GapStatus(status).label), data["counts"][status]])
    if data["tasks"]:
        tasks = book.sheet("定性任务")
        tasks.widths((50, 12, 60, 12))
        tasks.append(["任务", "进展", "进展情况", "状态"], bold=True)
        for task in data["tasks"]:
            tasks.append(
                [task["name"], task["status"], task["narrative"], task["state"]], wrap=(0, 2)
            )
    return book.save()
