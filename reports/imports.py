"""Importing reported values from spreadsheets as they really arrive.

xlsx or csv (UTF-8 with or without BOM, or GBK/GB18030 as a Chinese-locale Excel saves it);
headers in Chinese or English, in any order; values such as ``93.71%``, ``９３．７１`` or
``1,576.43``; indicators and departments by code or by name (today's or a historical one);
periods as ``2024Q3``, ``2024-Q3`` or ``2024年第三季度``.

``parse_values_file`` reads and checks every row and writes nothing; ``import_values`` writes a
file that has no error, in one transaction, through the same service as the web form, so every
imported value enters the history with who, when and which file.
"""

from __future__ import annotations

import csv
import io
import re
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import OperationalError
from django.utils.translation import gettext as _

from departments.models import Department, DepartmentAlias
from departments.selectors import current_department_ids
from indicators.models import Indicator
from qualityhub.spreadsheets import FORMULA_STARTS, undo_neutralise

from .models import ReportedValue
from .numbers import decimal_places, parse_number
from .periods import Period

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000

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


def _fold(text) -> str:
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
            return Period(year)
        if kind == "H":
            return Period(year, "S", 1 if match[2] == "上" else 2)
        return Period(year, kind, _CN_NUMBERS[match[2]])
    raise ValidationError(
        _("“%(text)s”不是有效的期间，请写作 2024Q3、2024-Q3、2024年第三季度 或 2024。")
        % {"text": text}
    )


def read_rows(data: bytes, filename: str) -> list[list[str]]:
    """The file's cells as text, header first; the type is decided by content, not by name."""
    if not data:
        raise ImportFileError(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("这是旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再导入。"))
    if data.lstrip()[:1] == b"{":
        return _read_dhis2_json(data)
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("无法识别的文件类型：请上传 .xlsx 或 CSV 文件。"))
    return _read_csv(data)


MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
TIME_LIMIT_SECONDS = 300


def _check_zip(data: bytes) -> None:
    """Refuse an xlsx whose members would unpack to far more than the file (a zip bomb)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏。")) from None
    unpacked = sum(m.file_size for m in members)
    ratios = [m.file_size / max(m.compress_size, 1) for m in members]
    if unpacked > MAX_UNPACKED_BYTES or (ratios and max(ratios) > MAX_RATIO and unpacked > 10**7):
        raise ImportFileError(_("该 Excel 文件解压后异常巨大，疑似压缩炸弹，已拒绝。"))


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text, read with calamine (Rust), many times faster than openpyxl.

    calamine's XML reader expands no entity a file defines, so the billion-laughs attack has
    nothing to expand; the zip-bomb check runs first.
    """
    from python_calamine import CalamineError, CalamineWorkbook

    _check_zip(data)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        if sheet.height > MAX_ROWS + 1:
            raise ImportFileError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
        return [[cell_text(cell) for cell in row] for row in sheet.iter_rows()]
    except (CalamineError, ValueError, IndexError, OSError):
        raise ImportFileError(_("无法读取该 Excel 文件，文件可能已损坏。")) from None


def cell_text(cell) -> str:
    """A cell as the text a person typed: 2019 rather than 2019.0, 93.71 rather than 93.710000."""
    if cell is None:
        return ""
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return format(Decimal(repr(cell)), "f")  # never 1e-05
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    return str(cell)


def _read_dhis2_json(data: bytes) -> list[list[str]]:
    """A DHIS2 dataValueSet in JSON, as rows with DHIS2's own column names."""
    import json

    try:
        payload = json.loads(data.decode("utf-8-sig"))
        values = payload["dataValues"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise ImportFileError(_("无法读取该 JSON 文件：应为 DHIS2 dataValueSet 格式。")) from None
    header = ["dataelement", "period", "orgunit", "value", "comment"]
    keys = ["dataElement", "period", "orgUnit", "value", "comment"]
    rows = [header]
    for item in values:
        if not isinstance(item, dict):
            raise ImportFileError(_("无法读取该 JSON 文件：应为 DHIS2 dataValueSet 格式。"))
        rows.append([str(item.get(k) if item.get(k) is not None else "") for k in keys])
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV。")
                ) from None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    return rows


def _map_headers(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _fold(cell)
        for canonical, names in HEADERS.items():
            if key in {_fold(n) for n in names} and canonical not in columns:
                columns[canonical] = index
    missing = [LABELS[c] for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(cols)s。表头可用中文（指标、部门、期间、数值、说明）或英文。")
            % {"cols": "、".join(missing)}
        )
    known = {_fold(n) for names in HEADERS.values() for n in names} | {
        _fold(n) for n in IGNORED_HEADERS
    }
    unknown = [cell for cell in header if cell.strip() and _fold(cell) not in known]
    if unknown:
        raise ImportFileError(
            _("无法识别的列：%(cols)s。可用的列：指标、部门、期间、数值、说明。")
            % {"cols": "、".join(unknown)}
        )
    return columns


#: A whole cell that is only a signed number (-3.5, +1,576, -12%): not a formula. "-2+3+cmd|…"
#: begins like a number but is one.
_SIGNED_NUMBER = re.compile(r"^[+-]\s*(\d[\d,]*(\.\d*)?|\.\d+)\s*%?$")


def _formula_cell(cells: list[str], columns: dict[str, int]) -> str | None:
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


class _Lookup:
    """Indicators by code or name; departments by code, name or any alias, resolved to today's."""

    def __init__(self):
        self.indicators = {}
        for indicator in Indicator.objects.all():
            self.indicators[_fold(indicator.code)] = indicator
            self.indicators.setdefault(_fold(indicator.name_zh), indicator)
        by_pk = {d.pk: d for d in Department.objects.all()}
        today = current_department_ids()
        self.departments = {}
        for department in by_pk.values():
            for name in (department.code, department.name_zh, department.short_name_zh):
                if name:
                    self.departments.setdefault(_fold(name), by_pk[today[department.pk]])
        for alias, dept_id in DepartmentAlias.objects.values_list("name", "department_id"):
            self.departments.setdefault(_fold(alias), by_pk[today[dept_id]])


def parse_values_file(
    data: bytes, filename: str, *, user=None, department: Department | None = None
) -> ImportPreview:
    """Read and check every row; nothing is written. Raises ImportFileError for the whole file.

    ``department``, when given, limits the file to that department's figures (a department's
    return sent to the office): a row of any other department is an error.
    """
    check_importer(user)
    # Formula injection is a spreadsheet's risk; a DHIS2 JSON file is data, read as it is.
    spreadsheet = data.lstrip()[:1] != b"{"
    return check_rows(
        read_rows(data, filename), filename, spreadsheet=spreadsheet, department=department
    )


def check_importer(user) -> None:
    """Only the office and administrators import reported values (``None``: the command line)."""
    from departments.access import is_office

    if user is not None and not is_office(user):
        raise ImportFileError(_("只有领导小组办公室和系统管理员可以导入填报数值。"))


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
    columns = _map_headers(numbered[0][1])
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
        injected = _formula_cell(cells, columns) if spreadsheet else None
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
        indicator = lookup.indicators.get(_fold(cell("indicator")))
        if indicator is None:
            preview.errors.append(
                RowError(
                    number,
                    "指标",
                    _("找不到指标“%(v)s”（可填代码或名称）。") % {"v": cell("indicator")},
                )
            )
        row_department = lookup.departments.get(_fold(cell("department")))
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
                if not indicator.in_range(value):
                    raise ValidationError(
                        _("%(v)s 超出指标“%(i)s”的有效范围。")
                        % {"v": cell("value"), "i": indicator}
                    )
                if decimal_places(value) > indicator.decimals:
                    raise ValidationError(_("最多保留 %(n)d 位小数。") % {"n": indicator.decimals})
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


def import_values(preview: ImportPreview, *, acting_user, on_progress=None) -> dict[str, int]:
    """Write a checked file: all of it or, if anything fails, none of it.

    The counts returned are what was written, read afresh under lock: a value changed by
    someone else since the preview is compared as it is now. ``on_progress(rows_done)`` is
    called as the rows are written and at the end.
    """
    from .services import ImportedValue, reported_values_import

    if not preview.ok:
        raise ImportFileError(_("文件有错误，未导入任何数据。"))
    rows = [
        ImportedValue(r.row, r.indicator.pk, r.department.pk, r.period, r.value, r.note)
        for r in preview.rows
    ]
    try:
        counts = reported_values_import(
            rows, acting_user=acting_user, filename=preview.filename, on_progress=on_progress
        )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        raise ImportFileError(
            _("写入超时（可能有另一个导入正在进行），未导入任何数据，请稍后重试。")
        ) from exc
    return {**counts, "errors": 0}


# --- Import jobs (the web page and the background task) -----------------------------------


def import_job_check(job) -> None:
    """Dry run of a job's file: store counts and row errors for the preview page."""
    from .models import ImportJob

    try:
        job.file.open("rb")
        data = job.file.read()
        job.file.close()
        preview = parse_values_file(
            data, job.filename, user=job.created_by, department=job.department
        )
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=str(exc), counts={"errors": 1}
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.PREVIEWED,
        counts=preview.counts,
        errors=[{"row": e.row, "column": e.column, "message": e.message} for e in preview.errors],
        total=len(preview.rows),
        message="",
    )


def import_job_run(job) -> None:
    """Write a previewed job's file (all or nothing), recording progress as it goes."""
    from .models import ImportJob

    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.IMPORTING, processed=0
    )
    if not claimed:
        return  # already imported, or being imported by another delivery of the task
    job.refresh_from_db()
    job.file.open("rb")
    data = job.file.read()
    job.file.close()
    try:
        preview = parse_values_file(
            data, job.filename, user=job.created_by, department=job.department
        )
        counts = _import_with_progress(preview, job)
    except ImportFileError as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=str(exc))
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, counts=counts, processed=len(preview.rows)
    )


def _import_with_progress(preview: ImportPreview, job) -> dict[str, int]:
    """Import a job's file, writing its progress where the page can see it mid-transaction.

    Progress goes through a second, autocommitting connection (PostgreSQL only: SQLite, the
    embedded mode, allows one writer at a time).
    """
    from django.db import connection, connections

    from .models import ImportJob

    if connection.vendor != "postgresql":
        return import_values(preview, acting_user=job.created_by)
    progress = connections.create_connection("default")

    def report(done: int) -> None:
        with progress.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed = %s WHERE id = %s",
                [done, job.pk],
            )

    try:
        return import_values(preview, acting_user=job.created_by, on_progress=report)
    finally:
        progress.close()
