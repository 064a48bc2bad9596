"""Checking a file of reported values: the dry run, which writes nothing.

Reading a file takes two steps. First the tables are found, sheet by sheet (``layout``): the
header, the layout (long or wide), the columns read and ignored, the rows set aside. Then each
value is read for what it means: the indicator and the department by the names people write
(``names``), the period and the value as Excel shows them (``meaning``), against the same rules
as a figure typed in the form (``reports.reporting.rules``). The result, an
:class:`ImportPreview`, is the contract the office confirms: every sheet and what was found in
it, every row skipped and why, every error at its sheet, row and column, every value that would
change (old → new), and the values that look like a scale mistake or lie outside their
expected range (docs/data-quality.md), which need confirming.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from departments.models import Department
from indicators.models import Indicator, Target
from qualityhub.spreadsheets import (
    FORMULA_STARTS,
    Sheet,
    SpreadsheetError,
    cell_text,
    read_workbook,
    undo_neutralise,
)
from reports.models import ReportedValue
from reports.periods import Period
from reports.reporting.rules import range_text
from reports.reporting.selectors import expected_ranges

from .dhis2 import dhis2_skip_reason, is_dhis2, read_dhis2
from .layout import FIELD_LABELS, Record, SheetLayout, find_layout, fold
from .meaning import Missing, PeriodProblem, ValueProblem, read_period, read_value
from .names import NameIndex
from .parsing import ImportFileError

#: Longest a file's check may take before it is refused (split the file).
TIME_LIMIT_SECONDS = 300
#: Changes listed in full on the preview page; beyond this the page gives counts.
CHANGES_SHOWN = 2000
#: A % figure at most this, where the series stood (or, with no earlier figure, the target
#: stands) at least ``SCALE_PREVIOUS``, looks like a fraction typed for a percentage (0.94 for
#: 94 %).
SCALE_FRACTION, SCALE_PREVIOUS = Decimal("1.5"), Decimal(10)


@dataclass
class RowError:
    sheet: str
    row: int  # the file's row number (row 1 is the sheet's first row)
    column: str  # a column letter, or a field's name
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ParsedRow:
    sheet: str
    row: int
    column: str
    indicator: Indicator
    department: Department
    period: str
    value: Decimal
    note: str
    outcome: str = ""  # new | updated | unchanged
    old: Decimal | None = None
    old_note: str = ""


@dataclass
class ImportPreview:
    filename: str
    kind: str = ""  # xlsx | xls | csv | dhis2-json | dhis2-csv
    sheets: list[dict] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)  # {sheet, row, column, reason}
    flags: list[dict] = field(default_factory=list)  # values that need confirming
    unmatched: list[dict] = field(default_factory=list)  # names not found, with suggestions

    @property
    def counts(self) -> dict[str, int]:
        outcomes = [r.outcome for r in self.rows]
        return {
            "new": outcomes.count("new"),
            "updated": outcomes.count("updated"),
            "unchanged": outcomes.count("unchanged"),
            "errors": len(self.errors),
            "skipped": len(self.skipped),
            "flags": len(self.flags),
        }

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def sheets_named(self) -> bool:
        """Whether messages name the sheet (a workbook; a csv or DHIS2 file has one table)."""
        return self.kind in ("xlsx", "xls")

    def changes(self, limit: int = CHANGES_SHOWN) -> list[dict]:
        """The values that would be written (new or changed), old → new, in the file's order."""
        out = []
        for row in self.rows:
            if row.outcome == "unchanged":
                continue
            out.append(
                {
                    "sheet": row.sheet,
                    "row": row.row,
                    "indicator": row.indicator.name_zh,
                    "code": row.indicator.code,
                    "department": str(row.department),
                    "period": row.period,
                    "old": None if row.old is None else _plain(row.old),
                    "new": _plain(row.value),
                    "unit": row.indicator.unit,
                    "outcome": row.outcome,
                }
            )
            if len(out) >= limit:
                break
        return out

    def as_dict(self) -> dict:
        """What the import page shows and keeps with the job."""
        return {
            "kind": self.kind,
            "sheets": self.sheets,
            "errors": [e.as_dict() for e in self.errors[:CHANGES_SHOWN]],
            "skipped": self.skipped[:CHANGES_SHOWN],
            "flags": self.flags[:CHANGES_SHOWN],
            "unmatched": self.unmatched,
            "changes": self.changes(),
            "sheets_named": self.sheets_named,
        }


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def parse_values_file(
    data: bytes,
    filename: str,
    *,
    department: Department | None = None,
    mapping: dict[str, str] | None = None,
) -> ImportPreview:
    """Read and check every sheet and row; nothing is written.

    ``department``, when given, is the department whose return the file is (chosen on the
    page, or ``--department``): its figures are read even where the file names no department,
    and a row of any other department is an error. ``mapping`` maps a header the office has
    named on the import page (folded, see ``layout.fold``) to a field. Raises
    :class:`ImportFileError` for a file that cannot be read at all, or in which no sheet holds
    a table.
    """
    started = time.monotonic()
    preview = ImportPreview(filename=filename)
    if is_dhis2(data):
        layouts = [_dhis2_layout(data, preview)]
    else:
        try:
            workbook = read_workbook(data)
        except SpreadsheetError as exc:
            raise ImportFileError(str(exc)) from None
        preview.kind = workbook.kind
        layouts = [find_layout(sheet, mapping=mapping) for sheet in workbook.sheets]
    preview.sheets = [layout.as_dict() for layout in layouts]
    used = [layout for layout in layouts if layout.status == "used"]
    incomplete = [layout for layout in layouts if layout.status == "incomplete"]
    if not used and not incomplete:
        raise ImportFileError(_no_table_message(layouts))
    for layout in incomplete:
        # Shown with its columns, so that the office can map the one that is missing.
        preview.errors.append(
            RowError(
                layout.name if preview.sheets_named else "",
                layout.header_rows[0],
                _("表头"),
                layout.reason,
            )
        )
    if used and not incomplete and not any(layout.records or layout.skipped for layout in used):
        raise ImportFileError(_("文件只有表头，没有数据行。"))
    names = NameIndex()
    checker = _Checker(preview, names, department, started)
    for layout in used:
        checker.sheet(layout)
    checker.finish()
    return preview


def _no_table_message(layouts: list[SheetLayout]) -> str:
    reasons = "；".join(
        _("工作表“%(name)s”：%(reason)s") % {"name": layout.name, "reason": layout.reason}
        for layout in layouts
    )
    return _(
        "没有找到可导入的数据表。需要一个表头：指标一列，以及数值一列（或按期间分列的数值）。"
        "%(reasons)s"
    ) % {"reasons": reasons}


def _dhis2_layout(data: bytes, preview: ImportPreview) -> SheetLayout:
    """A DHIS2 dataValueSet (JSON or csv) as one long table, every value its own row."""
    table = read_dhis2(data)
    preview.kind = f"dhis2-{table.kind}"
    layout = SheetLayout(name="DHIS2", status="used", layout="long", reason="")
    for row in table.rows:
        reason = dhis2_skip_reason(row)
        if reason:
            layout.skipped.append({"row": row.row, "reason": reason})
            continue
        layout.records.append(
            Record(
                sheet="DHIS2",
                row=row.row,
                column="value",
                indicator=row.data_element,
                department=row.org_unit,
                period=row.period,
                value=row.value,
                percent=False,
                note=row.comment,
                unit="",
                department_from="column",
            )
        )
    return layout


def _value_column(record: Record) -> str:
    """The value's column: 数值（D列）, or in the wide layout the period's column (E列)."""
    if record.letters.get("value") == record.column:
        return _column(record, "value")
    return _("%(label)s（%(letter)s列）") % {
        "label": FIELD_LABELS["value"],
        "letter": record.column,
    }


def _column(record: Record, name: str) -> str:
    """How a message names a column: the field, and the letter it stands in ("期间（C列）")."""
    letter = record.letters.get(name, "")
    label = FIELD_LABELS[name]
    return _("%(label)s（%(letter)s列）") % {"label": label, "letter": letter} if letter else label


class _Checker:
    """Reads each record of the used sheets into a row, an error or a skipped row."""

    def __init__(self, preview: ImportPreview, names: NameIndex, only, started: float):
        self.preview = preview
        self.names = names
        self.only = only
        self.deadline = started + TIME_LIMIT_SECONDS
        self.seen: dict[tuple, tuple[str, int]] = {}
        self.unmatched: dict[tuple[str, str], dict] = {}
        self.periods: dict[tuple, Period] = {}
        self.indicators: dict[str, Indicator | None] = {}
        self.departments: dict[str, Department | None] = {}

    def _where(self, layout: SheetLayout) -> str:
        return layout.name if self.preview.sheets_named else ""

    def sheet(self, layout: SheetLayout) -> None:
        sheet = self._where(layout)
        for skipped in layout.skipped:
            self.preview.skipped.append({"sheet": sheet, "column": "", **skipped})
        sheet_department = None
        if not any(r.department not in ("", None) for r in layout.records[:1]):
            sheet_department = self._department(layout.name)  # one sheet per department
        for index, record in enumerate(layout.records):
            if index % 2000 == 0 and time.monotonic() > self.deadline:
                raise ImportFileError(
                    _("检查超时（超过 %(s)d 秒），请拆分文件后再导入。") % {"s": TIME_LIMIT_SECONDS}
                )
            self.record(record, sheet, sheet_department)

    def error(self, record: Record, sheet: str, column: str, message: str) -> None:
        self.preview.errors.append(RowError(sheet, record.row, column, message))

    def record(self, record: Record, sheet: str, sheet_department) -> None:
        errors_before = len(self.preview.errors)
        indicator_text = cell_text(record.indicator).strip()
        indicator = self._indicator(indicator_text)
        if indicator is None:
            self._not_found(record, sheet, "indicator", indicator_text)

        department = self._row_department(record, sheet, sheet_department)

        period = None
        if indicator is not None:
            period = self._period(record, sheet, indicator)

        value = None
        if indicator is not None:
            try:
                value = read_value(record.value, indicator=indicator, percent=record.percent)
            except ValueProblem as exc:
                self.error(record, sheet, _value_column(record), str(exc))
            else:
                if isinstance(value, Missing):
                    self.preview.skipped.append(
                        {
                            "sheet": sheet,
                            "row": record.row,
                            "column": record.column,
                            "reason": value.reason,
                        }
                    )
                    return
            if record.unit and fold(record.unit) != fold(indicator.unit):
                self.error(
                    record,
                    sheet,
                    _column(record, "unit"),
                    _("计量单位“%(unit)s”与指标“%(indicator)s”的单位“%(own)s”不一致。")
                    % {
                        "unit": record.unit,
                        "indicator": indicator,
                        "own": indicator.unit or _("无"),
                    },
                )

        raw_note = record.note
        if raw_note.startswith(FORMULA_STARTS) and not self.preview.kind.startswith("dhis2"):
            self.error(
                record,
                sheet,
                _column(record, "note"),
                _(
                    "说明以 = + - @ 等符号开头，可能是公式注入，已拒绝；"
                    "如需原样保存文字，请在前面加英文单引号 '。"
                ),
            )
        if len(self.preview.errors) > errors_before:
            return
        note = undo_neutralise(raw_note)  # an exported file's formula-like note, as written
        period_id = period.id
        key = (indicator.id, department.id, period_id)
        if key in self.seen:
            first_sheet, first_row = self.seen[key]
            where = (
                _("工作表“%(s)s”第 %(r)d 行") % {"s": first_sheet, "r": first_row}
                if first_sheet
                else _("第 %(r)d 行") % {"r": first_row}
            )
            self.error(
                record,
                sheet,
                _column(record, "period"),
                _("与%(where)s重复（同一指标、部门和期间）。") % {"where": where},
            )
            return
        self.seen[key] = (sheet, record.row)
        self.preview.rows.append(
            ParsedRow(
                sheet, record.row, record.column, indicator, department, period_id, value, note
            )
        )

    def _indicator(self, text: str) -> Indicator | None:
        if text not in self.indicators:
            self.indicators[text] = self.names.indicator(text) if text else None
        return self.indicators[text]

    def _department(self, text: str) -> Department | None:
        if text not in self.departments:
            self.departments[text] = self.names.department(text) if text else None
        return self.departments[text]

    def _row_department(self, record: Record, sheet: str, sheet_department):
        text = cell_text(record.department).strip()
        if text:
            department = self._department(text)
            if department is None:
                self._not_found(record, sheet, "department", text)
                return None
        elif sheet_department is not None:
            department = sheet_department
        elif self.only is not None:
            return self.only
        else:
            self.error(
                record,
                sheet,
                _column(record, "department"),
                _("没有写明部门：请在文件中加部门列或“填报单位：…”，或在导入页面选择限定部门。"),
            )
            return None
        if self.only is not None and department != self.only:
            self.error(
                record,
                sheet,
                _column(record, "department"),
                _("该行是“%(row)s”的数据，本次导入只接受“%(only)s”的数据。")
                % {"row": department, "only": self.only},
            )
            return None
        return department

    def _period(self, record: Record, sheet: str, indicator: Indicator) -> Period | None:
        if isinstance(record.period, Period):
            return record.period
        raw = record.period
        if raw in ("", None):
            self.error(
                record,
                sheet,
                _column(record, "period"),
                _("没有写明期间：请加期间列，或在表头、标题中写明（例如 2025年第二季度）。"),
            )
            return None
        key = (raw if isinstance(raw, str | int | float) else repr(raw), indicator.frequency)
        if key not in self.periods:
            try:
                self.periods[key] = read_period(raw, frequency=indicator.frequency)
            except PeriodProblem as exc:
                self.periods[key] = None
                self.error(record, sheet, _column(record, "period"), str(exc))
                return None
        period = self.periods[key]
        if period is None:
            self.error(
                record,
                sheet,
                _column(record, "period"),
                _("“%(text)s”不是有效的期间。") % {"text": cell_text(raw)},
            )
        return period

    def _not_found(self, record: Record, sheet: str, kind: str, text: str) -> None:
        key = (kind, text)
        entry = self.unmatched.get(key)
        if entry is None:
            if kind == "indicator":
                found = self.names.indicator_suggestions(text) if text else []
                suggestions = [{"id": i.pk, "code": i.code, "name": i.name_zh} for i in found]
            else:
                found = self.names.department_suggestions(text) if text else []
                suggestions = [{"id": d.pk, "code": d.code, "name": d.name_zh} for d in found]
            entry = self.unmatched[key] = {
                "kind": kind,
                "text": text,
                "suggestions": suggestions,
                "rows": 0,
                "sheet": sheet,
                "row": record.row,
            }
            self.preview.unmatched.append(entry)
        entry["rows"] += 1
        label = FIELD_LABELS[kind]
        column = _column(record, kind)
        if not text:
            message = _("%(label)s为空。") % {"label": label}
        else:
            message = _("找不到%(label)s“%(text)s”。") % {"label": label, "text": text}
            if entry["suggestions"]:
                message += _("您是否指：%(names)s？可在预览中确认。") % {
                    "names": "、".join(s["name"] for s in entry["suggestions"])
                }
        self.error(record, sheet, column, message)

    def finish(self) -> None:
        rows = self.preview.rows
        if not rows:
            return
        # (value, note) of the stored values the file names: tuples, not model instances,
        # since a file read again names 100,000 of them.
        existing = {
            (i, d, p): (value, note)
            for i, d, p, value, note in ReportedValue.objects.filter(
                indicator_id__in={r.indicator.id for r in rows},
                department_id__in={r.department.id for r in rows},
                period__in={r.period for r in rows},
            ).values_list("indicator_id", "department_id", "period", "value", "note")
        }
        for row in rows:
            current = existing.get((row.indicator.id, row.department.id, row.period))
            if current is None:
                row.outcome = "new"
            elif current[0] == row.value and current[1] == row.note:
                row.outcome = "unchanged"
            else:
                row.outcome, (row.old, row.old_note) = "updated", current
        self._flag_scale_mistakes()
        self._flag_outside_expected_range()

    def _flag_scale_mistakes(self) -> None:
        """A % figure of 0.94 where the series stood at 93.5: probably a fraction, not 0.94 %.

        The series is the department's earlier values of the indicator, stored or in this
        file; with none, the indicator's targets (a target of 96.5 % makes 0.94 as doubtful).
        """
        candidates = [
            r
            for r in self.preview.rows
            if r.indicator.unit == "%"
            and 0 < r.value <= SCALE_FRACTION
            and r.outcome != "unchanged"
        ]
        if not candidates:
            return
        condition = Q()
        for row in candidates:
            condition |= Q(indicator_id=row.indicator.pk, department_id=row.department.pk)
        series: dict[tuple, dict[str, Decimal]] = {}
        for indicator_id, department_id, period, value in ReportedValue.objects.filter(
            condition, value__isnull=False
        ).values_list("indicator_id", "department_id", "period", "value"):
            series.setdefault((indicator_id, department_id), {})[period] = value
        keys = set(series) | {(r.indicator.pk, r.department.pk) for r in candidates}
        for row in self.preview.rows:  # the file's own figures stand for what they replace
            key = (row.indicator.id, row.department.id)
            if key in keys:
                series.setdefault(key, {})[row.period] = row.value
        targets: dict[int, tuple[int, Decimal]] = {}
        for indicator_id, year, value in (
            Target.objects.filter(
                indicator_id__in={r.indicator.pk for r in candidates}, value__isnull=False
            )
            .order_by("year")
            .values_list("indicator_id", "year", "value")
        ):
            targets[indicator_id] = (year, value)  # the latest year's
        for row in candidates:
            end = Period.parse(row.period).end
            earlier = sorted(
                (Period.parse(p).end, p, v)
                for p, v in series.get((row.indicator.pk, row.department.pk), {}).items()
                if p != row.period and Period.parse(p).end <= end
            )
            values = {"value": _plain(row.value), "percent": _plain(row.value * 100)}
            if earlier:
                _end, period, previous = earlier[-1]
                if previous < SCALE_PREVIOUS:
                    continue
                message = _(
                    "%(value)s%% 远低于最近一期（%(period)s）的 %(previous)s%%，"
                    "可能把百分数填成了小数（%(value)s 应为 %(percent)s？）。"
                ) % {**values, "period": period, "previous": _plain(previous)}
            elif row.indicator.pk in targets and targets[row.indicator.pk][1] >= SCALE_PREVIOUS:
                year, target = targets[row.indicator.pk]
                period, previous = "", None
                message = _(
                    "%(value)s%% 远低于 %(year)s 年目标 %(target)s%%，"
                    "可能把百分数填成了小数（%(value)s 应为 %(percent)s？）。"
                ) % {**values, "year": year, "target": _plain(target)}
            else:
                continue
            self.preview.flags.append(
                {
                    "sheet": row.sheet,
                    "row": row.row,
                    "column": row.column,
                    "indicator": row.indicator.name_zh,
                    "department": str(row.department),
                    "period": row.period,
                    "value": _plain(row.value),
                    "previous": _plain(previous) if previous is not None else "",
                    "previous_period": period,
                    "message": message,
                }
            )

    def _flag_outside_expected_range(self) -> None:
        """A figure outside the department's expected range: needs confirming, like a scale
        mistake, and is written flagged for the reviewer.

        The range is the one the write will use (``writing.reported_values_import``): the
        office's, or the one computed from the department's approved figures as they will stand
        once the file is written (the file's own figures count), leaving out the row's own
        period. A row already flagged as a scale mistake is not flagged twice.
        """
        rows = [r for r in self.preview.rows if r.outcome != "unchanged"]
        if not rows:
            return
        ranges = expected_ranges(
            ((r.indicator, r.department.id, r.period) for r in rows),
            pending={
                (r.indicator.id, r.department.id, r.period): r.value for r in self.preview.rows
            },
        )
        flagged = {(f["sheet"], f["row"], f["column"]) for f in self.preview.flags}
        for row in rows:
            expected = ranges.get((row.indicator.id, row.department.id, row.period))
            if expected is None or not expected.outside(row.value):
                continue
            if (row.sheet, row.row, row.column) in flagged:
                continue
            values = {"value": _plain(row.value), "range": expected.text}
            if expected.set_by_office:
                message = _(
                    "数值 %(value)s 超出办公室为该部门设定的预期范围（%(range)s），请核对。"
                )
            else:
                message = _("数值 %(value)s 超出该部门历史预期范围（%(range)s），请核对。")
            self.preview.flags.append(
                {
                    "kind": "outlier",
                    "sheet": row.sheet,
                    "row": row.row,
                    "column": row.column,
                    "indicator": row.indicator.name_zh,
                    "department": str(row.department),
                    "period": row.period,
                    "value": _plain(row.value),
                    "previous": "",
                    "previous_period": "",
                    "expected": range_text(expected.low, expected.high),
                    "message": message % values,
                }
            )


def sheets_of(data: bytes) -> list[Sheet]:
    """The sheets of a spreadsheet upload (for a page that shows them before checking)."""
    return read_workbook(data).sheets
