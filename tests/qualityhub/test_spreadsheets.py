"""Reading spreadsheets: no file, however it is built, makes the reader allocate what it declares.

The xlsx files here are written part by part with ``zipfile`` (openpyxl would never write them,
and would not keep them small): a sheet with one cell at A1 and one at XFD1048576 is 1.5 KB and
used to make calamine allocate seventeen billion cells and kill the process that read it.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import posixpath
import resource
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from python_calamine import CalamineWorkbook

from qualityhub import spreadsheets
from qualityhub.spreadsheets import SpreadsheetError, read_table

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TOO_WIDE = "该 Excel 工作表的范围过大"
DAMAGED = "无法读取该 Excel 文件"


# --- Building xlsx files by hand ----------------------------------------------------------------


def sheet_xml(body: str, *, dimension: str = "A1", prefix: str = "") -> str:
    """A worksheet part around ``body`` (the rows); ``prefix`` puts every element in ``x:``."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{p}worksheet {xmlns}>'
        f'<{p}dimension ref="{dimension}"/><{p}sheetData>{body}</{p}sheetData></{p}worksheet>'
    )


def xlsx_package(
    sheet: str | bytes,
    *,
    target: str = "worksheets/sheet1.xml",
    members: dict[str, str | bytes] | None = None,
    relationships: str = "",
    sheet_id: str = "rId1",
) -> bytes:
    """A minimal xlsx: the package and workbook relationships, a workbook, one sheet.

    ``target`` is where the workbook's relationship points the sheet (relative to ``xl/``, or
    absolute with a leading slash); ``members`` adds parts, ``relationships`` workbook
    relationships; ``sheet_id`` is the relationship the workbook's sheet names.
    """
    sheet_path = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            f'xmlns:r="{DOC_RELS}"><sheets><sheet name="数据" sheetId="1" r:id="{sheet_id}"/>'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="{target}"/>'
            f"{relationships}</Relationships>",
        )
        archive.writestr(sheet_path, sheet)
        for name, content in (members or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def cell(reference: str | None, value, attributes: str = "") -> str:
    r = f' r="{reference}"' if reference else ""
    return f"<c{r}{attributes}><v>{value}</v></c>"


def sparse_xlsx() -> bytes:
    """1.5 KB: one cell at A1, one at XFD1048576 (the last cell a sheet may have)."""
    return xlsx_package(
        sheet_xml(f'<row r="1">{cell("A1", 1)}</row><row r="1048576">{cell("XFD1048576", 2)}</row>')
    )


def _read(data: bytes) -> list[list[str]] | str:
    try:
        return read_table(data)
    except SpreadsheetError as exc:
        return str(exc)


# --- The sparse sheet ---------------------------------------------------------------------------

MEASURE = """
import json, resource, sys, time
import django
django.setup()
from reports.exchange.checking import parse_values_file
from reports.exchange.parsing import ImportFileError
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    parse_values_file(data, "sparse.xlsx")
    message = None
except ImportFileError as exc:
    message = str(exc)
seconds = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "grew_kb": after - before, "message": message}))
"""


def _limit_address_space() -> None:
    # Should the check ever let the sheet through, the reader's allocation fails in the child
    # (which then dies) rather than taking this machine's memory.
    resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))


def test_a_sparse_sheet_is_refused_at_once_without_a_large_allocation(tmp_path):
    """Measured in a fresh process: its peak resident memory barely moves."""
    data = sparse_xlsx()
    assert len(data) < 2000
    path = tmp_path / "sparse.xlsx"
    path.write_bytes(data)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "qualityhub.settings.test",
        "TEST_MEDIA_ROOT": str(tmp_path),
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit_address_space,
    )
    assert done.returncode == 0, f"the reading process died:\n{done.stderr[-2000:]}"
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"sparse xlsx ({len(data)} bytes): refused in {measured['seconds'] * 1000:.1f} ms, "
        f"peak RSS grew {measured['grew_kb'] / 1024:.1f} MB "
        f"(the child process took {time.monotonic() - started:.1f} s in all)"
    )
    assert TOO_WIDE in measured["message"] and "1048576 行 × 16384 列" in measured["message"]
    assert measured["seconds"] < 1
    assert measured["grew_kb"] < 50 * 1024


def test_a_sparse_sheet_is_refused_with_little_python_memory():
    data = sparse_xlsx()
    tracemalloc.start()
    try:
        started = time.perf_counter()
        with pytest.raises(SpreadsheetError, match=TOO_WIDE):
            read_table(data)
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # tracemalloc sees Python's allocations only: the refusal comes before calamine runs at all.
    assert seconds < 1 and peak < 5 * 2**20


# Each of these reaches beyond the limits in a way the first extent check (a regular expression
# over ``<c r="...">`` in ``xl/worksheets/*.xml``) missed, and calamine read; each killed the
# reading process before it was refused.
FAR = f'<row r="1">{cell("A1", 1)}</row>'
CRAFTED = {
    "lying dimension": sheet_xml(
        FAR + f'<row r="1048576">{cell("XFD1048576", 2)}</row>', dimension="A1:B2"
    ),
    "lower-case reference": sheet_xml(FAR + f"<row>{cell('xfd1048576', 2)}</row>"),
    "single quotes": sheet_xml(FAR + "<row r='1048576'><c r='XFD1048576'><v>2</v></c></row>"),
    "spaces around =": sheet_xml(FAR + '<row r = "1048576"><c r = "XFD1048576"><v>2</v></c></row>'),
    "a '>' inside an attribute before r": sheet_xml(
        FAR + '<row><c a=">" r="XFD1048576"><v>2</v></c></row>'
    ),
    "namespace prefix with a hyphen": sheet_xml(
        f'<a-b:row r="1">{cell("A1", 1)}</a-b:row><a-b:row r="1048576">'
        '<a-b:c r="XFD1048576"><a-b:v>2</a-b:v></a-b:c></a-b:row>'
    ).replace("<worksheet ", f'<worksheet xmlns:a-b="{MAIN}" '),
    "eight-digit row": sheet_xml(FAR + f"<row>{cell('A30000000', 2)}</row>"),
    "four-letter column": sheet_xml(FAR + f"<row>{cell('ZZZZ2', 2)}</row>"),
    "cells without references": sheet_xml(
        "<row>" + "".join(cell(None, i) for i in range(501)) + "</row>"
    ),
    "rows without references": sheet_xml(
        "<row>"
        + "".join(cell(None, i) for i in range(400))
        + "</row>"
        + "<row/>" * 250_000
        + f"<row>{cell(None, 1)}</row>"
    ),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_sheet_that_reaches_too_far_however_written_is_refused(case):
    started = time.perf_counter()
    assert TOO_WIDE in _read(xlsx_package(CRAFTED[case]))
    assert time.perf_counter() - started < 2


def test_the_sheet_measured_is_the_sheet_read_wherever_the_workbook_puts_it():
    """Not only ``xl/worksheets/*.xml``: the workbook's relationship may point anywhere."""
    far = sheet_xml(FAR + f'<row r="1048576">{cell("XFD1048576", 2)}</row>')
    assert TOO_WIDE in _read(xlsx_package(far, target="/evil.bin"))
    assert TOO_WIDE in _read(xlsx_package(far, target="../Sheet.XML"))
    # and a harmless decoy where a sheet usually is changes nothing
    decoy = {"xl/worksheets/sheet1.xml": sheet_xml(FAR)}
    assert TOO_WIDE in _read(xlsx_package(far, target="other/data.xml", members=decoy))


def test_a_namespaced_sheet_is_read_and_measured_like_any_other():
    """Some writers put every element in a prefix (``<x:c r="A1">``); calamine reads those."""
    body = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>指标</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>93.71</x:v></x:c></x:row>'
    )
    assert _read(xlsx_package(sheet_xml(body, prefix="x"))) == [["指标", "93.71"]]
    far = body + '<x:row r="1048576"><x:c r="XFD1048576"><x:v>2</x:v></x:c></x:row>'
    assert TOO_WIDE in _read(xlsx_package(sheet_xml(far, prefix="x")))


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_a_reference_cut_at_any_chunk_boundary_is_still_measured(monkeypatch, chunk):
    monkeypatch.setattr(spreadsheets, "_CHUNK", chunk)
    assert TOO_WIDE in _read(sparse_xlsx())


def test_a_cell_whose_reference_lies_past_the_first_megabyte_is_measured():
    """The first check read a megabyte at a time and kept the last 256 bytes of each: a cell
    whose ``<c`` began more than 256 bytes before the boundary and whose ``r`` came after it
    was never seen whole."""
    head, tail = sheet_xml("@").split("@")
    rows, size, n = [], len(head), 1
    while size < spreadsheets._CHUNK - 600:
        row = f'<row r="{n}">{cell(f"A{n}", n)}</row>'
        rows.append(row)
        size += len(row)
        n += 1
    far = f'<row r="{n}"><c s="0" x="{"y" * 1000}" r="XFD{n}"><v>1</v></c></row>'
    xml = (head + "".join(rows) + far + tail).encode()
    assert (
        xml.index(b"<c s=") < spreadsheets._CHUNK - 256 < spreadsheets._CHUNK < xml.index(b'r="XFD')
    )
    assert TOO_WIDE in _read(xlsx_package(xml))


def test_empty_styled_cells_far_away_do_not_count():
    """A formatted but empty area (``<c r="E90000" s="3"/>``) is no cell the reader keeps."""
    body = FAR + '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    assert _read(xlsx_package(sheet_xml(body))) == [["1"]]


def test_shared_strings_declaring_billions_are_refused_before_they_are_reserved():
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1" '
        'uniqueCount="4000000000"><si><t>指标</t></si></sst>'
    )
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    rel = f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    assert DAMAGED in _read(
        xlsx_package(sheet, members={"xl/sharedStrings.xml": strings}, relationships=rel)
    )
    honest = strings.replace("4000000000", "1")
    assert _read(
        xlsx_package(sheet, members={"xl/sharedStrings.xml": honest}, relationships=rel)
    ) == [["指标"]]


def _patched(data: bytes, member: str, patch) -> bytes:
    """The archive with ``patch(bytearray, info)`` applied to its bytes."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    raw = bytearray(data)
    patch(raw, info)
    return bytes(raw)


def _unsupported_method(raw: bytearray, info: zipfile.ZipInfo) -> None:
    """Deflate64 (method 9), which Python's zipfile cannot read, in both headers."""
    raw[info.header_offset + 8] = 9
    name = info.filename.encode()
    central = raw.index(b"PK\x01\x02")
    while raw[central + 46 : central + 46 + len(name)] != name:
        central = raw.index(b"PK\x01\x02", central + 1)
    raw[central + 10] = 9


def _corrupt_stream(raw: bytearray, info: zipfile.ZipInfo) -> None:
    start = info.header_offset + 30 + len(info.filename)
    raw[start : start + 8] = b"\xff" * 8


def _duplicate(data: bytes) -> bytes:
    buffer = io.BytesIO(data)
    with pytest.warns(UserWarning), zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(FAR))
    return buffer.getvalue()


DAMAGED_FILES = {
    "document type declaration": xlsx_package(
        '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">]>'
        + sheet_xml(FAR).split("?>", 1)[1]
    ),
    "not well formed": xlsx_package(sheet_xml(f'<row r="1">{cell("A1", 1)}</c></row>')),
    "a cell inside a cell": xlsx_package(
        sheet_xml(f'<row r="1"><c r="A1"><v>1</v>{cell("B1", 2)}</c></row>')
    ),
    "a row inside a cell": xlsx_package(sheet_xml('<row r="1"><c r="A1"><row/></c></row>')),
    "reference with dollars": xlsx_package(sheet_xml(f'<row r="1">{cell("$A$1", 1)}</row>')),
    "row zero": xlsx_package(sheet_xml(f'<row r="1">{cell("A0", 1)}</row>')),
    "no workbook relationship": xlsx_package(sheet_xml(FAR), sheet_id="rId9"),
    "unsupported compression": _patched(
        xlsx_package(sheet_xml(FAR)), "xl/worksheets/sheet1.xml", _unsupported_method
    ),
    "corrupt compressed data": _patched(
        xlsx_package(sheet_xml(FAR * 50)), "xl/worksheets/sheet1.xml", _corrupt_stream
    ),
}


@pytest.mark.parametrize("case", list(DAMAGED_FILES))
def test_a_damaged_or_unusual_xlsx_is_refused_as_damaged(case):
    assert DAMAGED in _read(DAMAGED_FILES[case])


def test_two_members_of_one_name_are_refused():
    assert DAMAGED in _read(_duplicate(xlsx_package(sheet_xml(FAR))))


def test_a_wide_legitimate_sheet_is_read_with_the_files_row_numbers():
    """200 columns × a few rows (openpyxl writes it), and a sheet whose data starts lower down."""
    workbook = Workbook()
    sheet = workbook.active
    for r in range(1, 5):
        sheet.append([f"{r}-{c}" for c in range(1, 201)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = read_table(buffer.getvalue())
    assert len(rows) == 4 and all(len(row) == 200 for row in rows)
    assert rows[3][199] == "4-200"
    lower = xlsx_package(sheet_xml(f'<row r="3">{cell("C3", 1)}{cell("D3", 2)}</row>'))
    assert read_table(lower)[2] == ["1", "2"]  # the file's third row is the third row


def test_the_limits_are_the_documented_ones():
    assert spreadsheets.MAX_ROWS == 200_000 and spreadsheets.MAX_COLUMNS == 500
    assert spreadsheets.MAX_BYTES == 20 * 2**20


@pytest.mark.parametrize("epoch", ["1900", "1904"])
def test_a_legitimate_workbook_reads_as_calamine_reads_the_upload_itself(epoch):
    """calamine is given a package rebuilt from the upload's parts: shared strings, styles
    (dates) and the 1904 date system come through unchanged."""
    workbook = Workbook()
    if epoch == "1904":
        workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["指标", "期间", "数值", "说明"])
    sheet.append(["MFG_PRODUCT_PASS_RATE", datetime.date(2024, 7, 1), 93.71, "抽检"])
    sheet.append([None, "2024Q3", 1e-5, True])
    workbook.create_sheet("第二页").append(["不读"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    direct = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    expected = [[spreadsheets.cell_text(c) for c in row] for row in direct.iter_rows()]
    assert read_table(data) == expected
    assert expected[1] == ["MFG_PRODUCT_PASS_RATE", "2024-07-01", "93.71", "抽检"]
