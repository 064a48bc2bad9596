"""Finding the table in each sheet of a file of reported values, as a person would.

A department's return rarely starts at A1 with QualityHub's own headers. Above the table there
may be a title ("2025年第二季度质量强区指标完成情况表") and a block of who filled it in (填报单位：,
填报人：, 联系电话：, 填报日期：); the header may take two rows (2024年 merged over 一季度…四季度);
the periods may run across the columns (the wide layout, one row per indicator) rather than down
a column (the long layout, one value per row); below the table come 合计 rows, 注： footnotes
and signatures. This module finds, for each sheet:

- the header row or rows among the first rows, and the rows above it set aside (title, the
  block of who filled it in), with what they say of the department and the period;
- which column holds what (indicator, department, period, value, note, unit), which columns are
  ignored and why (序号, 目标值, …), and which are not recognised (the office may map them);
- the layout, long or wide, and in the wide layout the period of each value column;
- the data rows, with the rows set aside (blank, totals, footnotes) and why.

It reads no database: what a name or a cell means is for ``checking`` (names, meaning). Every
row and column number here is the file's own (row 1, column A).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from qualityhub.spreadsheets import Sheet, cell_text
from reports.periods import Period

from .meaning import PeriodProblem, find_period_in_text, find_year_in_text, read_period

#: Fields a column may hold. ``unit`` is checked against the indicator's unit and not stored.
FIELDS = ("indicator", "department", "period", "value", "note", "unit")
#: What the office may map an unrecognised column to on the import page.
MAPPABLE = (*FIELDS, "ignore")
FIELD_LABELS = {
    "indicator": "指标",
    "department": "部门",
    "period": "期间",
    "value": "数值",
    "note": "说明",
    "unit": "计量单位",
    "ignore": "不导入",
}

#: Headers as people write them (compared after :func:`fold`). The first word of each field is
#: the one QualityHub's template writes.
HEADER_WORDS = {
    "indicator": [
        "指标",
        "指标名称",
        "指标代码",
        "指标项",
        "指标内容",
        "考核指标",
        "监测指标",
        "质量指标",
        "项目",
        "项目名称",
        "indicator",
        "indicator_code",
        "indicatorcode",
        "dataelement",
        "data_element",
    ],
    "department": [
        "部门",
        "部门名称",
        "部门代码",
        "填报单位",
        "填报部门",
        "报送单位",
        "责任单位",
        "责任部门",
        "牵头单位",
        "牵头部门",
        "单位名称",
        "department",
        "department_code",
        "orgunit",
        "org_unit",
    ],
    "period": [
        "期间",
        "时期",
        "报告期",
        "统计期",
        "统计期间",
        "填报期间",
        "报告期间",
        "时间",
        "统计时间",
        "年度季度",
        "period",
    ],
    "value": [
        "数值",
        "值",
        "指标值",
        "本期数值",
        "本期值",
        "本期数",
        "当期值",
        "完成值",
        "实际值",
        "实际完成",
        "实际完成值",
        "完成数",
        "统计值",
        "数据",
        "value",
    ],
    "note": [
        "说明",
        "备注",
        "情况说明",
        "备注说明",
        "原因说明",
        "note",
        "notes",
        "comment",
    ],
    "unit": ["计量单位", "单位", "unit"],
}
#: Columns a person adds that QualityHub does not need, and why each is read past.
IGNORED_WORDS = {
    "序号": "序号",
    "编号": "序号",
    "no": "序号",
    "no.": "序号",
    "目标值": "目标值（目标以目录为准）",
    "目标": "目标值（目标以目录为准）",
    "规划目标": "目标值（目标以目录为准）",
    "预期目标": "目标值（目标以目录为准）",
    "上期数值": "上期数值（以已有记录为准）",
    "上期值": "上期数值（以已有记录为准）",
    "上年同期": "上年同期（以已有记录为准）",
    "去年同期": "上年同期（以已有记录为准）",
    "同比": "同比（由系统计算）",
    "同比增长": "同比（由系统计算）",
    "增幅": "增幅（由系统计算）",
    "完成率": "完成率（由系统计算）",
    "完成进度": "完成进度（由系统计算）",
    "联系人": "联系人",
    "联系电话": "联系电话",
    "填报人": "填报人",
    "storedby": "DHIS2 storedby",
    "lastupdated": "DHIS2 lastupdated",
    "created": "DHIS2 created",
    "followup": "DHIS2 followup",
    "categoryoptioncombo": "DHIS2 categoryoptioncombo",
    "attributeoptioncombo": "DHIS2 attributeoptioncombo",
    "单位名称": "单位名称",
}
#: The block above a table: who filled it in. A cell "填报单位：市场监管局" (or the label in one
#: cell and the name in the next) names the department.
INFO_LABELS = {
    "department": ("填报单位", "报送单位", "填报部门", "单位名称", "单位"),
    "other": (
        "填报人",
        "联系人",
        "联系电话",
        "电话",
        "填报日期",
        "报送日期",
        "日期",
        "审核人",
        "负责人",
        "制表人",
        "单位负责人",
        "盖章",
    ),
}
#: A row below the table whose first text begins so is a footnote or a signature.
FOOTNOTE_STARTS = (
    "注",
    "说明：",
    "说明:",
    "备注：",
    "备注:",
    "填表说明",
    "填报说明",
    "数据来源",
    "资料来源",
    "制表",
    "填报人",
    "审核人",
    "负责人",
    "单位负责人",
    "联系电话",
    "联系人",
    "填报日期",
)
#: Totals rows: their numbers add other rows up and are not a figure of their own.
TOTAL_WORDS = ("合计", "总计", "小计", "全区合计", "全区总计", "共计", "总和")
#: Sheet names that mean "instructions" even when the sheet holds a table-like block.
INSTRUCTION_SHEETS = ("说明", "填报说明", "填写说明", "填表说明", "使用说明", "instructions")
#: How many rows from the top a header may start at.
HEADER_SEARCH_ROWS = 30


def fold(text) -> str:
    """A header or label as compared: NFKC, no spaces or brackets' content, lower case."""
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    text = re.sub(r"\s+", "", text)
    return text


def _without_brackets(text: str) -> str:
    """ "数值（%）" → "数值"; "指标名称(单位)" → "指标名称"."""
    return re.sub(r"[（(\[【][^）)\]】]*[）)\]】]$", "", text)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Column:
    """A column of the table: where it is, what its header says, what QualityHub reads in it."""

    index: int  # 0-based
    header: str
    field: str | None = None  # one of FIELDS, or None
    period: Period | None = None  # a value column of the wide layout
    ignored: str = ""  # why it is read past
    mapped: bool = False  # the office mapped it on the import page

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Record:
    """One value to read: a cell of the long layout's value column, or of a wide period column.

    ``period`` is a Period when the layout gave it (a wide column, the sheet's title), else the
    raw period cell. ``department`` is the raw department text, from the row's column or from
    the sheet's context.
    """

    sheet: str
    row: int  # the file's row number
    column: str  # the value's column letter
    indicator: object
    department: object
    period: object
    value: object
    percent: bool
    note: str
    unit: str
    department_from: str  # column | title | sheet | page | none
    #: field → the letter of the column it was read from (for messages: "期间（C列）").
    letters: dict[str, str] = field(default_factory=dict)


@dataclass
class SheetLayout:
    """What was found in one sheet, for the preview and for reading its records."""

    name: str
    status: str = "skipped"  # used | skipped
    reason: str = ""
    layout: str = ""  # long | wide
    header_rows: list[int] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    set_aside: list[dict] = field(default_factory=list)  # {row, kind, text}
    skipped: list[dict] = field(default_factory=list)  # {row, reason}
    blank_rows: int = 0
    context_department: str = ""
    context_period: Period | None = None
    context_year: int | None = None
    records: list[Record] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "layout": self.layout,
            "header_rows": self.header_rows,
            "columns": [
                {
                    "letter": c.letter,
                    "header": c.header,
                    "field": c.field or "",
                    "period": c.period.id if c.period else "",
                    "ignored": c.ignored,
                    "mapped": c.mapped,
                }
                for c in self.columns
            ],
            "set_aside": self.set_aside,
            "skipped": self.skipped,
            "blank_rows": self.blank_rows,
            "department": self.context_department,
            "period": self.context_period.id if self.context_period else "",
            "records": len(self.records),
        }

    @property
    def unrecognised(self) -> list[Column]:
        return [c for c in self.columns if c.field is None and not c.ignored and c.header]


def _texts(row: list) -> list[str]:
    return [cell_text(c).strip() if not isinstance(c, str) else c.strip() for c in row]


def _header_field(label: str, mapping: dict[str, str]) -> tuple[str | None, str]:
    """(field, reason ignored) of a header label: the office's mapping first, then the words."""
    key = fold(label)
    if not key:
        return None, ""
    if key in mapping:
        chosen = mapping[key]
        return (None, _("已设为不导入")) if chosen == "ignore" else (chosen, "")
    bare = _without_brackets(key)
    for name, words in _FOLDED_WORDS.items():
        if key in words or bare in words:
            return name, ""
    for word, reason in IGNORED_WORDS.items():
        if key == word or bare == word:
            return None, reason
    return None, ""


_FOLDED_WORDS = {name: {fold(w) for w in words} for name, words in HEADER_WORDS.items()}


def _period_label(text: str, year: int | None) -> Period | None:
    """The period a header cell names (2024年一季度, 2024Q1, 一季度 under a year), or None."""
    if not text or len(text) > 40:
        return None
    try:
        return read_period(text, year=year)
    except PeriodProblem:
        return None


def _merged_parents(sheet: Sheet, row: int) -> dict[int, str]:
    """Column → the text of a merged cell spanning it in ``row`` (a year over its quarters)."""
    parents = {}
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= row <= r1 and c1 > c0:
            text = cell_text(sheet.rows[r0][c0]).strip() if c0 < len(sheet.rows[r0]) else ""
            for column in range(c0, c1 + 1):
                parents[column] = text
    return parents


@dataclass
class _Header:
    first: int
    last: int
    columns: list[Column]


def _try_header(
    sheet: Sheet,
    texts: list[list[str]],
    row: int,
    mapping: dict,
    year: int | None,
    partial: list | None = None,
) -> _Header | None:
    """The table's header if it starts at ``row`` (one row, or two with periods under a year)."""
    labels = texts[row]
    if sum(1 for t in labels if t) < 2:
        return None
    below = texts[row + 1] if row + 1 < len(texts) else []
    parents = _merged_parents(sheet, row)
    columns = []
    two_rows = False
    width = max(len(labels), len(below))
    last_parent = ""
    for index in range(width):
        label = labels[index] if index < len(labels) else ""
        under = below[index] if index < len(below) else ""
        parent = parents.get(index, "")
        if label:
            last_parent = label
        # A year over quarters: "2024年" merged (or standing alone) over 一季度…四季度.
        parent_year = find_year_in_text(parent or (label or last_parent))
        if under and parent_year and not _header_field(under, mapping)[0]:
            period = _period_label(under, parent_year)
            if period is not None:
                columns.append(Column(index, f"{parent or last_parent} {under}", period=period))
                two_rows = True
                continue
        field_, ignored = _header_field(label, mapping)
        column = Column(index, label, field=field_, ignored=ignored)
        if field_ is None and not ignored and label:
            column.period = _period_label(label, year)
            if column.period is not None:
                column.field = "value"
        column.mapped = fold(label) in mapping
        columns.append(column)
    fields = {c.field for c in columns if c.field and not c.period}
    periods = [c for c in columns if c.period]
    if "indicator" not in fields or not ("value" in fields or periods):
        if (
            partial is not None
            and fields
            and any(c.header and not c.field and not c.ignored for c in columns)
        ):
            partial.append(_Header(row, row, columns))
        return None
    if two_rows:
        # Cells of the second header row under ordinary headers belong to the header too.
        for column in columns:
            if not column.period and not column.header and column.index < len(below):
                column.header = below[column.index]
                column.field, column.ignored = _header_field(column.header, mapping)
    return _Header(row, row + 1 if two_rows else row, columns)


def _info(text: str) -> tuple[str, str] | None:
    """("department" | "other", the value) of a cell of the block above the table."""
    folded = fold(text)
    for kind, labels in INFO_LABELS.items():
        for label in labels:
            if folded.startswith(label):
                rest = re.sub(
                    r"^[:：\s]+", "", unicodedata.normalize("NFKC", text).strip()[len(label) :]
                )
                return kind, rest.strip("（）() ")
    return None


def _assign_fields(columns: list[Column]) -> None:
    """One column per field: a second column for the same field is read past, saying so."""
    seen: dict[str, Column] = {}
    for column in columns:
        if column.field and not column.period:
            if column.field in seen:
                column.ignored = _("与 %(col)s 列（%(header)s）重复") % {
                    "col": seen[column.field].letter,
                    "header": seen[column.field].header,
                }
                column.field = None
            else:
                seen[column.field] = column


def find_layout(
    sheet: Sheet,
    *,
    mapping: dict[str, str] | None = None,
) -> SheetLayout:
    """Find the table of one sheet: its header, columns, layout, context and data rows."""
    mapping = mapping or {}
    result = SheetLayout(name=sheet.name)
    if sheet.chart:
        result.reason = _("图表工作表，没有单元格")
        return result
    texts = [_texts(row) for row in sheet.rows[: HEADER_SEARCH_ROWS + 2]]
    if not any(any(t for t in row) for row in texts):
        result.reason = _("工作表是空的")
        return result
    if sheet.hidden:
        # What a sheet hidden in Excel holds (lists behind drop-downs, last quarter's copy) is
        # not what the sender sees as the return; it is listed, not read.
        result.reason = _("隐藏的工作表，未读取；如需导入，请在 Excel 中取消隐藏后重新上传")
        return result

    # Context above the table: a title with a period, a block naming the department.
    context_texts: list[str] = []
    header = None
    partial: list[_Header] = []  # a header-like row that lacks a field the office may map
    for row in range(min(len(texts), HEADER_SEARCH_ROWS)):
        year = None
        for text in context_texts:
            year = year or find_year_in_text(text)
        header = _try_header(sheet, texts, row, mapping, year, partial)
        if header is not None:
            break
        cells = [t for t in texts[row] if t]
        if not cells:
            continue
        kind = "title"
        for index, text in enumerate(cells):
            info = _info(text)
            if info is None:
                continue
            kind = "info"
            label, value = info
            if not value and index + 1 < len(cells):
                value = cells[index + 1]  # the label in one cell, the name in the next
            if label == "department" and value and not result.context_department:
                result.context_department = value
        result.set_aside.append({"row": row + 1, "kind": kind, "text": " ".join(cells)[:200]})
        context_texts.append(" ".join(cells))

    name_folded = fold(sheet.name)
    if header is None:
        if partial and not any(w in name_folded for w in INSTRUCTION_SHEETS):
            # A header is there, but a column QualityHub needs is not recognised: the office
            # can say which column it is on the import page.
            found = partial[0]
            result.status = "incomplete"
            result.columns = found.columns
            result.header_rows = [found.first + 1]
            have = {c.field for c in found.columns if c.field}
            missing = [FIELD_LABELS[f] for f in ("indicator", "value") if f not in have]
            result.reason = _(
                "第 %(row)d 行像是表头，但没有识别出%(missing)s列；"
                "请在“未识别的列”中指定哪一列是%(missing)s"
            ) % {"row": found.first + 1, "missing": "、".join(missing)}
            result.set_aside = []
            return result
        result.reason = (
            _("说明页，没有数据表")
            if any(w in name_folded for w in INSTRUCTION_SHEETS)
            else _("前 %(n)d 行中没有找到表头（需有指标列，以及数值列或期间列）")
            % {"n": HEADER_SEARCH_ROWS}
        )
        result.set_aside = []
        return result

    for text in context_texts:
        result.context_period = result.context_period or find_period_in_text(text)
        result.context_year = result.context_year or find_year_in_text(text)
    result.header_rows = list(range(header.first + 1, header.last + 2))
    columns = header.columns
    _assign_fields(columns)
    result.columns = columns
    periods = [c for c in columns if c.period]
    by_field = {c.field: c for c in columns if c.field and not c.period}
    result.layout = "wide" if periods and "value" not in by_field else "long"
    if result.layout == "long":
        periods = []  # a value column's header that happens to name a period is its period
        value_column = by_field["value"]
        if value_column.period is None:
            value_column.period = _period_label(value_column.header, result.context_year)
    result.status = "used"
    _read_rows(sheet, result, header.last + 1, by_field, periods)
    return result


def _read_rows(
    sheet: Sheet,
    result: SheetLayout,
    first: int,
    by_field: dict[str, Column],
    periods: list[Column],
) -> None:
    """The data rows below the header: records, and the rows set aside or skipped."""
    indicator = by_field["indicator"].index
    department = by_field.get("department")
    period = by_field.get("period")
    value = by_field.get("value")
    note = by_field.get("note")
    unit = by_field.get("unit")
    text_columns = sorted(
        {c.index for c in by_field.values() if c.field in ("indicator", "department")}
        | ({min(c.index for c in result.columns)} if result.columns else set())
    )
    in_footnotes = False
    percent = sheet.percent
    letters = {name: column.letter for name, column in by_field.items()}
    # Worked out once per sheet, not once per row or value: a sheet may hold 100,000 values,
    # and its names repeat (whether a name is a totals word is looked up once per name).
    period_columns = [(column, column.letter) for column in periods]
    value_letter = value.letter if value is not None else ""
    totals: dict[str, bool] = {}

    def is_total(text: str) -> bool:
        found = totals.get(text)
        if found is None:
            found = totals[text] = _is_total(text)
        return found

    for number, row in enumerate(sheet.rows[first:], start=first):
        if not any(c != "" and c is not None for c in row):
            result.blank_rows += 1
            continue
        first_text = next((t for t in map(_stripped, row) if t), "")
        if in_footnotes or first_text.startswith(FOOTNOTE_STARTS):
            in_footnotes = True
            result.set_aside.append(
                {"row": number + 1, "kind": "footnote", "text": first_text[:200]}
            )
            continue
        labels = [_stripped(row[i]) for i in text_columns if i < len(row)]
        total = next((t for t in labels if is_total(t)), None)
        if total is not None:
            result.skipped.append(
                {"row": number + 1, "reason": _("合计行（%(t)s），不是单独的数值") % {"t": total}}
            )
            continue

        def cell(column: Column | None, row=row):
            if column is None or column.index >= len(row):
                return ""
            return row[column.index]

        common = {
            "letters": letters,
            "sheet": sheet.name,
            "row": number + 1,
            "indicator": row[indicator] if indicator < len(row) else "",
            "department": cell(department) if department else result.context_department,
            "note": cell_text(cell(note)).strip() if note else "",
            "unit": cell_text(cell(unit)).strip() if unit else "",
            "department_from": "column"
            if department
            else ("title" if result.context_department else "none"),
        }
        if periods:
            for column, letter in period_columns:
                raw = cell(column)
                if raw == "" or raw is None:
                    continue
                result.records.append(
                    Record(
                        **common,
                        column=letter,
                        period=column.period,
                        value=raw,
                        percent=(number, column.index) in percent,
                    )
                )
            continue
        raw_period = cell(period) if period else (value.period or result.context_period)
        result.records.append(
            Record(
                **common,
                column=value_letter,
                period=raw_period if raw_period not in ("", None) else "",
                value=cell(value),
                percent=(number, value.index) in percent,
            )
        )


def _stripped(cell) -> str:
    """:func:`cell_text`, stripped (a text cell, the usual one, as it is)."""
    return cell.strip() if cell.__class__ is str else cell_text(cell).strip()


def _is_total(text: str) -> bool:
    folded = fold(text)
    return bool(folded) and any(folded == w or folded.startswith(w) for w in TOTAL_WORDS)
