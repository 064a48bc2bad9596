"""DHIS2 data values as DHIS2 writes and reads them: the dataValueSet in JSON and the CSV.

The layouts are DHIS2's own (Web API guide, "Data values": "Sending data values", "Sending
bulks of data values", "CSV data value format", "Reading data values";
https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/data.html):

- JSON: ``{"dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo",
  "dataValues": [{"dataElement", "period", "orgUnit", "categoryOptionCombo",
  "attributeOptionCombo", "value", "storedBy", "lastUpdated", "comment", "followup",
  "deleted"}]}``. What the set carries applies to every value that does not carry its own.
- CSV, by position: dataelement, period, orgunit, categoryoptioncombo, attributeoptioncombo,
  value, storedby, lastupdated, comment, followup, deleted. The header is optional and comes in
  DHIS2's current spelling or the older one (catoptcombo, attroptcombo, … flwup, and the
  documentation's strby, lstupd, cmt, timestamp); only the first six columns are required.

Codes map through the identifiers QualityHub exports: ``dataElement`` is the indicator's code
(or name), ``orgUnit`` the department's, ``period`` QualityHub's period id (``2024``,
``2024S1``, ``2024Q3`` are DHIS2's ids as well).

Two things DHIS2 has that QualityHub does not, decided here:

- ``deleted: true`` (and a set whose strategy is DELETE) asks DHIS2 to delete the value.
  QualityHub does not delete a department's figure through a file: the row is read, marked
  ``deleted``, and :func:`dhis2_skip_reason` gives the reason the preview lists it as skipped.
- Category option combos (disaggregation by sex, age…) and attribute option combos: QualityHub
  has one figure per indicator × department × period, so only DHIS2's default combo is accepted
  (empty, ``HllvX50cXC0`` or ``default``); any other refuses the file, naming the value.

This module only reads: the indicator, department, period and value are checked by the checking
step, like any other file's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from qualityhub.spreadsheets import (
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_ROWS,
    OLE_MAGIC,
    XLSX_MAGIC,
    SpreadsheetError,
    read_table,
)

from .parsing import ImportFileError

#: The UID of DHIS2's default category option combo: the same in every DHIS2 instance
#: (``DefaultCategoryService`` creates it with this UID; its name and code are "default").
DEFAULT_COMBO_UID = "HllvX50cXC0"
DEFAULT_COMBO_NAME = "default"

#: DHIS2's data-value CSV columns, in the order DHIS2 writes them and reads them.
CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
    "deleted",
)
#: The header spellings DHIS2 has used for each column (today's first).
CSV_HEADER_NAMES = (
    ("dataelement",),
    ("period",),
    ("orgunit",),
    ("categoryoptioncombo", "catoptcombo"),
    ("attributeoptioncombo", "attroptcombo"),
    ("value",),
    ("storedby", "strby"),
    ("lastupdated", "lstupd", "timestamp"),
    ("comment", "cmt"),
    ("followup", "flwup"),
    ("deleted",),
)
#: Data element, period, org unit, the two combos and the value: the columns a file must have.
CSV_REQUIRED = 6

#: DHIS2's period ids (Web API guide, "Date and period format"): day, weeks, bi-week, month,
#: bi-month, quarter, six-month, six-month April, year, financial years. Only a year, a
#: six-month and a quarter are QualityHub periods; the checking step says so for the others.
DHIS2_PERIOD = re.compile(
    r"^[12]\d{3}(?:"
    r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # yyyyMMdd
    r"|(?:Wed|Thu|Sat|Sun|Bi)?W(?:[1-9]|[1-4]\d|5[0-3])"  # yyyyWn, yyyyWedWn, yyyyBiWn
    r"|(?:0[1-9]|1[0-2])B?"  # yyyyMM, yyyyMMB
    r"|Q[1-4]|S[12]|AprilS[12]"
    r"|April|July|Oct"
    r")?$"
)

_TRUE, _FALSE = "true", "false"
_SNIFF_BYTES = 64 * 1024


@dataclass(frozen=True)
class Dhis2Row:
    """One DHIS2 data value, as text; set-level fields already applied.

    ``row`` is the value's place in the file: the CSV's row (the header is row 1, blank rows
    count), or the value's position in the JSON ``dataValues`` list (the first is 1).
    """

    row: int
    data_element: str
    period: str
    org_unit: str
    value: str
    comment: str = ""
    deleted: bool = False
    category_option_combo: str = ""
    attribute_option_combo: str = ""
    stored_by: str = ""
    last_updated: str = ""
    follow_up: bool = False
    data_set: str = ""
    complete_date: str = ""


@dataclass
class Dhis2Table:
    """A DHIS2 file's data values: ``kind`` is "json" or "csv"."""

    kind: str
    rows: list[Dhis2Row] = field(default_factory=list)
    #: A CSV with a header row (a JSON file always names its fields).
    header: bool = True


# --- Recognising a DHIS2 file -------------------------------------------------------------


def is_dhis2(data: bytes) -> bool:
    """Whether the file is DHIS2's: a JSON object, or a CSV in DHIS2's data-value layout.

    A JSON object is always taken as a dataValueSet, so that one without ``dataValues`` is
    refused by :func:`read_dhis2` with a message saying what DHIS2's layout is (QualityHub reads
    no other JSON). A CSV is DHIS2's when its first row is DHIS2's header (either spelling), or,
    without a header, when its first row has 6 to 11 columns shaped like DHIS2's: a data element,
    a DHIS2 period id, an org unit, the combos, the value sixth.
    """
    text = data[:_SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    if text[:1] == b"{":
        return True
    if data[:4] == XLSX_MAGIC or data[:8] == OLE_MAGIC or b"\x00" in text[:4096]:
        return False
    first = _first_record(_decode_prefix(text))
    return first is not None and (_is_header(first) or _looks_like_values(first))


def _decode_prefix(data: bytes) -> str:
    """The start of a file as text, for sniffing only (a character cut at the end is dropped)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")
    return data.decode("gb18030", errors="ignore")


def _first_record(text: str) -> list[str] | None:
    try:
        for record in csv.reader(io.StringIO(text, newline="")):
            if any(cell.strip() for cell in record):
                return record
    except csv.Error:
        return None
    return None


def _fold(cell: str) -> str:
    return cell.strip().strip('"').strip().lower()


def _is_header(cells: list[str]) -> bool:
    if len(cells) < CSV_REQUIRED:
        return False
    return all(_fold(cells[i]) in CSV_HEADER_NAMES[i] for i in range(CSV_REQUIRED))


def _looks_like_values(cells: list[str]) -> bool:
    """A first row that is a data value, in DHIS2's column order, without a header."""
    cells = _trim(cells)
    if not CSV_REQUIRED <= len(cells) <= len(CSV_COLUMNS):
        return False
    element, period, unit = (c.strip() for c in cells[:3])
    if not element or not unit or not DHIS2_PERIOD.match(period):
        return False
    flags = [c.strip().lower() for c in cells[9:11]]
    return all(flag in ("", "null", _TRUE, _FALSE) for flag in flags)


def _trim(cells: list[str]) -> list[str]:
    """The cells without the empty ones at the end of the row."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


# --- Reading ------------------------------------------------------------------------------


def read_dhis2(data: bytes) -> Dhis2Table:
    """A DHIS2 file's data values. Raises ImportFileError for a file that is not one, or is
    malformed, or disaggregates values by a combo other than DHIS2's default."""
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{":
        table = _read_json(data)
    else:
        table = _read_csv(data)
    _refuse_other_combos(table)
    return table


def dhis2_skip_reason(row: Dhis2Row) -> str | None:
    """Why the checking step sets this value aside rather than importing it, if it does."""
    if row.deleted:
        return _("DHIS2 标记为已删除（deleted），未导入；QualityHub 不通过导入删除数值")
    return None


def is_default_combo(text: str) -> bool:
    """Empty (DHIS2 then uses its default), the default combo's UID, or its name and code."""
    text = text.strip()
    return text in ("", "null", DEFAULT_COMBO_UID) or text.lower() == DEFAULT_COMBO_NAME


def _refuse_other_combos(table: Dhis2Table) -> None:
    others = [
        (row.row, field_name, text)
        for row in table.rows
        for field_name, text in (
            ("category", row.category_option_combo),
            ("attribute", row.attribute_option_combo),
        )
        if not is_default_combo(text)
    ]
    if not others:
        return
    number, field_name, text = others[0]
    label = (
        _("分类选项组合（categoryOptionCombo）")
        if field_name == "category"
        else _("属性选项组合（attributeOptionCombo）")
    )
    where = (_("第 %(n)d 行") if table.kind == "csv" else _("第 %(n)d 个数值")) % {"n": number}
    raise ImportFileError(
        _(
            "%(where)s的%(label)s是“%(value)s”（共 %(count)d 处不是默认组合）。"
            "QualityHub 的数值不按性别、年龄等类别拆分，只接受 DHIS2 的默认组合"
            "（留空、default 或 %(uid)s）；请按默认组合汇总后再导入。"
        )
        % {
            "where": where,
            "label": label,
            "value": text,
            "count": len(others),
            "uid": DEFAULT_COMBO_UID,
        }
    )


# JSON ----------------------------------------------------------------------------------------


def _json_error() -> ImportFileError:
    return ImportFileError(
        _('无法读取该 JSON 文件：应为 DHIS2 dataValueSet 格式（{"dataValues": [...]}）。')
    )


def _no_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not JSON


#: Fields of the set that apply to every value not carrying its own (DHIS2's JSON and XML).
_SET_FIELDS = ("dataSet", "completeDate", "period", "orgUnit", "attributeOptionCombo")
#: Fields of a value, as text.
_VALUE_TEXT = (
    "dataElement",
    "period",
    "orgUnit",
    "categoryOptionCombo",
    "attributeOptionCombo",
    "value",
    "storedBy",
    "lastUpdated",
    "comment",
    "dataSet",
    "completeDate",
)


def _read_json(data: bytes) -> Dhis2Table:
    try:
        # Numbers are kept as written (93.10 stays "93.10", never a float).
        payload = json.loads(
            data.decode("utf-8-sig"),
            parse_float=str,
            parse_int=str,
            parse_constant=_no_constant,
        )
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _json_error() from None
    values = payload.get("dataValues") if isinstance(payload, dict) else None
    if not isinstance(values, list):
        raise _json_error()
    if len(values) > MAX_ROWS:
        raise ImportFileError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    if payload.get("deletion") is not None:
        raise ImportFileError(
            _(
                "该 DHIS2 文件带有 deletion（先按范围删除 DHIS2 中的数值再导入）。"
                "QualityHub 不通过导入删除数值，请去掉 deletion 后再导入。"
            )
        )
    defaults = {key: _json_text(payload.get(key), key, None) for key in _SET_FIELDS}
    strategy = _json_text(payload.get("importStrategy") or payload.get("strategy"), "strategy")
    all_deleted = strategy.strip().upper() == "DELETE"
    table = Dhis2Table(kind="json")
    for number, item in enumerate(values, start=1):
        if not isinstance(item, dict):
            raise ImportFileError(
                _('JSON 中第 %(n)d 个数值不是对象（应为 {"dataElement": ..., "value": ...}）。')
                % {"n": number}
            )
        text = {key: _json_text(item.get(key), key, number) for key in _VALUE_TEXT}
        for key in _SET_FIELDS:
            if not text[key].strip():
                text[key] = defaults[key]
        follow_up = item["followUp"] if "followUp" in item else item.get("followup")
        table.rows.append(
            Dhis2Row(
                row=number,
                data_element=text["dataElement"].strip(),
                period=text["period"].strip(),
                org_unit=text["orgUnit"].strip(),
                value=text["value"],
                comment=text["comment"],
                deleted=all_deleted or _json_flag(item.get("deleted"), "deleted", number),
                category_option_combo=text["categoryOptionCombo"].strip(),
                attribute_option_combo=text["attributeOptionCombo"].strip(),
                stored_by=text["storedBy"],
                last_updated=text["lastUpdated"],
                follow_up=_json_flag(follow_up, "followup", number),
                data_set=text["dataSet"].strip(),
                complete_date=text["completeDate"].strip(),
            )
        )
    return table


def _json_text(value, key: str, number: int | None = None) -> str:
    """A JSON field as text: strings and numbers as written, true/false, null as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _TRUE if value else _FALSE
    if isinstance(value, dict) and key in ("categoryOptionCombo", "attributeOptionCombo"):
        # DHIS2 2.43 also takes a combo as {category: option}: never the default combo.
        return json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        if number is None:
            raise ImportFileError(_("JSON 中的“%(key)s”应为文字或数字。") % {"key": key})
        raise ImportFileError(
            _("JSON 中第 %(n)d 个数值的“%(key)s”应为文字或数字。") % {"n": number, "key": key}
        )
    if len(value) > MAX_CELL_CHARS or "\x00" in value:
        if number is None:
            raise ImportFileError(_("JSON 中的“%(key)s”过长或含有空字符。") % {"key": key})
        raise ImportFileError(
            _("JSON 中第 %(n)d 个数值的“%(key)s”过长或含有空字符。") % {"n": number, "key": key}
        )
    return value


def _json_flag(value, key: str, number: int) -> bool:
    """DHIS2's true/false: a JSON boolean, or the text true/false as its XML and CSV write it."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("", "null", _TRUE, _FALSE):
        return value.strip().lower() == _TRUE
    raise ImportFileError(
        _("JSON 中第 %(n)d 个数值的“%(key)s”应为 true 或 false，而不是“%(value)s”。")
        % {"n": number, "key": key, "value": str(value)[:50]}
    )


# CSV -----------------------------------------------------------------------------------------


def _read_csv(data: bytes) -> Dhis2Table:
    try:
        records = read_table(data)
    except SpreadsheetError as exc:
        raise ImportFileError(str(exc)) from None
    numbered = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ImportFileError(_("文件是空的。"))
    header = _is_header(numbered[0][1])
    if header:
        _check_header(numbered[0][1])
        numbered = numbered[1:]
    elif not _looks_like_values(numbered[0][1]):
        raise ImportFileError(
            _("无法按 DHIS2 数据值 CSV 读取该文件：列的顺序应为 %(columns)s（表头可有可无）。")
            % {"columns": ", ".join(CSV_COLUMNS)}
        )
    table = Dhis2Table(kind="csv", header=header)
    for number, cells in numbered:
        if len(cells) > len(CSV_COLUMNS) and len(_trim(cells)) > len(CSV_COLUMNS):
            raise ImportFileError(
                _("第 %(n)d 行有 %(count)d 列；DHIS2 数据值 CSV 最多 %(max)d 列（%(columns)s）。")
                % {
                    "n": number,
                    "count": len(_trim(cells)),
                    "max": len(CSV_COLUMNS),
                    "columns": ", ".join(CSV_COLUMNS),
                }
            )
        cells = cells + [""] * (len(CSV_COLUMNS) - len(cells))
        (element, period, unit, coc, aoc, value, stored_by, updated, comment) = cells[:9]
        table.rows.append(
            Dhis2Row(
                row=number,
                data_element=element.strip(),
                period=period.strip(),
                org_unit=unit.strip(),
                value=value.strip(),
                comment=comment,
                deleted=_csv_flag(cells[10], "deleted", number),
                category_option_combo=coc.strip(),
                attribute_option_combo=aoc.strip(),
                stored_by=stored_by.strip(),
                last_updated=updated.strip(),
                follow_up=_csv_flag(cells[9], "followup", number),
            )
        )
    return table


def _check_header(cells: list[str]) -> None:
    """Columns after the value must be DHIS2's, in DHIS2's order: they are read by position."""
    for index, cell in enumerate(cells[CSV_REQUIRED:], start=CSV_REQUIRED):
        name = _fold(cell)
        if not name:
            continue
        if index >= len(CSV_COLUMNS) or name not in CSV_HEADER_NAMES[index]:
            raise ImportFileError(
                _(
                    "第 1 行第 %(col)d 列“%(name)s”不是 DHIS2 数据值 CSV 在该位置的列；"
                    "列的顺序应为 %(columns)s。"
                )
                % {"col": index + 1, "name": cell.strip(), "columns": ", ".join(CSV_COLUMNS)}
            )


def _csv_flag(cell: str, name: str, number: int) -> bool:
    text = cell.strip().lower()
    if text in ("", "null", _FALSE):
        return False
    if text == _TRUE:
        return True
    raise ImportFileError(
        _("第 %(n)d 行的 %(name)s 应为 true 或 false，而不是“%(value)s”。")
        % {"n": number, "name": name, "value": cell.strip()[:50]}
    )
