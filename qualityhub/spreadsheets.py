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
import pickle
import posixpath
import pyexpat
import re
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook as OpenpyxlWorkbook
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
        self._workbook = OpenpyxlWorkbook(write_only=True)

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


@dataclass
class Sheet:
    """One sheet as read: its cells where the file puts them (row 0 is the sheet's first row,
    column 0 its column A), and what the cells' look adds to their values.

    ``rows`` holds each cell's value as the reader gives it: ``str`` ("" for an empty cell),
    ``int``, ``float``, ``bool``, ``datetime.date``/``datetime``/``time``/``timedelta`` (xlsx and
    xls; a formula cell gives its cached value); a csv's cells are all text. ``percent`` lists the
    (row, column) of numbers shown with a percent format (xlsx), so 0.9371 can be read as the
    93.71 % a person sees. ``merged`` lists merged ranges as (first row, first column, last row,
    last column), 0-based and inclusive.
    """

    name: str
    rows: list[list]
    percent: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False
    #: A chart or dialog sheet: it has no cells.
    chart: bool = False


@dataclass
class Workbook:
    """Every sheet of an uploaded file, in the file's order; ``kind`` is xlsx, xls or csv."""

    kind: str
    sheets: list[Sheet]


def read_workbook(data: bytes) -> Workbook:
    """Every sheet of an xlsx, xls or csv file (a csv is one sheet), the type found by content.

    Raises :class:`SpreadsheetError` for a file that is empty, too large, of another type,
    damaged, in an unknown encoding, or whose sheets reach too far.
    """
    if not data:
        raise SpreadsheetError(_("文件是空的。"))
    if len(data) > MAX_BYTES:
        raise SpreadsheetError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    if data[:4] == XLSX_MAGIC:
        return Workbook("xlsx", _read_xlsx(data))
    if data[:8] == OLE_MAGIC:
        return Workbook("xls", _read_xls(data))
    if b"\x00" in data[:4096]:
        raise SpreadsheetError(_("无法识别的文件类型：请上传 .xlsx、.xls 或 CSV 文件。"))
    return Workbook("csv", [Sheet("CSV", _read_csv(data))])


def read_table(data: bytes) -> list[list[str]]:
    """The cells of a file's first sheet as text, header row first (the catalogue's imports).

    Columns left of the first one with a value are left out, as a person reading the sheet
    would; rows keep their numbers (row 1 is the file's row 1).
    """
    workbook = read_workbook(data)
    sheet = next((s for s in workbook.sheets if not s.chart), None)
    if sheet is None:
        return []
    rows = [[cell_text(cell) for cell in row] for row in sheet.rows]
    first = min(
        (next((i for i, c in enumerate(row) if c.strip()), len(row)) for row in rows),
        default=0,
    )
    return [row[first:] for row in rows]


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


def _read_xlsx(data: bytes) -> list[Sheet]:
    """Every sheet, read with calamine (Rust), many times faster than openpyxl.

    calamine is never given the upload itself. The parts it would read (the worksheets, the
    shared strings, the styles) are taken out of the upload, parsed and measured here, and
    handed to it as a new package that holds nothing else (see :func:`_measured_package`): so
    the sheets calamine reads are the very sheets that were measured, whatever the upload's
    relationships, member names or zip structure say.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        _check_unpacked_size(archive)
        package, sheets = _measured_package(archive)
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
    if package is not None:
        _fill_with_calamine(package, [s for s in sheets if not s.chart])
    for sheet in sheets:
        _check_cells(sheet.rows, sheet=sheet.name if len(sheets) > 1 else None)
    return sheets


def _fill_with_calamine(source, sheets: list[Sheet]) -> None:
    """Read each sheet's cells (and merged ranges) into it, in the package's sheet order."""
    try:
        workbook = CalamineWorkbook.from_filelike(source)
        for index, sheet in enumerate(sheets):
            cells = workbook.get_sheet_by_index(index)
            sheet.rows = cells.to_python(skip_empty_area=False)  # a new list of new lists
            ranges = getattr(cells, "merged_cell_ranges", None) or []
            sheet.merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in ranges]
    except (CalamineError, ValueError, IndexError, OSError, TypeError):
        raise _damaged() from None
    except BaseException as exc:
        # A panic in the Rust reader arrives as pyo3's PanicException, a BaseException.
        if type(exc).__name__ == "PanicException":
            raise _damaged() from None
        raise


#: Most memory the reading of an .xls may take (it runs in a process of its own).
XLS_MEMORY_BYTES = 1024 * 1024 * 1024
XLS_TIMEOUT_SECONDS = 60


def _read_xls(data: bytes) -> list[Sheet]:
    """An old Excel file (BIFF), read by calamine in a child process with a memory cap.

    Unlike xlsx there is no XML to measure first: the child process is the limit. It may use at
    most ``XLS_MEMORY_BYTES`` and ``XLS_TIMEOUT_SECONDS``; a file that needs more is refused,
    and the process that serves the request never allocates what the file declares. Percent
    formats are not known for .xls (see docs/imports.md).
    """
    script = (
        "import json, pickle, resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({XLS_MEMORY_BYTES}, {XLS_MEMORY_BYTES}))\n"
        "from python_calamine import CalamineWorkbook\n"
        "import io\n"
        "book = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))\n"
        "out = []\n"
        "for meta, name in zip(book.sheets_metadata, book.sheet_names):\n"
        "    visible = str(meta.visible).endswith('Visible')\n"
        "    kind = str(meta.typ)\n"
        "    if not kind.endswith('WorkSheet'):\n"
        "        out.append((name, [], [], not visible, True)); continue\n"
        "    sheet = book.get_sheet_by_name(name)\n"
        "    rows = sheet.to_python(skip_empty_area=False)\n"
        "    merged = getattr(sheet, 'merged_cell_ranges', None) or []\n"
        "    out.append((name, rows, merged, not visible, False))\n"
        "sys.stdout.buffer.write(pickle.dumps(out))\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-I", "-c", script],
            input=data,
            capture_output=True,
            timeout=XLS_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SpreadsheetError(_("读取该 .xls 文件超时，文件可能过大或已损坏。")) from None
    if result.returncode != 0:
        raise SpreadsheetError(
            _("无法读取该 .xls 文件：文件可能已损坏，或超出导入上限。可另存为 .xlsx 后再导入。")
        )
    sheets = []
    for name, rows, merged, hidden, chart in pickle.loads(result.stdout):  # our own child's
        if len(rows) > MAX_ROWS + 1 or any(len(row) > MAX_COLUMNS for row in rows):
            raise _too_wide(len(rows), max((len(row) for row in rows), default=0))
        sheets.append(
            Sheet(
                name=str(name),
                rows=[list(row) for row in rows],
                merged=[(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merged],
                hidden=bool(hidden),
                chart=bool(chart),
            )
        )
    for sheet in sheets:
        _check_cells(sheet.rows, sheet=sheet.name if len(sheets) > 1 else None)
    return sheets


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
# strings' declared ``uniqueCount`` is reserved up front. Both are measured here first. Python's
# expat parses every part, refusing XML that is not well formed (and any DTD), so the elements
# it sees are the elements calamine's lenient reader (quick-xml) sees in the same bytes. An
# ordinary sheet, every cell of which carries its reference as Excel writes it, is then measured
# by scanning its bytes for those references (:func:`_quick_extent`), in C; any other sheet, or
# one whose references reach too far, is walked element by element as calamine walks it
# (:class:`_SheetExtent`), a Python call per element.

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

    def __init__(self, percent_styles: frozenset[str] = frozenset()):
        self.row = self.column = 0  # calamine's current position, 0-based
        self.rows = self.columns = 0  # the extent reached by cells with a value, 1-based
        #: Styles whose number format shows a number as a percentage, and the cells that use
        #: one (a number only: text or a formula's text result is what it says).
        self.percent_styles = percent_styles
        self.percent: set[tuple[int, int]] = set()
        self._percent = False
        self._cell: tuple[int, int] | None = None
        self._depth = 0
        self._valued = False
        self._names: dict[str, str] = {}
        self._letters: dict[str, int] = {}
        #: Walked element by element; a quick measure (see _quick_extent) is a bound.
        self.exact = True

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
            self._percent = (
                bool(self.percent_styles)
                and attributes.get("s") in self.percent_styles
                and attributes.get("t", "n") == "n"
            )
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
                if self._percent:
                    self.percent.add(self._cell)
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

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def _shared_strings_start(name: str, attributes: dict) -> None:
    """calamine reserves room for the declared number of shared strings before reading one."""
    if _local(name) == "sst":
        count = (attributes.get("uniqueCount") or "").strip().lstrip("+")
        digits = re.match(r"[0-9]*", count)[0].lstrip("0")
        if len(digits) > 12 or (digits and int(digits) > MAX_CELLS):
            raise _damaged()


def _refuse_dtd(*args) -> None:
    raise _damaged()


def _parser():
    """An expat parser reading UTF-8 whatever the declaration says (quick-xml reads the bytes
    so), that refuses a document type declaration: no entity is ever defined, let alone
    expanded."""
    parser = pyexpat.ParserCreate("utf-8")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    return parser


def _parse(
    stream, start=None, end=None, copy_to=None, chunk: int | None = None, head: bytes = b""
) -> None:
    """Parse one XML member with expat, a megabyte (``chunk``) at a time, optionally copying
    its bytes (see :func:`_parser`); ``head`` is its beginning, already read (and copied)."""
    parser = _parser()
    if start is not None:
        parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if head:
        parser.Parse(head, False)
    while data := stream.read(chunk or _CHUNK):
        parser.Parse(data, False)
        if copy_to is not None:
            copy_to.write(data)
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


def _measured_package(upload: zipfile.ZipFile) -> tuple[io.BytesIO | None, list[Sheet]]:
    """The upload's sheets, measured, as a new xlsx that holds only what calamine reads.

    The sheets are found as Excel finds them (the package's relationships name the workbook,
    the workbook's ``<sheet>`` elements name their relationships, in the workbook's order).
    Each worksheet's XML is parsed and measured (:func:`_measure_sheet`) and copied, and the
    cells shown as percentages are noted; the shared strings likewise; the styles (number
    formats, which tell dates from numbers) are copied. Returns the package (None when no sheet
    is a worksheet) and a :class:`Sheet` per sheet, cells still to be read.
    """
    archive = _Archive(upload)
    workbook = _Relationships(archive, "").of_type("officeDocument") or "xl/workbook.xml"
    relationships = _Relationships(archive, workbook)
    entries: list[tuple[str, str, bool]] = []  # (relationship id, name, hidden), in order
    date1904: list[bool] = []

    def workbook_start(name, attributes):
        local = _local(name)
        if local == "sheet":
            entries.append(
                (
                    next((v for k, v in attributes.items() if _local(k) == "id"), ""),
                    attributes.get("name", ""),
                    attributes.get("state", "visible") != "visible",
                )
            )
        elif local == "workbookPr":
            date1904.append(attributes.get("date1904") in ("1", "true"))

    stream = archive.open(workbook)
    if stream is None:
        raise _damaged()
    with stream:
        _parse(stream, workbook_start)
    if not entries or any(rid not in relationships.targets for rid, _n, _h in entries):
        raise _damaged()
    styles = relationships.of_type("styles") or posixpath.join(
        posixpath.dirname(workbook), "styles.xml"
    )
    percent_styles = _percent_styles(archive, styles)

    sheets: list[Sheet] = []
    worksheets: list[tuple[Sheet, str]] = []
    for rid, name, hidden in entries:
        kind, target = relationships.targets[rid]
        is_worksheet = kind.rsplit("/", 1)[-1] == "worksheet"
        sheet = Sheet(name=name, rows=[], hidden=hidden, chart=not is_worksheet)
        sheets.append(sheet)
        if is_worksheet:
            worksheets.append((sheet, target))
    if not worksheets:
        return None, sheets

    buffer = io.BytesIO()
    cells = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        package.writestr(
            "xl/workbook.xml",
            _WORKBOOK
            % (
                "1" if any(date1904) else "0",
                "".join(
                    f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rIdS{i}"/>'
                    for i in range(1, len(worksheets) + 1)
                ),
            ),
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS
            % "".join(
                f'<Relationship Id="rIdS{i}" Type="{_DOC_RELS}/worksheet"'
                f' Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(worksheets) + 1)
            ),
        )
        extents: list[tuple[_SheetExtent, str]] = []  # each sheet's, and its member
        for number, (sheet, target) in enumerate(worksheets, start=1):
            extent = _measure_sheet(archive, target, percent_styles, package, number)
            extents.append((extent, target))
            sheet.percent = extent.percent
            cells += extent.cells
            if cells > MAX_CELLS:  # the sheets together, not only each one
                # A quick measure is a bound; the exact one may bring the sum within the limit.
                cells = 0
                for index, (measured, member) in enumerate(extents):
                    if not measured.exact:
                        measured = _exact_extent(archive, member)
                        extents[index] = (measured, member)
                    cells += measured.cells
                if cells > MAX_CELLS:
                    raise _too_wide(extent.rows, extent.columns)
        for kind, name in (("sharedStrings", "xl/sharedStrings.xml"), ("styles", "xl/styles.xml")):
            # Where the relationships say, or (as calamine looks) beside the workbook.
            member = relationships.of_type(kind) or posixpath.join(
                posixpath.dirname(workbook), posixpath.basename(name)
            )
            stream = archive.open(member)
            if stream is None:
                continue
            with stream, package.open(name, "w") as out:
                if kind == "styles":
                    while chunk := stream.read(_CHUNK):
                        out.write(chunk)
                else:
                    _check_shared_strings(stream, out)
    buffer.seek(0)
    return buffer, sheets


def _measure_sheet(
    archive: _Archive, member: str, percent_styles: frozenset[str], package, number: int
) -> _SheetExtent:
    """Measure one worksheet and copy it into the package calamine reads.

    A member of ordinary size is read whole and measured by :func:`_quick_extent`; when that
    scan finds anything unusual, or a reach beyond the limits (which may be styled cells
    without a value, which calamine does not keep), the sheet is walked exactly
    (:class:`_SheetExtent`). A larger member is walked exactly as it streams by.
    """
    stream = archive.open(member)
    if stream is None:
        raise _damaged()
    with stream:
        data = stream.read(_WHOLE_MEMBER + 1)
        if len(data) <= _WHOLE_MEMBER:
            extent = _quick_extent(data, percent_styles)
            if extent is None:
                extent = _SheetExtent(percent_styles)
                _parse(io.BytesIO(data), extent.start, extent.end)
            package.writestr(f"xl/worksheets/sheet{number}.xml", data)
            return extent
    del data
    extent = _SheetExtent(percent_styles)
    with (
        archive.open(member) as stream,
        package.open(f"xl/worksheets/sheet{number}.xml", "w") as out,
    ):
        _parse(stream, extent.start, extent.end, copy_to=out)
    return extent


def _exact_extent(archive: _Archive, member: str) -> _SheetExtent:
    """A worksheet walked exactly (:class:`_SheetExtent`), percentages aside."""
    extent = _SheetExtent()
    with archive.open(member) as stream:
        _parse(stream, extent.start, extent.end)
    return extent


#: A worksheet member at most this large is read whole for the quick measure.
_WHOLE_MEMBER = 64 * 2**20
#: A cell element with a namespace prefix (``<x:c``), or the text ``:c`` before a space, ``/`` or
#: ``>`` anywhere (which sends the sheet to the exact walk, harmlessly, if it is only text).
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
#: A cell element whose first attribute is not a reference as Excel writes it (``r="AB12"``,
#: capitals, double quotes, one space; no ``$``, no row 0).
_UNUSUAL_CELL = re.compile(rb'<c(?=[\s/>])(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"[\s/>])')
_CELL_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[1-9]')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([1-9][0-9]{0,6})"')
#: What follows the start of a cell without a value (no child element before its end).
_EMPTY_CELL_END = re.compile(rb"[^<]*</c[\s>]")
#: One attribute of an element, as XML writes it (values never hold ``<``).
_ATTRIBUTE = rb"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""


def _quick_extent(data: bytes, percent_styles: frozenset[str]) -> _SheetExtent | None:
    """How far an ordinary worksheet's cells reach, without a Python call per element.

    expat parses the whole part first (so it is well formed and has no DTD, and every ``<``
    that is not in a comment or CDATA starts a tag). If then every cell element is unprefixed
    and begins with a reference as Excel writes it, calamine places each cell exactly at its
    reference, whatever the rows around it say (a cell inside a cell, or any element calamine
    does not expect there, makes calamine refuse the file). The largest reference of any cell,
    with a value or not, bounds what calamine allocates: a sheet within the limits by that
    bound is measured. Anything else (a prefix, a cell without ``r`` or with an unusual one,
    a bound beyond the limits) returns ``None``, for the exact walk.
    """
    _parse(io.BytesIO(data), chunk=len(data) + 1)
    if _PREFIXED_CELL.search(data) or _UNUSUAL_CELL.search(data):
        return None
    extent = _SheetExtent(percent_styles)
    extent.exact = False
    letters = set(_CELL_COLUMN.findall(data))
    if letters:
        extent.rows = max(map(int, _CELL_ROW.findall(data)))
        extent.columns = max(_column_number(letter) for letter in letters)
    if (
        extent.rows > MAX_ROWS + 1
        or extent.columns > MAX_COLUMNS
        or extent.rows * extent.columns > MAX_CELLS
    ):
        return None
    if percent_styles:
        extent.percent = _quick_percent(data, percent_styles)
    return extent


def _column_number(letters: bytes) -> int:
    """b"A" → 1, b"AB" → 28."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _quick_percent(data: bytes, percent_styles: frozenset[str]) -> set[tuple[int, int]]:
    """The cells (0-based row, column) of an ordinary worksheet (see :func:`_quick_extent`)
    that have a value and a percent style, and are numbers (no ``t``, or ``t="n"``).

    Attribute values are compared as written, as calamine reads them (the exact walk compares
    them as expat decodes them: the two differ only for a style written with a character
    reference).
    """
    styles = b"|".join(re.escape(s.encode()) for s in sorted(percent_styles))
    tag = re.compile(
        rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?=(?:' + _ATTRIBUTE + rb")*?"
        rb"""\s+s\s*=\s*(?:"(?:""" + styles + rb""")"|'(?:""" + styles + rb""")'))"""
        rb"((?:" + _ATTRIBUTE + rb")*)\s*(/?)>"
    )
    kind = re.compile(rb"""\st\s*=\s*(?:"([^"]*)"|'([^']*)')""")
    percent = set()
    for match in tag.finditer(data):
        if match[4] or _EMPTY_CELL_END.match(data, match.end()):
            continue  # no value
        typ = kind.search(match[3])
        if typ is not None and (typ[1] if typ[1] is not None else typ[2]) != b"n":
            continue
        percent.add((int(match[2]) - 1, _column_number(match[1]) - 1))
    return percent


def _check_shared_strings(stream, out) -> None:
    """Parse the shared strings while copying them, refusing a declared count beyond the limits
    (calamine reserves room for it before reading a string).

    Only ``sst`` elements declare a count; when the part names ``sst`` once, the element
    handler is dropped once it has been seen, and expat parses the rest without calling back.
    """
    data = stream.read(_WHOLE_MEMBER + 1)
    if len(data) > _WHOLE_MEMBER:  # too large to hold whole: every element is looked at
        out.write(data)
        _parse(stream, _shared_strings_start, copy_to=out, head=data)
        return
    parser = _parser()
    named = len(re.findall(rb"[<:]sst[\s/>]", data))

    def start(name, attributes):
        _shared_strings_start(name, attributes)
        if named == 1 and _local(name) == "sst":
            parser.StartElementHandler = None

    parser.StartElementHandler = start
    parser.Parse(data, True)
    out.write(data)


#: Excel's built-in number formats that show a percentage (0% and 0.00%).
_PERCENT_FORMAT_IDS = {"9", "10"}


def _percent_styles(archive: _Archive, member: str) -> frozenset[str]:
    """The indexes (as the ``s`` attribute writes them) of the cell styles whose number format
    shows a percentage: a built-in percent format, or a custom format with a ``%`` that is not
    quoted, escaped or inside brackets."""
    stream = archive.open(member)
    if stream is None:
        return frozenset()
    custom: dict[str, str] = {}
    formats: list[str] = []  # the numFmtId of each cellXfs entry, in order
    inside = []

    def start(name, attributes):
        local = _local(name)
        if local == "numFmt":
            custom[attributes.get("numFmtId", "")] = attributes.get("formatCode", "")
        elif local == "cellXfs":
            inside.append(True)
        elif local == "xf" and inside:
            formats.append(attributes.get("numFmtId", "0"))

    def end(name):
        if _local(name) == "cellXfs" and inside:
            inside.pop()

    with stream:
        _parse(stream, start, end)
    percent_ids = _PERCENT_FORMAT_IDS | {i for i, code in custom.items() if _shows_percent(code)}
    return frozenset(str(index) for index, fmt in enumerate(formats) if fmt in percent_ids)


def _shows_percent(code: str) -> bool:
    """Whether a number format code shows a percentage: a bare ``%`` in its first section."""
    section = code.split(";", 1)[0]
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", section)
    return "%" in section


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
    '<workbookPr date1904="%s"/><sheets>%s</sheets></workbook>'
)
_WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
    "%s"
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


def _check_cells(rows: list[list], *, sheet: str | None = None) -> None:
    """Row count, and cells no database or spreadsheet would hold (over-long, NUL characters)."""
    where = _("工作表“%(sheet)s”") % {"sheet": sheet} if sheet else _("该文件")
    if len(rows) > MAX_ROWS + 1:
        raise SpreadsheetError(
            _("%(where)s超过 %(n)d 行，不能导入。") % {"where": where, "n": MAX_ROWS}
        )
    for number, row in enumerate(rows, start=1):
        if len(row) > MAX_COLUMNS:
            raise SpreadsheetError(
                _("%(where)s第 %(n)d 行超过 %(max)d 列，不能导入。")
                % {"where": where, "n": number, "max": MAX_COLUMNS}
            )
        for cell in row:
            if not isinstance(cell, str):
                continue
            if len(cell) > MAX_CELL_CHARS:
                raise SpreadsheetError(
                    _("%(where)s第 %(n)d 行有单元格超过 %(max)d 个字符，不能导入。")
                    % {"where": where, "n": number, "max": MAX_CELL_CHARS}
                )
            if "\x00" in cell:
                raise SpreadsheetError(
                    _("%(where)s第 %(n)d 行含有空字符（NUL），文件可能已损坏。")
                    % {"where": where, "n": number}
                )
