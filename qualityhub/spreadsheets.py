"""Writing rows as csv (UTF-8) or xlsx, the one place every export goes through.

Text that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) is neutralised with a leading apostrophe, in csv and xlsx alike. Numbers
(``Decimal``, ``int``, ``float``) stay numbers: plain digits in csv, numeric cells in xlsx.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text and text.startswith(FORMULA_STARTS) else text


def undo_neutralise(text: str) -> str:
    """The text as written before :func:`neutralise` (an import of an exported file)."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_STARTS else text


def format_number(value: Decimal | int | float) -> str:
    """A number without trailing zeros or exponent: 96.500000 → "96.5", 5E+1 → "50"."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    elif isinstance(value, int):
        return str(value)
    return f"{value.normalize():f}"


def _is_number(value) -> bool:
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if _is_number(value):
        return format_number(value)
    return neutralise(str(value))


def _xlsx_cell(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if _is_number(value):
        return value
    return neutralise(str(value))


def write_csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buffer.getvalue().encode("utf-8")


def write_xlsx(columns: Sequence[str], rows: Iterable[dict], *, title: str = "data") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(row[c]) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
