"""Exporting reported values: csv, xlsx, and DHIS2 data values (csv and JSON).

Every text cell that a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading apostrophe, in csv and xlsx
(the DHIS2 csv included). Numbers are written as numbers.

The DHIS2 exports are what DHIS2 itself writes and loads (``reports.exchange.dhis2`` reads them
back): the csv in DHIS2's eleven columns, value sixth, lines ending in ``\n``; the JSON a
dataValueSet naming its identifier schemes, so that DHIS2 matches data elements and org units
by code. Every value is in DHIS2's default category and attribute option combo.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from indicators.selectors import format_decimal
from qualityhub.spreadsheets import format_number, neutralise, write_csv, write_xlsx
from reports.models import GapResult, ReportedValue

from .dhis2 import CSV_COLUMNS, DEFAULT_COMBO_UID

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
#: DHIS2's data-value csv, in DHIS2's order: the value is the sixth column.
DHIS2_COLUMNS = CSV_COLUMNS
#: Set on the JSON export: DHIS2 finds data elements and org units by their code (QualityHub's
#: indicator and department codes), the combos by UID. A scheme in the payload takes precedence
#: over the request's (Web API guide, "Identifier schemes").
DHIS2_ID_SCHEMES = {
    "dataElementIdScheme": "CODE",
    "orgUnitIdScheme": "CODE",
    "categoryOptionComboIdScheme": "UID",
    "attributeOptionComboIdScheme": "UID",
}


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
    """One DHIS2 data value per reported value, keyed by DHIS2's csv column names."""
    return [
        {
            "dataelement": v.indicator.code,
            "period": v.period,
            "orgunit": v.department.code,
            # QualityHub's figures are not disaggregated: DHIS2's default combo. Written out
            # (as DHIS2 writes it) rather than left empty: DHIS2 2.43 reads an empty combo in a
            # csv that has a lastupdated column as category options, and then needs a data set.
            "categoryoptioncombo": DEFAULT_COMBO_UID,
            "attributeoptioncombo": DEFAULT_COMBO_UID,
            "value": v.value,
            "storedby": v.updated_by.get_username() if v.updated_by else "",
            "lastupdated": timezone.localtime(v.updated_at).isoformat(timespec="seconds"),
            "comment": v.note,
            "followup": False,
            "deleted": False,
        }
        for v in values
    ]


def to_dhis2_json(rows) -> bytes:
    """DHIS2's dataValueSet JSON: the id schemes, then {"dataValues": [{dataElement, ...}]}."""
    data_values = [
        {
            "dataElement": r["dataelement"],
            "period": r["period"],
            "orgUnit": r["orgunit"],
            "categoryOptionCombo": r["categoryoptioncombo"],
            "attributeOptionCombo": r["attributeoptioncombo"],
            "value": format_decimal(r["value"]),
            "storedBy": r["storedby"],
            "lastUpdated": r["lastupdated"],
            "comment": r["comment"],
            "followup": r["followup"],
        }
        for r in rows
    ]
    payload = {**DHIS2_ID_SCHEMES, "dataValues": data_values}
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def to_dhis2_csv(rows) -> bytes:
    """DHIS2's data-value csv: its header, its column order, UTF-8 without a byte-order mark.

    Cells as ``qualityhub.spreadsheets.write_csv`` writes them (formula-like text neutralised,
    numbers plain, true/false as DHIS2 writes them), but lines end in ``\n``: DHIS2 2.43 reads
    a csv line by line up to the first ``\r`` or ``\n``, so after a ``\r\n`` it meets an
    empty line and stops, keeping only the first value.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DHIS2_COLUMNS)
    for row in rows:
        writer.writerow([_dhis2_csv_cell(row[column]) for column in DHIS2_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _dhis2_csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return format_number(value)
    return neutralise(str(value))


def export_values(fmt: str, **filters) -> bytes:
    values = values_queryset(**filters)
    if fmt == "csv":
        return write_csv(VALUE_COLUMNS, value_rows(values))
    if fmt == "xlsx":
        return write_xlsx(VALUE_COLUMNS, value_rows(values), title="values")
    if fmt == "dhis2-csv":
        return to_dhis2_csv(dhis2_rows(values))
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
