"""Spreadsheets in and out: the one place every file QualityHub reads or writes goes through.

Writing: text that a spreadsheet would run as a formula (beginning with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is neutralised with a leading apostrophe, in csv and xlsx
alike. Numbers (``Decimal``, ``int``, ``float``) stay numbers: plain digits in csv, numeric cells
in xlsx. :func:`write_csv` and :func:`write_xlsx` write one table; :class:`XlsxBook` builds a
workbook of several sheets with titles, bold headers and column widths (the scorecards, the
import templates), with the same cells.

Reading: :func:`read_table` turns an uploaded xlsx or csv into rows of text, deciding the type by
content rather than by name. Before the xlsx reader (calamine) allocates anything, the file is
measured: its size, what its zip members would unpack to (a zip bomb), how far the cells of its
first sheet reach (one cell at A1 and one at XFD1048576 would otherwise make the reader allocate
seventeen billion cells) and how many shared strings it declares. calamine then reads a package
rebuilt from the measured parts only, never the upload itself. A file beyond a limit is refused
with a message in Chinese.
"""

from __future__ import annotations

import csv
import io
import lzma
import posixpath
import pyexpat
import re
import zipfile
import zlib
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


def _too_wide(rows: int, columns: int) -> SpreadsheetError:
    return SpreadsheetError(
        _(
            "该 Excel 工作表的范围过大（%(rows)d 行 × %(cols)d 列），"
            "超出导入上限（%(max_rows)d 行、%(max_cols)d 列）。"
            "请删除多余的空行空列，或只保留数据区域后再导入。"
        )
        % {"rows": rows, "cols": columns, "max_rows": MAX_ROWS, "max_cols": MAX_COLUMNS}
    )


def _read_xlsx(data: bytes) -> list[list[str]]:
    """The first sheet's cells, read with calamine (Rust), many times faster than openpyxl.

    calamine is never given the upload itself. The parts it would read (the first worksheet,
    the shared strings, the styles) are taken out of the upload, parsed and measured here, and
    handed to it as a new package that holds nothing else (see :func:`_measured_package`): so
    the sheet calamine reads is the very sheet that was measured, whatever the upload's
    relationships, member names or zip structure say.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_unpacked_size(archive)
        package = _measured_package(archive)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        pyexpat.ExpatError,
        zlib.error,
        lzma.LZMAError,
        OSError,
        EOFError,
        ValueError,
        KeyError,
        NotImplementedError,  # a compression method Python does not read
        RuntimeError,  # an encrypted member
    ):
        raise _damaged() from None
    if package is None:  # the first sheet is a chart or dialog sheet: no cells
        return []
    try:
        sheet = CalamineWorkbook.from_filelike(package).get_sheet_by_index(0)
        # iter_rows starts at the sheet's first row, empty rows above the data included, so
        # row numbers are the file's own.
        rows = [[cell_text(cell) for cell in row] for row in sheet.iter_rows()]
    except (CalamineError, ValueError, IndexError, OSError):
        raise _damaged() from None
    except BaseException as exc:
        # A panic in the Rust reader arrives as pyo3's PanicException, a BaseException.
        if type(exc).__name__ == "PanicException":
            raise _damaged() from None
        raise
    _check_cells(rows)
    return rows


def _check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse an xlsx whose members would unpack to far more than the file (a zip bomb)."""
    members = archive.infolist()
    unpacked = sum(m.file_size for m in members)
    ratios = [m.file_size / max(m.compress_size, 1) for m in members]
    if unpacked > MAX_UNPACKED_BYTES or (ratios and max(ratios) > MAX_RATIO and unpacked > 10**7):
        raise SpreadsheetError(_("该 Excel 文件解压后异常巨大，疑似压缩炸弹，已拒绝。"))


# --- Measuring an xlsx before calamine reads it ----------------------------------------------
#
# calamine reads a sheet into a dense grid spanning its first to its last non-empty cell, so one
# cell at A1 and one at XFD1048576 make it allocate seventeen billion cells, and the shared
# strings' declared ``uniqueCount`` is reserved up front. Both are measured here first, with
# Python's expat, which refuses XML that is not well formed (and any DTD), so the elements it
# reports are the elements calamine's lenient reader (quick-xml) sees in the same bytes.

_CHUNK = 1 << 20
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: A cell or row reference as calamine reads it: letters (any case), then digits.
_REFERENCE = re.compile(r"([A-Za-z]*)([0-9]+)")
#: Beyond any sheet's limits (a reference longer than this is never within them).
_FAR = 10**12


def _local(name: str) -> str:
    """An element's name without its namespace prefix, as quick-xml's ``local_name`` gives it."""
    prefix, colon, local = name.partition(":")
    return local if colon else prefix


class _SheetExtent:
    """How far a worksheet's cells reach, walked as calamine walks it.

    calamine places a cell at its ``r`` reference or, without one, after the previous cell of
    the row; a row goes to its ``r`` or follows the previous row, and each ``</row>`` moves to
    the next row's first column. A cell without a value (no child element) is never placed in
    calamine's grid and so does not count here either; it still moves the column on. A cell or
    row inside a cell is not something any spreadsheet writes, and is refused.

    This runs for every element of the sheet, so it keeps to dictionary look-ups: element names
    and column letters are worked out once each.
    """

    def __init__(self):
        self.row = self.column = 0  # calamine's current position, 0-based
        self.rows = self.columns = 0  # the extent reached by cells with a value, 1-based
        self._cell: tuple[int, int] | None = None
        self._depth = 0
        self._valued = False
        self._names: dict[str, str] = {}
        self._letters: dict[str, int] = {}

    def _local(self, name: str) -> str:
        local = self._names.get(name)
        if local is None:
            local = self._names[name] = _local(name)
        return local

    def _reference(self, text: str, *, column: bool) -> tuple[int, int]:
        """(row, column), 0-based, of a reference such as ``B7`` (column -1 if it has none).

        calamine refuses a reference that is not letters then digits, or has no row (or, for
        a cell, no column): such a file cannot be read, and is refused here as damaged.
        """
        match = _REFERENCE.fullmatch(text)
        if match is None:
            raise _damaged()
        letters, digits = match.groups()
        row = int(digits) if len(digits) <= 12 else _FAR
        number = self._letters.get(letters)
        if number is None:
            number = 0
            for letter in letters.upper()[:8]:
                number = number * 26 + ord(letter) - 64
            number = self._letters[letters] = number if len(letters) <= 8 else _FAR
        if not row or (column and not number):  # row 0 is no row either
            raise _damaged()
        return row - 1, number - 1

    def start(self, name: str, attributes: dict) -> None:
        local = self._local(name)
        if self._cell is not None:
            if local == "c" or local == "row":
                raise _damaged()
            self._depth += 1
            self._valued = True
        elif local == "c":
            reference = attributes.get("r")
            if reference is None:
                self._cell = (self.row, self.column)
            else:
                self._cell = self._reference(reference, column=True)
                self.column = self._cell[1]
            self.column += 1
            self._depth = 0
            self._valued = False
        elif local == "row":
            reference = attributes.get("r")
            if reference is not None:
                self.row = self._reference(reference, column=False)[0]

    def end(self, name: str) -> None:
        if self._cell is not None:
            if self._depth:
                self._depth -= 1
                return
            if self._valued:
                row, column = self._cell
                if row >= self.rows or column >= self.columns:
                    self._reach(row, column)
            self._cell = None
        elif self._local(name) == "row":
            self.row += 1
            self.column = 0

    def _reach(self, row: int, column: int) -> None:
        self.rows = max(self.rows, row + 1)
        self.columns = max(self.columns, column + 1)
        if (
            self.rows > MAX_ROWS + 1
            or self.columns > MAX_COLUMNS
            or self.rows * self.columns > MAX_CELLS
        ):
            raise _too_wide(self.rows, self.columns)


def _shared_strings_start(name: str, attributes: dict) -> None:
    """calamine reserves room for the declared number of shared strings before reading one."""
    if _local(name) == "sst":
        count = (attributes.get("uniqueCount") or "").strip().lstrip("+")
        digits = re.match(r"[0-9]*", count)[0].lstrip("0")
        if len(digits) > 12 or (digits and int(digits) > MAX_CELLS):
            raise _damaged()


def _refuse_dtd(*args) -> None:
    raise _damaged()


def _parse(stream, start=None, end=None, copy_to=None) -> None:
    """Parse one XML member with expat, a megabyte at a time, optionally copying its bytes.

    The bytes are read as UTF-8 whatever the declaration says (quick-xml reads them so), and a
    document type declaration is refused: no entity is ever defined, let alone expanded.
    """
    parser = pyexpat.ParserCreate("utf-8")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
        if copy_to is not None:
            copy_to.write(chunk)
    parser.Parse(b"", True)


class _Relationships:
    """The relationships of one part: id → (type, member name)."""

    def __init__(self, archive: _Archive, part: str):
        self.targets: dict[str, tuple[str, str]] = {}
        folder = posixpath.dirname(part)
        stream = archive.open(posixpath.join(folder, "_rels", posixpath.basename(part) + ".rels"))
        if stream is None:
            return

        def start(name, attributes):
            if _local(name) == "Relationship" and "Id" in attributes:
                target = attributes.get("Target", "")
                if target.startswith("/"):
                    target = target.lstrip("/")
                else:
                    target = posixpath.normpath(posixpath.join(folder, target))
                self.targets[attributes["Id"]] = (attributes.get("Type", ""), target)

        with stream:
            _parse(stream, start)

    def of_type(self, kind: str) -> str | None:
        """The member of the first relationship of a type (``worksheet``, ``styles``…)."""
        for typ, target in self.targets.values():
            if typ.rsplit("/", 1)[-1] == kind:
                return target
        return None


class _Archive:
    """An upload's members by name, compared as calamine compares them (case, slashes)."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            key = self._key(info.filename)
            if key in self.members:  # two members one name: which one a reader takes is moot
                raise _damaged()
            self.members[key] = info

    @staticmethod
    def _key(name: str) -> str:
        return name.replace("\\", "/").lstrip("/").lower()

    def open(self, name: str):
        info = self.members.get(self._key(name))
        return None if info is None else self.archive.open(info)


def _measured_package(upload: zipfile.ZipFile) -> io.BytesIO | None:
    """The upload's first sheet, measured, as a new xlsx that holds only what calamine reads.

    The first worksheet is found as Excel finds it (the package's relationships name the
    workbook, the workbook's first ``<sheet>`` names its relationship). Its XML is parsed and
    measured (:class:`_SheetExtent`) while it is copied; the shared strings likewise; the styles
    (number formats, which tell dates from numbers) are copied. Returns None when the first
    sheet is not a worksheet (a chart), which has no cells.
    """
    archive = _Archive(upload)
    workbook = _Relationships(archive, "").of_type("officeDocument") or "xl/workbook.xml"
    relationships = _Relationships(archive, workbook)
    sheets: list[str] = []  # the relationship id of each sheet, in the workbook's order
    date1904: list[bool] = []

    def workbook_start(name, attributes):
        local = _local(name)
        if local == "sheet":
            sheets.append(next((v for k, v in attributes.items() if _local(k) == "id"), ""))
        elif local == "workbookPr":
            date1904.append(attributes.get("date1904") in ("1", "true"))

    stream = archive.open(workbook)
    if stream is None:
        raise _damaged()
    with stream:
        _parse(stream, workbook_start)
    if not sheets or sheets[0] not in relationships.targets:
        raise _damaged()
    kind, sheet_name = relationships.targets[sheets[0]]
    if kind.rsplit("/", 1)[-1] != "worksheet":
        return None

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        package.writestr("xl/workbook.xml", _WORKBOOK % ("1" if any(date1904) else "0"))
        package.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        sheet = archive.open(sheet_name)
        if sheet is None:
            raise _damaged()
        extent = _SheetExtent()
        with sheet, package.open("xl/worksheets/sheet1.xml", "w") as out:
            _parse(sheet, extent.start, extent.end, copy_to=out)
        for kind, name, start in (
            ("sharedStrings", "xl/sharedStrings.xml", _shared_strings_start),
            ("styles", "xl/styles.xml", None),
        ):
            # Where the relationships say, or (as calamine looks) beside the workbook.
            member = relationships.of_type(kind) or posixpath.join(
                posixpath.dirname(workbook), posixpath.basename(name)
            )
            stream = archive.open(member)
            if stream is None:
                continue
            with stream, package.open(name, "w") as out:
                if start is None:
                    while chunk := stream.read(_CHUNK):
                        out.write(chunk)
                else:
                    _parse(stream, start, copy_to=out)
    buffer.seek(0)
    return buffer


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
)
_PACKAGE_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
    '<workbookPr date1904="%s"/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{_DOC_RELS}/styles" Target="styles.xml"/>'
    "</Relationships>"
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
