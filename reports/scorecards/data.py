"""Everything a scorecard shows, as one JSON-serialisable dict.

The dict is stored with the snapshot, so a past scorecard can be shown exactly as it was and
compared with what today's data would show (:func:`fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from departments.models import Department
from reports.choices import STATUS_ORDER, GapStatus, ValueSource, ValueState
from reports.models import GapResult, ReportedValue
from reports.periods import Period
from reports.reporting.selectors import department_form, reporting_deadline

SERIES_POINTS = 8


def _num(value) -> float | None:
    if value is None:
        return None
    return float(value)


@override(settings.LANGUAGE_CODE)
def scorecard_data(department: Department, quarter: Period) -> dict:
    """Everything a scorecard shows, for one department and quarter.

    A scorecard is a Chinese document for the leadership's meetings (its template is written in
    Chinese): its labels and names are Chinese whatever the language of the page that asked for
    it, so a snapshot and today's data compare alike (:func:`fingerprint`)."""
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
    deadline, _default = reporting_deadline(quarter)
    reported = (ValueState.SUBMITTED, ValueState.APPROVED)
    overdue = []
    if deadline and timezone.localdate() > deadline:
        overdue = [
            {
                "name": r.indicator.name_zh,
                "period_label": r.period.label_zh,
                "state": r.value.get_state_display() if r.value else _("未填报"),
            }
            for r in rows
            if not (r.value and r.value.state in reported)
        ] + [
            {
                "name": str(r.subject),
                "period_label": r.period.label_zh,
                "state": r.report.get_state_display() if r.report else _("未填报"),
            }
            for r in sheet.qualitative_rows
            if not (r.report and r.report.state in reported)
        ]
    tasks = [
        {
            "name": str(r.subject),
            "status": r.report.get_status_display() if r.report and r.report.status else "",
            "narrative": r.report.narrative if r.report else "",
            "state": r.report.get_state_display() if r.report else _("未填报"),
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
