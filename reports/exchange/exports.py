"""Exporting reported values: csv, xlsx, and DHIS2 dataValueSet (csv and JSON).

Every text cell that a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading apostrophe, in csv and xlsx.
Numbers are written as numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal

from indicators.selectors import format_decimal
from qualityhub.spreadsheets import write_csv, write_xlsx
from reports.models import GapResult, ReportedValue

VALUE_COLUMNS = (
    "indicator_code",
    "indicator",
    "department_code",
    "department",
    "period",
    "value",
    "unit",
    "note",
)
DHIS2_COLUMNS = ("dataelement", "period", "orgunit", "value", "storedby", "lastupdated", "comment")


def values_queryset(*, document=None, department=None, period=None, states=None):
    values = ReportedValue.objects.select_related("indicator", "department", "updated_by")
    if document:
        values = values.filter(indicator__targets__document__code=document).distinct()
    if department:
        values = values.filter(department__code=department)
    if period:
        values = values.filter(period=period)
    if states:
        values = values.filter(state__in=states)
    return values.order_by("indicator__code", "department__code", "period")


def value_rows(values: Iterable[ReportedValue]) -> list[dict]:
    return [
        {
            "indicator_code": v.indicator.code,
            "indicator": v.indicator.name_zh,
            "department_code": v.department.code,
            "department": v.department.name_zh,
            "period": v.period,
            "value": v.value,
            "unit": v.indicator.unit,
            "note": v.note,
            "state": v.state,
            "source": v.source,
            "demo": "演示数据" if v.is_demo else "",
            "updated_at": v.updated_at.isoformat(timespec="seconds"),
        }
        for v in values
    ]


def dhis2_rows(values: Iterable[ReportedValue]) -> list[dict]:
    return [
        {
            "dataelement": v.indicator.code,
            "period": v.period,
            "orgunit": v.department.code,
            "value": v.value,
            "storedby": v.updated_by.get_username() if v.updated_by else "",
            "lastupdated": v.updated_at.isoformat(timespec="seconds"),
            "comment": v.note,
        }
        for v in values
    ]


def to_dhis2_json(rows) -> bytes:
    """DHIS2's dataValueSet JSON: {"dataValues": [{dataElement, period, orgUnit, ...}]}."""
    data_values = [
        {
            "dataElement": r["dataelement"],
            "period": r["period"],
            "orgUnit": r["orgunit"],
            "value": format_decimal(r["value"]),
            "storedBy": r["storedby"],
            "lastUpdated": r["lastupdated"],
            "comment": r["comment"],
        }
        for r in rows
    ]
    return json.dumps({"dataValues": data_values}, ensure_ascii=False, indent=1).encode("utf-8")


def export_values(fmt: str, **filters) -> bytes:
    values = values_queryset(**filters)
    if fmt == "csv":
        return write_csv(VALUE_COLUMNS, value_rows(values))
    if fmt == "xlsx":
        return write_xlsx(VALUE_COLUMNS, value_rows(values), title="values")
    if fmt == "dhis2-csv":
        return write_csv(DHIS2_COLUMNS, dhis2_rows(values))
    if fmt == "dhis2-json":
        return to_dhis2_json(dhis2_rows(values))
    raise ValueError(f"unknown format {fmt!r}")


GAP_COLUMNS = (
    "indicator_code",
    "indicator",
    "department_code",
    "department",
    "period",
    "actual",
    "target_value",
    "gap",
    "percent_of_target",
    "ratio",
    "required_pace",
    "projection",
    "status",
    "demo",
)


def gap_rows(*, document=None, department=None, period=None) -> list[dict]:
    """Gap results (region-wide rows have an empty department) with the same filters."""
    results = GapResult.objects.select_related("indicator", "department")
    if document:
        results = results.filter(indicator__targets__document__code=document).distinct()
    if department:
        results = results.filter(department__code=department)
    if period:
        results = results.filter(period=period)
    results = results.order_by("indicator__code", "department__code", "period_end")

    def num(value):
        """Decimals as stored; computed floats to six significant digits. Numbers stay numbers."""
        if value is None or isinstance(value, Decimal):
            return value
        return float(f"{value:.6g}")

    return [
        {
            "indicator_code": g.indicator.code,
            "indicator": g.indicator.name_zh,
            "department_code": g.department.code if g.department else "",
            "department": g.department.name_zh if g.department else "全区",
            "period": g.period,
            "actual": num(g.actual),
            "target_value": num(g.target_value),
            "gap": num(g.gap),
            "percent_of_target": num(g.percent_of_target),
            "ratio": num(g.ratio),
            "required_pace": num(g.required_pace),
            "projection": num(g.projection),
            "status": g.status,
            "demo": "演示数据" if g.is_demo else "",
        }
        for g in results
    ]


def export_gaps(fmt: str, **filters) -> bytes:
    rows = gap_rows(**filters)
    if fmt == "csv":
        return write_csv(GAP_COLUMNS, rows)
    if fmt == "xlsx":
        return write_xlsx(GAP_COLUMNS, rows, title="gaps")
    raise ValueError("gap results are exported as csv or xlsx")
