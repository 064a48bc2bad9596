"""Reading a file of reported values: its rows of text, its header, its periods.

xlsx or csv (read by ``qualityhub.spreadsheets``: UTF-8 with or without BOM, or GBK/GB18030 as a
Chinese-locale Excel saves it), or a DHIS2 dataValueSet in JSON. Headers in Chinese or English,
in any order; periods as ``2024Q3``, ``2024-Q3`` or ``2024年第三季度``.
"""

from __future__ import annotations

import json
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qualityhub.spreadsheets import (
    FORMULA_STARTS,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_ROWS,
    SpreadsheetError,
    read_table,
)
from reports.periods import Period

#: Accepted headers (compared after folding case, spaces and full-width characters).
HEADERS = {
    "indicator": ["indicator", "indicator_code", "dataelement", "指标", "指标代码", "指标名称"],
    "department": [
        "department",
        "department_code",
        "orgunit",
        "部门",
        "部门代码",
        "部门名称",
        "填报单位",
        "单位",
    ],
    "period": ["period", "期间", "时期", "报告期"],
    "value": ["value", "数值", "值", "指标值"],
    "note": ["note", "comment", "说明", "备注"],
}
REQUIRED = ("indicator", "department", "period", "value")
#: Columns that QualityHub's own exports (and DHIS2's) add, read past without error.
IGNORED_HEADERS = ["unit", "单位名称", "storedby", "lastupdated", "计量单位"]
LABELS = {
    "indicator": "指标",
    "department": "部门",
    "period": "期间",
    "value": "数值",
    "note": "说明",
}

_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_PERIOD_PATTERNS = [
    (re.compile(r"^(\d{4})[-_ ]?[Qq]([1-4])$"), "Q"),
    (re.compile(r"^(\d{4})年第?([一二三四1-4])季度?$"), "Q"),
    (re.compile(r"^(\d{4})[-_ ]?[Ss]([12])$"), "S"),
    (re.compile(r"^(\d{4})年([上下])半年$"), "H"),
    (re.compile(r"^(\d{4})年?$"), "Y"),
]


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, encoding, size, headers)."""


def fold(text) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower().replace(" ", "")


def parse_period_text(text: str) -> Period:
    raw = unicodedata.normalize("NFKC", str(text or "")).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():  # a year typed in an Excel number cell
        raw = raw[:-2]
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.match(raw)
        if not match:
            continue
        year = int(match[1])
        if kind == "Y":
            period = Period(year)
        elif kind == "H":
            period = Period(year, "S", 1 if match[2] == "上" else 2)
        else:
            period = Period(year, kind, _CN_NUMBERS[match[2]])
        try:  # a year the database keeps (1000–2999), not 0999 or 3000
            return Period.parse(period.id)
        except ValueError:
            break
    raise ValidationError(
        _("“%(text)s”不是有效的期间，请写作 2024Q3、2024-Q3、2024年第三季度 或 2024。")
        % {"text": text}
    )


def read_rows(data: bytes) -> list[list[str]]:
    """The file's cells as text, header first; the type is decided by content, not by name."""
    if is_json(data):
        return _read_dhis2_json(data)
    try:
        return read_table(data)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from None


def is_json(data: bytes) -> bool:
    """A DHIS2 JSON file rather than a spreadsheet (formula injection is a spreadsheet's risk)."""
    return data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"


def _json_error() -> ImportFileError:
    return ImportFileError(
        _('无法读取该 JSON 文件：应为 DHIS2 dataValueSet 格式（{"dataValues": [...]}）。')
    )


def _read_dhis2_json(data: bytes) -> list[list[str]]:
    """A DHIS2 dataValueSet in JSON, as rows with DHIS2's own column names."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    try:
        payload = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _json_error() from None
    values = payload.get("dataValues") if isinstance(payload, dict) else None
    if not isinstance(values, list):
        raise _json_error()
    if len(values) > MAX_ROWS:
        raise ImportFileError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    header = ["dataelement", "period", "orgunit", "value", "comment"]
    keys = ["dataElement", "period", "orgUnit", "value", "comment"]
    rows = [header]
    for number, item in enumerate(values, start=1):
        if not isinstance(item, dict):
            raise ImportFileError(
                _('JSON 中第 %(n)d 个数值不是对象（应为 {"dataElement": ..., "value": ...}）。')
                % {"n": number}
            )
        row = []
        for key in keys:
            value = item.get(key)
            if isinstance(value, dict | list):
                raise ImportFileError(
                    _("JSON 中第 %(n)d 个数值的“%(key)s”应为文字或数字。")
                    % {"n": number, "key": key}
                )
            text = "" if value is None else str(value)
            if len(text) > MAX_CELL_CHARS or "\x00" in text:
                raise ImportFileError(
                    _("JSON 中第 %(n)d 个数值的“%(key)s”过长或含有空字符。")
                    % {"n": number, "key": key}
                )
            row.append(text)
        rows.append(row)
    return rows


def map_headers(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = fold(cell)
        for canonical, names in HEADERS.items():
            if key in {fold(n) for n in names} and canonical not in columns:
                columns[canonical] = index
    missing = [LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(cols)s。表头可用中文（指标、部门、期间、数值、说明）或英文。")
            % {"cols": "、".join(missing)}
        )
    known = {fold(n) for names in HEADERS.values() for n in names} | {
        fold(n) for n in IGNORED_HEADERS
    }
    unknown = [cell for cell in header if cell.strip() and fold(cell) not in known]
    if unknown:
        raise ImportFileError(
            _("无法识别的列：%(cols)s。可用的列：指标、部门、期间、数值、说明。")
            % {"cols": "、".join(unknown)}
        )
    return columns


#: A whole cell that is only a signed number (-3.5, +1,576, -12%): not a formula. "-2+3+cmd|…"
#: begins like a number but is one.
_SIGNED_NUMBER = re.compile(r"^[+-]\s*(\d[\d,]*(\.\d*)?|\.\d+)\s*%?$")


def formula_cell(cells: list[str], columns: dict[str, int]) -> str | None:
    """The first text column whose cell a spreadsheet would run as a formula, if any.

    A number such as -3.5 is not a formula; a cell already neutralised with a leading
    apostrophe is plain text.
    """
    for name in ("indicator", "department", "period", "note", "value"):
        index = columns.get(name)
        text = cells[index].strip() if index is not None and index < len(cells) else ""
        if not text or not text.startswith(FORMULA_STARTS):
            continue
        if text[0] in "+-" and _SIGNED_NUMBER.match(text):
            continue
        return name
    return None
