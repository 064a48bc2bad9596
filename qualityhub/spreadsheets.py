"""Spreadsheets in and out: the one place every file QualityHub reads or writes goes through.

Writing: text that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading apostrophe, in csv and xlsx
alike. Numbers (``Decimal``, ``int``, ``float``) stay numbers: plain digits in csv, numeric cells
in xlsx. :func:`write_csv` and :func:`write_xlsx` write one table; :class:`XlsxBook` builds a
workbook of several sheets with titles, bold headers and column widths (the scorecards, the
import templates), with the same cells.

Reading: :func:`read_table` turns an uploaded xlsx or csv into rows of text, deciding the type by
content rather than by name. Before anything is unpacked or allocated, the file is measured: its
size, what its zip members would unpack to (a zip bomb), and how far the cells of its sheets
reach (a sheet with one cell at A1 and one at XFD1048576 would otherwise make the reader allocate
seventeen billion cells). A file beyond a limit is refused with a message in Chinese.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook

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


def xlsx_value(value):
    """A value as an xlsx cell holds it: a number, or text that is never a formula."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if _is_number(value):
        return value
    return neutralise(str(value))


# --- Writing ---------------------------------------------------------------------------------


def write_csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buffer.getvalue().encode("utf-8")


def write_xlsx(columns: Sequence[str], rows: Iterable[dict], *, title: str = "data") -> bytes:
    book = XlsxBook()
    sheet = book.sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([row[c] for c in columns])
    return book.save()


HEADER_FILL = "EEF2F6"


class XlsxSheet:
    """One sheet of an :class:`XlsxBook`, written row by row (openpyxl's write-only mode)."""

    def __init__(self, worksheet):
        self._worksheet = worksheet

    def widths(self, widths: Sequence[float]) -> None:
        """Column widths from A onwards; set them before the first row."""
        for index, width in enumerate(widths, start=1):
            self._worksheet.column_dimensions[get_column_letter(index)].width = width

    def append(
        self,
        cells: Sequence,
        *,
        bold: bool = False,
        size: float | None = None,
        fill: str | None = None,
        wrap: Sequence[int] = (),
    ) -> None:
        """A row of values; ``wrap`` lists the (0-based) columns whose text wraps."""
        if not (bold or size or fill or wrap):
            self._worksheet.append([xlsx_value(v) for v in cells])
            return
        row = []
        for index, value in enumerate(cells):
            cell = WriteOnlyCell(self._worksheet, value=xlsx_value(value))
            if bold or size:
                cell.font = Font(bold=bold, size=size)
            if fill:
                cell.fill = PatternFill("solid", fgColor=fill)
            if index in wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            row.append(cell)
        self._worksheet.append(row)

    def header(self, cells: Sequence) -> None:
        self.append(cells, bold=True, fill=HEADER_FILL)

    def blank(self) -> None:
        self._worksheet.append([])


class XlsxBook:
    """A workbook of one or more sheets; every cell is written by :func:`xlsx_value`."""

    def __init__(self):
        self._workbook = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        # Sheet titles are at most 31 characters and may not contain []:*?/\ in Excel.
        safe = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
        return XlsxSheet(self._workbook.create_sheet(safe))

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        return buffer.getvalue()


# --- Reading ---------------------------------------------------------------------------------

#: Largest upload read at all.
MAX_BYTES = 20 * 1024 * 1024
#: Most data rows a file may hold, and most columns a sheet may reach.
MAX_ROWS = 200_000
MAX_COLUMNS = 500
#: Most cells a sheet's used range may span (rows × columns from A1).
MAX_CELLS = 5_000_000
#: What an xlsx may unpack to, and the compression ratio beyond which a member is suspect.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
#: Excel's own limit on the text of one cell.
MAX_CELL_CHARS = 32_767

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and .doc files


class SpreadsheetError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


def read_table(data: bytes) -> list[list[str]]:
    """The cells of an xlsx (its first sheet) or csv file as text, header row first.

    Raises :class:`SpreadsheetError` for a file that is empty, too large, of another type,
    damaged, in an unknown encoding, or whose sheets reach too far.
    """
    if not data:
        raise SpreadsheetError(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    if data[:4] == XLSX_MAGIC:
        return _read_xlsx(data)
    if data[:8] == OLE_MAGIC:
        raise SpreadsheetError(_("这是旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后再导入。"))
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(_("无法识别的文件类型：请上传 .xlsx 或 CSV 文件。"))
    return _read_csv(data)


def cell_text(cell) -> str:
    """A cell as the text a person typed: 2019 rather than 2019.0, 93.71 rather than 93.710000."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        if cell.is_integer():
            return str(int(cell))
        return format(Decimal(repr(cell)), "f")  # never 1e-05
    return str(cell)


def _damaged() -> SpreadsheetError:
    return SpreadsheetError(_("无法读取该 Excel 文件，文件可能已损坏。"))


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells, read with calamine (Rust), many times faster than openpyxl.

    calamine's XML reader expands no entity a file defines, so the billion-laughs attack has
    nothing to expand. The zip-bomb and extent checks run first.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_unpacked_size(archive)
        _check_sheet_extent(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise _damaged() from None
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = [[cell_text(cell) for cell in row] for row in sheet.iter_rows()]
    except (CalamineError, ValueError, IndexError, OSError):
        raise _damaged() from None
    _check_cells(rows)
    return rows


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse an xlsx whose members would unpack to far more than the file (a zip bomb)."""
    members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    ratios = [m.file_size / max(m.compress_size, 1) for m in members]
    if unpacked > MAX_UNPACKED_BYTES or (ratios and max(ratios) > MAX_RATIO and unpacked > 10**7):
        raise SpreadsheetError(_("该 Excel 文件解压后异常巨大，疑似压缩炸弹，已拒绝。"))


#: A sheet's declared used range, and the position of every row and cell, as the XML writes
#: them (``<dimension ref="A1:D20"/>``, ``<row r="7">``, ``<c r="XFD1048576">``); an element may
#: carry a namespace prefix (``<x:c ...>``), which some writers use.
_EXTENT = re.compile(
    rb'<(?:\w+:)?(?:dimension\b[^>]*?\bref="[A-Z]*\d*:?([A-Z]{1,3})(\d{1,7})"'
    rb'|row\b[^>]*?\br="(\d{1,7})"'
    rb'|c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})")'
)
_CHUNK = 1 << 20


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _check_sheet_extent(archive: zipfile.ZipFile) -> None:
    """Refuse a sheet whose cells reach beyond the limits, before any reader allocates them.

    Each worksheet is streamed through a decompressor a megabyte at a time, so measuring a
    sheet takes no more memory than that, whatever it declares.
    """
    for member in archive.infolist():
        name = member.filename
        if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
            continue
        rows = columns = 0
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                text = tail + chunk
                for match in _EXTENT.finditer(text):
                    column, row = (match[1], match[2]) if match[1] else (match[4], match[5])
                    if match[3]:
                        row = match[3]
                    if row:
                        rows = max(rows, int(row))
                    if column:
                        columns = max(columns, _column_number(column))
                # An element cut in two at the chunk's end is read whole with the next chunk.
                tail = text[-256:]
                if rows > MAX_ROWS + 1 or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                    raise SpreadsheetError(
                        _(
                            "该 Excel 工作表的范围过大（%(rows)d 行 × %(cols)d 列），"
                            "超出导入上限（%(max_rows)d 行、%(max_cols)d 列）。"
                            "请删除多余的空行空列，或只保留数据区域后再导入。"
                        )
                        % {
                            "rows": rows,
                            "cols": columns,
                            "max_rows": MAX_ROWS,
                            "max_cols": MAX_COLUMNS,
                        }
                    )


def _read_csv(data: bytes) -> list[list[str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError:
            raise _unknown_encoding() from None
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise _unknown_encoding() from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                raise SpreadsheetError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    except csv.Error:
        raise SpreadsheetError(
            _("第 %(n)d 行无法按 CSV 读取：单元格过长（超过 %(max)d 个字符）或引号不成对。")
            % {"n": reader.line_num, "max": MAX_CELL_CHARS}
        ) from None
    _check_cells(rows)
    return rows


def _unknown_encoding() -> SpreadsheetError:
    return SpreadsheetError(_("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV。"))


def _check_cells(rows: list[list[str]]) -> None:
    """Row count, and cells no database or spreadsheet would hold (over-long, NUL characters)."""
    if len(rows) > MAX_ROWS + 1:
        raise SpreadsheetError(_("文件超过 %(n)d 行，不能导入。") % {"n": MAX_ROWS})
    for number, row in enumerate(rows, start=1):
        if len(row) > MAX_COLUMNS:
            raise SpreadsheetError(
                _("第 %(n)d 行超过 %(max)d 列，不能导入。") % {"n": number, "max": MAX_COLUMNS}
            )
        for cell in row:
            if len(cell) > MAX_CELL_CHARS:
                raise SpreadsheetError(
                    _("第 %(n)d 行有单元格超过 %(max)d 个字符，不能导入。")
                    % {"n": number, "max": MAX_CELL_CHARS}
                )
            if "\x00" in cell:
                raise SpreadsheetError(
                    _("第 %(n)d 行含有空字符（NUL），文件可能已损坏。") % {"n": number}
                )
