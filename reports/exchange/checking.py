"""Checking a file of reported values row by row: the dry run, which writes nothing.

Indicators and departments are found by code or by name (today's or a historical one); values
are read as people type them (``93.71%``, ``９３．７１``, ``1,576.43``) and must meet the same
rules as a figure typed in the form (``reports.reporting.rules``). Row numbers are the file's
own, blank rows counted, so the office can find a row the preview names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from departments.models import Department, DepartmentAlias
from departments.selectors import current_department_ids
from indicators.models import Indicator
from qualityhub.numbers import parse_number
from qualityhub.spreadsheets import undo_neutralise
from reports.models import ReportedValue
from reports.reporting.rules import value_problem

from .parsing import (
    LABELS,
    ImportFileError,
    fold,
    formula_cell,
    is_json,
    map_headers,
    parse_period_text,
    read_rows,
)

#: Longest a file's check may take before it is refused (split the file).
TIME_LIMIT_SECONDS = 300


@dataclass
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    indicator: Indicator
    department: Department
    period: str
    value: Decimal
    note: str
    outcome: str = ""  # new | updated | unchanged


@dataclass
class ImportPreview:
    filename: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        outcomes = [r.outcome for r in self.rows]
        return {
            "new": outcomes.count("new"),
            "updated": outcomes.count("updated"),
            "unchanged": outcomes.count("unchanged"),
            "errors": len(self.errors),
        }

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


class _Lookup:
    """Indicators by code or name; departments by code, name or any alias, resolved to today's."""

    def __init__(self):
        self.indicators = {}
        for indicator in Indicator.objects.all():
            self.indicators[fold(indicator.code)] = indicator
            self.indicators.setdefault(fold(indicator.name_zh), indicator)
        by_pk = {d.pk: d for d in Department.objects.all()}
        today = current_department_ids()
        self.departments = {}
        for department in by_pk.values():
            for name in (department.code, department.name_zh, department.short_name_zh):
                if name:
                    self.departments.setdefault(fold(name), by_pk[today[department.pk]])
        for alias, dept_id in DepartmentAlias.objects.values_list("name", "department_id"):
            self.departments.setdefault(fold(alias), by_pk[today[dept_id]])


def parse_values_file(
    data: bytes, filename: str, *, department: Department | None = None
) -> ImportPreview:
    """Read and check every row; nothing is written. Raises ImportFileError for the whole file.

    ``department``, when given, limits the file to that department's figures (a department's
    return sent to the office): a row of any other department is an error. Who may import is
    checked where the file is written (``reports.exchange.services.import_values``).
    """
    return check_rows(
        read_rows(data), filename, spreadsheet=not is_json(data), department=department
    )


def check_rows(
    rows: list[list[str]],
    filename: str,
    *,
    spreadsheet: bool = True,
    department: Department | None = None,
) -> ImportPreview:
    """Check a file's cells (header first); row numbers are the file's own, blank rows counted."""
    numbered = [(n, r) for n, r in enumerate(rows, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise ImportFileError(_("文件是空的。"))
    columns = map_headers(numbered[0][1])
    if len(numbered) == 1:
        raise ImportFileError(_("文件只有表头，没有数据行。"))
    lookup = _Lookup()
    preview = ImportPreview(filename=filename)
    seen: dict[tuple, int] = {}
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    for number, cells in numbered[1:]:
        if time.monotonic() > deadline:
            raise ImportFileError(
                _("检查超时（超过 %(s)d 秒），请拆分文件后再导入。") % {"s": TIME_LIMIT_SECONDS}
            )
        injected = formula_cell(cells, columns) if spreadsheet else None
        if injected:
            preview.errors.append(
                RowError(
                    number,
                    LABELS[injected],
                    _(
                        "单元格以 = + - @ 等符号开头，可能是公式注入，已拒绝；"
                        "如需原样保存文字，请在前面加英文单引号 '。"
                    ),
                )
            )
            continue

        def cell(name, cells=cells):
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        errors_before = len(preview.errors)
        indicator = lookup.indicators.get(fold(cell("indicator")))
        if indicator is None:
            preview.errors.append(
                RowError(
                    number,
                    "指标",
                    _("找不到指标“%(v)s”（可填代码或名称）。") % {"v": cell("indicator")},
                )
            )
        row_department = lookup.departments.get(fold(cell("department")))
        if row_department is None:
            preview.errors.append(
                RowError(
                    number,
                    "部门",
                    _("找不到部门“%(v)s”（可填代码、现名或原名）。") % {"v": cell("department")},
                )
            )
        elif department is not None and row_department != department:
            preview.errors.append(
                RowError(
                    number,
                    "部门",
                    _("该行是“%(row)s”的数据，本次导入只接受“%(only)s”的数据。")
                    % {"row": row_department, "only": department},
                )
            )
        try:
            period = parse_period_text(cell("period"))
        except ValidationError as exc:
            preview.errors.append(RowError(number, "期间", exc.messages[0]))
            period = None
        value = None
        if indicator is not None:
            try:
                value = parse_number(cell("value"), unit=indicator.unit)
                if value is None:
                    raise ValidationError(_("数值为空。"))
                if problem := value_problem(indicator, value):
                    raise ValidationError(problem)
            except ValidationError as exc:
                preview.errors.append(RowError(number, "数值", exc.messages[0]))
        if len(preview.errors) > errors_before:
            continue
        key = (indicator.pk, row_department.pk, period.id)
        if key in seen:
            preview.errors.append(
                RowError(
                    number,
                    "期间",
                    _("与第 %(r)d 行重复（同一指标、部门和期间）。") % {"r": seen[key]},
                )
            )
            continue
        seen[key] = number
        note = undo_neutralise(cell("note"))  # an exported file's formula-like note
        preview.rows.append(ParsedRow(number, indicator, row_department, period.id, value, note))

    existing = {
        (v.indicator_id, v.department_id, v.period): v
        for v in ReportedValue.objects.filter(
            indicator_id__in={r.indicator.pk for r in preview.rows},
            department_id__in={r.department.pk for r in preview.rows},
            period__in={r.period for r in preview.rows},
        )
    }
    for row in preview.rows:
        current = existing.get((row.indicator.pk, row.department.pk, row.period))
        if current is None:
            row.outcome = "new"
        elif current.value == row.value and current.note == row.note:
            row.outcome = "unchanged"
        else:
            row.outcome = "updated"
    return preview
