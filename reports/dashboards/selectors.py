"""Reads for the dashboards: the region overview, indicator pages and department pages."""

from __future__ import annotations

import hashlib
import math
from collections import Counter

from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.choices import Aggregation
from indicators.models import Indicator, ReportingAssignment, Responsibility
from indicators.selectors import (
    departments_with_responsibilities,
    region_departments,
    reporting_departments,
)
from reports.cache import dashboard_version
from reports.choices import STATUS_ORDER, GapStatus, ValueSource, ValueState
from reports.models import GapResult, ReportedValue
from reports.periods import Period
from reports.reporting.selectors import completeness, department_form

from . import charts

LAYOUT = 4  # bump when the cached structures change shape
CACHE_SECONDS = 600


def _period_end(period: Period) -> float:
    return period.year + period.end.month / 12.0


def latest_results(period: Period, *, indicator_ids=None, department_id=None) -> list[tuple]:
    """For each series (indicator × department, and region-wide), its latest result up to the
    end of ``period``: one query."""
    results = GapResult.objects.filter(period_end__lte=_period_end(period) + 1e-9)
    if indicator_ids is not None:
        results = results.filter(indicator_id__in=indicator_ids)
    if department_id is not None:
        results = results.filter(department_id=department_id)
    columns = (
        "indicator_id",
        "department_id",
        "period",
        "status",
        "gap",
        "ratio",
        "percent_of_target",
        "required_pace",
        "is_demo",
        "period_end",
    )
    if connection.vendor == "postgresql":
        rows = (
            results.order_by("indicator_id", "department_id", "-period_end")
            .distinct("indicator_id", "department_id")
            .values_list(*columns)
        )
        return list(rows)
    latest: dict[tuple, tuple] = {}
    for row in results.order_by("period_end").values_list(*columns):
        latest[(row[0], row[1])] = row
    return list(latest.values())


def _fmt(value, digits=2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)
    return f"{number:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{number:.0f}"


def indicators_in_scope(document: str | None, category: str | None) -> list[Indicator]:
    indicators = Indicator.objects.filter(targets__value__isnull=False).distinct()
    if document:
        indicators = indicators.filter(targets__document__code=document)
    if category:
        indicators = indicators.filter(category=category)
    return list(indicators.order_by("code"))


def overview(*, quarter: Period, document=None, category=None, department=None) -> dict:
    """Everything the region overview shows, cached until gap results or submissions change."""
    key_source = (
        f"{LAYOUT}|{get_language()}|{dashboard_version()}|{quarter.id}|{document}|{category}|"
        f"{department}"
    )
    key = "overview:" + hashlib.sha1(key_source.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached
    data = _build_overview(
        quarter=quarter, document=document, category=category, department=department
    )
    cache.set(key, data, timeout=CACHE_SECONDS)
    return data


def _build_overview(*, quarter, document, category, department) -> dict:
    indicators = indicators_in_scope(document, category)
    by_id = {i.pk: i for i in indicators}
    rows = latest_results(quarter, indicator_ids=list(by_id))
    region = {r[0]: r for r in rows if r[1] is None}
    dept_rows = [r for r in rows if r[1] is not None]
    if department is not None:
        dept_rows = [r for r in dept_rows if r[1] == department.pk]

    counts = Counter(region[i][3] if i in region else GapStatus.NO_DATA for i in by_id)
    counts = {s: counts.get(s, 0) for s in STATUS_ORDER}

    departments = {d.pk: d for d in Department.objects.filter(pk__in={r[1] for r in dept_rows})}
    columns = sorted(departments.values(), key=lambda d: d.code)
    row_ids = sorted({r[0] for r in dept_rows}, key=lambda i: by_id[i].code)
    cell = {(r[0], r[1]): r for r in dept_rows}
    cells = [
        [
            None if (i, d.pk) not in cell else (cell[(i, d.pk)][3], cell[(i, d.pk)][4])
            for d in columns
        ]
        for i in row_ids
    ]
    heatmap = charts.heatmap(
        [by_id[i].display_name for i in row_ids], [str(d) for d in columns], cells
    )

    behind = sorted(
        (r for r in region.values() if r[3] in (GapStatus.OFF_TRACK, GapStatus.AT_RISK)),
        key=lambda r: (r[5] is None, r[5] if r[5] is not None else 0),
    )[:10]
    behind_rows = [
        {
            "code": by_id[r[0]].code,
            "name": by_id[r[0]].display_name,
            "unit": by_id[r[0]].unit,
            "period": r[2],
            "status": r[3],
            "status_label": str(GapStatus(r[3]).label),
            "gap": _fmt(r[4]),
            "ratio": _fmt(r[5]),
            "percent": round(float(r[6]), 1) if r[6] is not None else 0,
            "pace": _fmt(r[7]),
            "is_demo": r[8],
        }
        for r in behind
    ]
    duty = departments_with_responsibilities()
    if department is not None:
        duty = [d for d in duty if d.pk == department.pk]
    late = [
        {
            "code": c.department.code,
            "name": c.department.display_name,
            "status": c.status,
            "expected": c.expected,
            "submitted": c.submitted,
        }
        for c in completeness(quarter, duty)
        if c.status in ("overdue", "late")
    ]
    has_demo = any(r[8] for r in rows)
    return {
        "demo_values": demo_value_count() if has_demo else 0,
        "counts": counts,
        "total": sum(counts.values()),
        # Serialised once here and cached: a request only pastes the text into the page.
        "figures_script": charts.figures_script(
            {
                "counts": charts.status_counts(counts),
                "heatmap": heatmap,
                "behind": charts.behind_pace(behind_rows) if behind_rows else None,
            }
        ),
        "behind": behind_rows,
        "late": late,
        "has_demo": has_demo,
        "heatmap_size": (len(row_ids), len(columns)),
    }


# --- Indicator page ----------------------------------------------------------------------------


def indicator_detail(indicator: Indicator) -> dict:
    targets = list(
        indicator.targets.select_related("document")
        .defer("document__source_text")
        .order_by("year", "document__issued_year")
    )
    responsibilities = list(
        Responsibility.objects.filter(indicator=indicator)
        .select_related("department__successor__successor", "document")
        .defer("document__source_text")
        .order_by("document__issued_year", "role")
    )
    assignments = list(
        ReportingAssignment.objects.filter(indicator=indicator).select_related("department")
    )
    return {"targets": targets, "responsibilities": responsibilities, "assignments": assignments}


def indicator_values(indicator: Indicator, departments=None):
    values = (
        ReportedValue.objects.filter(indicator=indicator)
        .select_related("department", "document")
        .defer("document__source_text")
    )
    if departments is not None:
        values = values.filter(department__in=departments)
    return values.order_by("-period", "department__code")


def indicator_chart(indicator: Indicator, *, department: Department | None, targets) -> dict:
    """The chart of one series (a department's, or the region's), cached like the overview."""
    key = (
        f"indicator-chart:{LAYOUT}:{get_language()}:{dashboard_version()}:{indicator.pk}:"
        f"{department.pk if department else 0}"
    )
    cached = cache.get(key)
    if cached is None:
        cached = _indicator_chart(indicator, department=department, targets=targets)
        cache.set(key, cached, timeout=CACHE_SECONDS)
    return cached


def _indicator_chart(indicator: Indicator, *, department: Department | None, targets) -> dict:
    """The series shown on the chart: one department's approved values, or the region's.

    Each point carries what its hover shows: the value's review state and where it came from
    (for the region, which departments' values make it up).
    """
    results = list(
        GapResult.objects.filter(indicator=indicator, department=department).order_by("period_end")
    )
    shown = [r for r in results if r.actual is not None]
    origins = _value_origins(indicator, department, {r.period for r in shown})
    lead_id = None
    if department is None and indicator.aggregation == Aggregation.LEAD:
        lead_id = region_departments([indicator.pk]).get(indicator.pk, (None, False))[0]
    points = []
    for r in shown:
        state, source = _origin_text(
            origins.get(r.period, []), r.actual, indicator, department, lead_id
        )
        points.append(
            {
                "period": r.period,
                "value": float(r.actual),
                "is_demo": r.is_demo,
                "state": state,
                "source": source,
            }
        )
    latest = results[-1] if results else None
    projection = None
    if latest and latest.projection is not None and latest.target_id:
        target = next((t for t in targets if t.pk == latest.target_id), None)
        if target is not None:
            projection = {
                "from_period": latest.period,
                "from_value": float(latest.actual),
                "year": target.year,
                "value": float(latest.projection),
            }
    shown_targets = [
        {
            "year": t.year,
            "value": float(t.value),
            "comparator": t.get_comparator_display(),
            "documents": [t.document.title_zh],
            "label": _("%(comparator)s %(value)s（%(year)s年）")
            % {"comparator": t.get_comparator_display(), "value": _fmt(t.value), "year": t.year},
        }
        for t in targets
        if t.value is not None
    ]
    figure = charts.indicator_series(
        name=indicator.display_name,
        unit=indicator.display_unit,
        points=points,
        targets=shown_targets,
        projection=projection,
        valid_range=(
            None if indicator.min_value is None else float(indicator.min_value),
            None if indicator.max_value is None else float(indicator.max_value),
        ),
    )
    return {
        "figure": charts.figures_script({"series": figure}),
        "latest": latest,
        "has_demo": any(p["is_demo"] for p in points),
    }


def _value_origins(indicator: Indicator, department: Department | None, periods: set) -> dict:
    """The counted values (approved or submitted) behind the chart's points, by period: one
    query."""
    values = ReportedValue.objects.filter(
        indicator=indicator,
        period__in=periods,
        value__isnull=False,
        state__in=(ValueState.APPROVED, ValueState.SUBMITTED),
    ).select_related("department", "document")
    if department is not None:
        values = values.filter(department=department)
    out: dict[str, list] = {}
    for value in values.defer("document__source_text").order_by("department__code"):
        out.setdefault(value.period, []).append(value)
    return out


def _origin_text(
    values: list, actual, indicator: Indicator, department, lead_id
) -> tuple[str, str]:
    """The state and source a chart point's hover shows.

    A department's point is its own value. The region's point names the departments whose
    values make it: under the lead rule the department whose figure it is, otherwise every
    department counted (``lead_id``: the region's department under the lead rule).
    """
    counted = [v for v in values if v.state == ValueState.APPROVED] or values
    if department is None and indicator.aggregation == Aggregation.LEAD:
        counted = [v for v in counted if v.department_id == lead_id]
    elif department is None and indicator.aggregation == Aggregation.MIN:
        counted = [v for v in counted if v.value == actual]
    if not counted:
        return "—", "—"
    states = "、".join(dict.fromkeys(str(v.get_state_display()) for v in counted))

    def one(value) -> str:
        text = str(value.get_source_display())
        if value.document_id:
            text += "：" + value.document.title_zh
        return text if department is not None else f"{value.department}（{text}）"

    sources = "；".join(one(v) for v in counted[:4])
    if len(counted) > 4:
        sources += _("等 %(n)s 个部门") % {"n": len(counted)}
    if department is None:
        sources = _("全区汇总（%(rule)s）") % {"rule": indicator.get_aggregation_display()} + (
            "：" + sources
        )
    return states, sources


def region_composition(indicator: Indicator, latest: GapResult | None) -> dict:
    """How the region's figure is made, as the gap engine makes it: the rule in words, and each
    department that reports the indicator (or has an approved figure) with its approved figure
    for the period of the latest region-wide result, and whether it is counted. Four queries.
    """
    rule = indicator.aggregation
    chosen_id, declared = region_departments([indicator.pk]).get(indicator.pk, (None, False))
    period = latest.period if latest is not None else None
    approved = {}
    if period is not None:
        approved = {
            v.department_id: v
            for v in ReportedValue.objects.filter(
                indicator=indicator, period=period, state=ValueState.APPROVED, value__isnull=False
            ).select_related("department")
        }
    departments = {d.pk: d for d in reporting_departments(indicator.pk).get(indicator.pk, [])}
    departments.update({pk: v.department for pk, v in approved.items()})
    if chosen_id is not None and chosen_id not in departments:
        departments[chosen_id] = Department.objects.get(pk=chosen_id)
    figures = [v.value for v in approved.values()]
    rows = []
    for pk, department in departments.items():
        value = approved[pk].value if pk in approved else None
        if rule == Aggregation.LEAD:
            counted = pk == chosen_id and value is not None
        elif rule == Aggregation.MIN:
            counted = value is not None and value == min(figures)
        else:
            counted = value is not None
        rows.append(
            {
                "department": department,
                "value": value,
                "counted": counted,
                "chosen": pk == chosen_id,
            }
        )
    rows.sort(
        key=lambda r: (not r["chosen"] if rule == Aggregation.LEAD else False, r["department"].code)
    )
    chosen = departments.get(chosen_id)
    if rule == Aggregation.LEAD and chosen is None:
        text = _("全区数值取一个部门的填报值；该指标尚无填报部门，全区暂无数值。")
    elif rule == Aggregation.LEAD:
        text = (
            _("全区数值取%(department)s的填报值（办公室指定）。")
            if declared
            else _("全区数值取%(department)s的填报值（目录中的牵头部门）。")
        ) % {"department": chosen}
        if len(departments) > 1:
            text += _("其他部门报的是同一个全区统计数，不相加。")
    elif rule == Aggregation.SUM:
        text = _("全区数值为各部门所报部分之和，各部分互不重叠：%(parts)s") % {
            "parts": indicator.region_parts
        }
    elif rule == Aggregation.MIN:
        text = _("全区数值取各部门数值中的最小值（各部门分别负责各自的部分，每一部分都须达标）。")
    else:
        text = _("全区数值取各部门数值的平均值（不加权）。")
    return {
        "rule": rule,
        "rule_display": indicator.get_aggregation_display(),
        "text": text,
        "department": chosen,
        "declared": declared,
        "period": period,
        "value": latest.actual if latest is not None else None,
        "rows": rows,
    }


def indicator_page_data(indicator: Indicator, *, scope, department, shown: int) -> dict:
    """Everything on an indicator page but the user's own header, cached until data changes.

    ``scope`` is None (every department: the office) or the list of departments the user may
    see; it is part of the cache key, so a reporter never gets the office's copy.
    """
    scope_key = "all" if scope is None else ",".join(str(d.pk) for d in scope)
    key = (
        f"indicator-page:{LAYOUT}:{get_language()}:{dashboard_version()}:{indicator.pk}:{scope_key}:"
        f"{department.pk if department else 0}:{shown}"
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    detail = indicator_detail(indicator)
    chart = indicator_chart(indicator, department=department, targets=detail["targets"])
    values = list(indicator_values(indicator, scope)[:shown])
    series_departments = (
        sorted({v.department for v in values}, key=lambda d: d.code) if scope is None else []
    )
    data = {
        "detail": detail,
        "chart": chart,
        "values": values,
        "series_departments": series_departments,
        "has_demo": chart["has_demo"] or any(v.is_demo for v in values),
        # Only the office's region view: it shows every department's figure.
        "region": (
            region_composition(indicator, chart["latest"])
            if scope is None and department is None
            else None
        ),
    }
    cache.set(key, data, timeout=CACHE_SECONDS)
    return data


def demo_value_count() -> int:
    return ReportedValue.objects.filter(source=ValueSource.DEMO).count()


# --- Department page ---------------------------------------------------------------------------


def department_statuses(department: Department, quarter: Period) -> list[dict]:
    """The latest status of each figure the department reports, up to the quarter.

    A figure on the department's form with no result yet (nothing approved) is listed as
    数据不足 too, as on its scorecard, rather than left out.
    """
    rows = latest_results(quarter, department_id=department.pk)
    indicators = Indicator.objects.in_bulk({r[0] for r in rows})
    out = [
        {
            "indicator": indicators[r[0]],
            "period": r[2],
            "status": r[3],
            "status_label": str(GapStatus(r[3]).label),
            "gap": _fmt(r[4]),
            "is_demo": r[8],
        }
        for r in rows
    ]
    assessed = {r[0] for r in rows}
    out += [
        {
            "indicator": row.indicator,
            "period": row.period.id,
            "status": GapStatus.NO_DATA.value,
            "status_label": str(GapStatus.NO_DATA.label),
            "gap": _fmt(None),
            "is_demo": False,
        }
        for row in department_form(department, quarter).value_rows
        if row.indicator.pk not in assessed
    ]
    return sorted(out, key=lambda r: (STATUS_ORDER.index(r["status"]), r["indicator"].code))
