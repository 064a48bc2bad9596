"""Importing reported values from files as they really arrive (first part of issue 6)."""

import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from departments.models import Department
from indicators.models import Indicator
from reports.exchange.checking import parse_values_file
from reports.exchange.meaning import read_period
from reports.exchange.parsing import ImportFileError
from reports.exchange.services import import_values
from reports.models import ReportedValue, ReportedValueChange
from tests.qualityhub.test_spreadsheets import sparse_xlsx

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    ["指标", "部门", "期间", "数值", "说明"],
    ["MFG_PRODUCT_PASS_RATE", "市场监管局", "2024年第三季度", "93.71%", "年度抽检"],
    ["消费品质量合格率", "自治区质监局", "2024-Q3", "８８．９５", ""],
    ["P16_STANDARDS_FORMULATED", "AMR", "2019", "1,576", ""],
]


def _csv(rows, encoding="utf-8") -> bytes:
    text = "\r\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows)
    return text.encode(encoding)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        _csv(GOOD_ROWS),
        b"\xef\xbb\xbf" + _csv(GOOD_ROWS),
        _csv(GOOD_ROWS, "gbk"),
        _csv(GOOD_ROWS, "gb18030"),
        _xlsx(GOOD_ROWS),
    ],
    ids=["utf8", "utf8-bom", "gbk", "gb18030", "xlsx"],
)
def test_a_file_as_it_really_arrives_is_read_the_same_way(catalog, people, data):
    preview = parse_values_file(data, "values")
    assert preview.errors == []
    got = {(r.indicator.code, r.department.code, r.period, r.value) for r in preview.rows}
    assert got == {
        ("MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", Decimal("93.71")),
        ("CONSUMER_GOODS_PASS_RATE", "AMR", "2024Q3", Decimal("88.95")),  # 质监局 → 市场监管局
        ("P16_STANDARDS_FORMULATED", "AMR", "2019", Decimal("1576")),
    }


def test_english_headers_in_any_order_are_accepted(catalog, people):
    rows = [
        ["value", "period", "department", "indicator"],
        ["93.1", "2024Q2", "AMR", "MFG_PRODUCT_PASS_RATE"],
    ]
    assert parse_values_file(_csv(rows), "en.csv").ok


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024Q3", "2024Q3"),
        ("2024-Q3", "2024Q3"),
        ("2024年第三季度", "2024Q3"),
        ("2024年三季度", "2024Q3"),
        ("2024", "2024"),
        ("2024年", "2024"),
        ("2024年上半年", "2024S1"),
        ("2024S2", "2024S2"),
    ],
)
def test_periods_are_read_as_people_write_them(text, expected):
    assert read_period(text).id == expected


def test_a_valid_file_writes_through_the_service_with_history_and_twice_changes_nothing(
    catalog, people
):
    data = _csv(GOOD_ROWS)
    preview = parse_values_file(data, "2024年三季度.csv")
    assert preview.counts == {
        "new": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "skipped": 0,
        "flags": 0,
    }
    import_values(preview, acting_user=people.office)
    value = ReportedValue.objects.get(indicator__code="MFG_PRODUCT_PASS_RATE", period="2024Q3")
    change = value.changes.get()
    assert (change.via, change.changed_by, value.source) == ("import", people.office, "import")
    assert "2024年三季度.csv" in change.comment and "第 2 行" in change.comment
    changes = ReportedValueChange.objects.count()
    again = parse_values_file(data, "2024年三季度.csv")
    assert again.counts == {
        "new": 0,
        "updated": 0,
        "unchanged": 3,
        "errors": 0,
        "skipped": 0,
        "flags": 0,
    }
    import_values(again, acting_user=people.office)
    assert ReportedValueChange.objects.count() == changes


BAD_FILES = {
    "unknown indicator": (
        [GOOD_ROWS[0], ["NO_SUCH", "AMR", "2024Q3", "1", ""]],
        2,
        "指标",
        "找不到指标",
    ),
    "unknown department": (
        [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "外星局", "2024Q3", "90", ""]],
        2,
        "部门",
        "找不到部门",
    ),
    "bad period": (
        [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q5", "90", ""]],
        2,
        "期间",
        "不是有效的期间",
    ),
    "not a number": (
        [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "九十", ""]],
        2,
        "数值",
        "不是数值",
    ),
    "out of range": (
        [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "120", ""]],
        2,
        "数值",
        "有效范围",
    ),
    "percent on a count": (
        [GOOD_ROWS[0], ["P16_STANDARDS_FORMULATED", "AMR", "2019", "90%", ""]],
        2,
        "数值",
        "%",
    ),
    "duplicate rows": ([GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[1]], 3, "期间", "与第 2 行重复"),
    "too many decimals": (
        [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93.123", ""]],
        2,
        "数值",
        "最多保留",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_row_is_reported_with_row_column_and_chinese_message_and_nothing_is_written(
    catalog, people, case
):
    rows, row_number, column, message = BAD_FILES[case]
    rows = [*rows, GOOD_ROWS[3]]  # a good row too: it must not be written either
    preview = parse_values_file(_csv(rows), f"{case}.csv")
    assert [e.row for e in preview.errors] == [row_number]
    assert preview.errors[0].column.startswith(column)  # 数值（D列）: the field and the letter
    assert message in preview.errors[0].message
    before = ReportedValue.objects.count()
    with pytest.raises(ImportFileError):
        import_values(preview, acting_user=people.office)
    assert ReportedValue.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        (_csv([GOOD_ROWS[0]]), "只有表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "无法读取该 .xls 文件"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "无法识别的文件类型"),
        (b"PK\x03\x04broken", "无法读取该 Excel 文件"),
        ("指标,部门,期间,数值\n".encode() + b"\xff\xfe\xfa\xfb", "无法识别文件编码"),
    ],
    ids=["empty", "header-only", "xls", "png", "broken-xlsx", "bad-encoding"],
)
def test_an_unreadable_file_gets_a_clear_message(catalog, people, data, message):
    with pytest.raises(ImportFileError) as excinfo:
        parse_values_file(data, "bad")
    assert message in str(excinfo.value)


def test_reporters_may_not_import(catalog, people):
    preview = parse_values_file(_csv(GOOD_ROWS), "x.csv")
    with pytest.raises(PermissionDenied):
        import_values(preview, acting_user=people.owner)
    assert not ReportedValue.objects.filter(source="import").exists()


def test_the_command_previews_with_dry_run_and_then_imports(catalog, people, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_bytes(_csv(GOOD_ROWS, "gbk"))
    call_command("import_values", str(path), dry_run=True, user="olivia")
    out = capsys.readouterr().out
    assert "新增 3" in out and "试运行" in out
    assert not ReportedValue.objects.filter(period="2024Q3", source="import").exists()
    call_command("import_values", str(path), user="olivia")
    assert "导入完成：新增 3，更新 0，未变 0" in capsys.readouterr().out
    assert ReportedValue.objects.filter(period="2024Q3", source="import").count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([GOOD_ROWS[0], ["NO_SUCH", "AMR", "2024Q3", "1", ""]]))
    with pytest.raises(CommandError):
        call_command("import_values", str(bad), user="olivia")
    assert "第 2 行 [指标（A列）]" in capsys.readouterr().out


def _zip_bomb() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


def _xml_bomb() -> bytes:
    """An xlsx whose sheet XML defines nested entities (billion laughs)."""
    data = _xlsx(GOOD_ROWS)
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                entities = "".join(
                    f'<!ENTITY l{i} "{"&l" + str(i - 1) + ";" * 1 if i else "lol"}'
                    + ("&l" + str(i - 1) + ";") * 9 * (i > 0)
                    + '">'
                    for i in range(10)
                )
                content = (
                    f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><worksheet>&l9;</worksheet>'
                ).encode()
            out.writestr(item, content)
    return buffer.getvalue()


MORE_BAD_FILES = {
    # A formula-like name is no name: refused as unknown, never stored.
    "formula in indicator": (
        _csv([GOOD_ROWS[0], ["=cmd|' /C calc'!A0", "AMR", "2024Q3", "1", ""]]),
        "找不到指标",
    ),
    "formula in note": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "@SUM(A1)"]]),
        "公式注入",
    ),
    "formula in department": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "+AMR", "2024Q3", "93", ""]]),
        "找不到部门",
    ),
    "formula that begins like a number": (
        _csv(
            [
                GOOD_ROWS[0],
                ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "-2+3+cmd|' /C calc'!A0"],
            ]
        ),
        "公式注入",
    ),
    "missing value column": (
        _csv([["指标", "部门", "期间"], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3"]]),
        "没有找到可导入的数据表",
    ),
    "missing period column (English)": (
        _csv([["indicator", "department", "value"], ["MFG_PRODUCT_PASS_RATE", "AMR", "1"]]),
        "期间",
    ),
    "negative rate": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "-3", ""]]),
        "有效范围",
    ),
    "mixed encodings": (
        "指标,部门,期间,数值\n".encode()
        + "消费品质量合格率,AMR,2024Q3,88\n".encode("gbk")
        + "制造业产品质量合格率,市场监管局,2024Q3,93\n".encode(),
        None,
    ),
    "zip bomb": (_zip_bomb(), "压缩炸弹"),
    "xml entities": (_xml_bomb(), None),
    "json that is not a dataValueSet": (b'{"rows": [1, 2]}', "DHIS2 dataValueSet"),
    "period without a year": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "三季度", "93", ""]]),
        "年份",
    ),
    "historical department of a merged office, misspelt": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "自治区质检局", "2024Q3", "93", ""]]),
        "找不到部门",
    ),
}


@pytest.mark.parametrize("case", list(MORE_BAD_FILES))
def test_more_crafted_bad_files_get_a_clear_error_and_write_nothing(catalog, people, case):
    data, message = MORE_BAD_FILES[case]
    before = ReportedValue.objects.count()
    try:
        preview = parse_values_file(data, case)
    except ImportFileError as exc:
        text = str(exc)
    else:
        assert preview.errors, "the file must be refused"
        text = " ".join(f"第{e.row}行{e.column}:{e.message}" for e in preview.errors)
        with pytest.raises(ImportFileError):
            import_values(preview, acting_user=people.office)
    if message:
        assert message in text
    assert text.strip()
    assert ReportedValue.objects.count() == before


def _json(payload) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


DHIS2_ROW = {"dataElement": "MFG_PRODUCT_PASS_RATE", "period": "2024Q3", "orgUnit": "AMR"}
#: Well after the first 4 KB, where a NUL no longer looks like a binary file's.
FILLER = [
    ["MFG_PRODUCT_PASS_RATE", "AMR", f"{y}Q{q}", "93", ""]
    for y in range(2000, 2030)
    for q in (1, 2, 3, 4)
]

#: Files that used to reach the database or crash a worker: each must be refused with a clear
#: Chinese message (the whole file, or the row), and nothing written. The import page and the
#: admin's import are given the same files (test_import_page.py, test_value_resource.py).
HOSTILE_FILES = {
    "csv with a 200 KB cell": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "x" * 200_000]]),
        "单元格过长",
    ),
    "csv with a 40 KB cell": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "x" * 40_000]]),
        "超过 32767 个字符",
    ),
    "csv with a NUL in a cell": (
        _csv([GOOD_ROWS[0], *FILLER, ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "9\x003", ""]]),
        "空字符",
    ),
    "csv with a NUL at the start": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE\x00", "AMR", "2024Q3", "93", ""]]),
        "无法识别的文件类型",
    ),
    "csv neither UTF-8 nor GBK": (
        _csv(
            [
                ["indicator", "department", "period", "value", "note"],
                ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "café"],
            ],
            "latin-1",
        ),
        "无法识别文件编码",
    ),
    "DHIS2 dataValues null": (_json({"dataValues": None}), "DHIS2 dataValueSet"),
    "DHIS2 dataValues 5": (_json({"dataValues": 5}), "DHIS2 dataValueSet"),
    "DHIS2 a list of non-objects": (_json({"dataValues": [1, "x", None]}), "不是对象"),
    "DHIS2 an object as a value": (
        _json({"dataValues": [{**DHIS2_ROW, "value": {"$gt": 1}}]}),
        "应为文字或数字",
    ),
    "DHIS2 a list as a value": (
        _json({"dataValues": [{**DHIS2_ROW, "value": [93]}]}),
        "应为文字或数字",
    ),
    "DHIS2 a NUL in a value": (
        _json({"dataValues": [{**DHIS2_ROW, "value": "9\u00003"}]}),
        "空字符",
    ),
    "DHIS2 a NUL in a comment": (
        b'{"dataValues": [{"dataElement": "MFG_PRODUCT_PASS_RATE", "period": "2024Q3",'
        b' "orgUnit": "AMR", "value": "93", "comment": "a\\u0000b"}]}',
        "空字符",
    ),
    "an 18-digit number": (
        _csv([GOOD_ROWS[0], ["P16_STANDARDS_FORMULATED", "AMR", "2019", "123456789012345678", ""]]),
        "超出可保存的范围",
    ),
    "an 18-digit number in an xlsx number cell": (
        _xlsx([GOOD_ROWS[0], ["P16_STANDARDS_FORMULATED", "AMR", "2019", 123456789012345678, ""]]),
        "超出可保存的范围",
    ),
    "a year the database does not keep": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "0999Q3", "93", ""]]),
        "超出范围",
    ),
    "a year beyond 2999": (
        _csv([GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "3000", "93", ""]]),
        "超出范围",
    ),
    "a sparse xlsx (A1 and XFD1048576)": (sparse_xlsx(), "该 Excel 工作表的范围过大"),
}


def _refusal(data: bytes, name: str):
    """The message a file gets from the check, and its preview if the rows are at fault."""
    try:
        preview = parse_values_file(data, name)
    except ImportFileError as exc:
        return str(exc), None
    assert preview.errors, "the file must be refused"
    return " ".join(f"第{e.row}行{e.column}:{e.message}" for e in preview.errors), preview


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_gets_a_clear_message_and_writes_nothing(catalog, people, case):
    data, message = HOSTILE_FILES[case]
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())
    text, preview = _refusal(data, case)
    assert message in text
    if preview is not None:  # row errors: the file cannot be imported either
        with pytest.raises(ImportFileError):
            import_values(preview, acting_user=people.office)
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_the_command_refuses_a_hostile_file_with_the_same_message(
    catalog, people, tmp_path, capsys, case
):
    data, message = HOSTILE_FILES[case]
    path = tmp_path / "hostile.dat"
    path.write_bytes(data)
    before = ReportedValue.objects.count()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_values", str(path), user="olivia")
    assert message in str(excinfo.value) + capsys.readouterr().out
    assert ReportedValue.objects.count() == before


def test_a_json_file_with_a_byte_order_mark_is_read_as_dhis2(catalog, people):
    row = {**DHIS2_ROW, "value": "93.71"}
    preview = parse_values_file(b"\xef\xbb\xbf" + _json({"dataValues": [row]}), "dhis2.json")
    assert preview.ok and preview.rows[0].value == Decimal("93.71")


def test_a_wide_sheet_with_notes_far_to_the_right_still_imports(catalog, people):
    """200 columns × a few rows: columns without a header are read past."""
    rows = [[*GOOD_ROWS[0], *[""] * 195]]
    for row in GOOD_ROWS[1:]:
        rows.append([*row, *[""] * 194, "核对人：张三"])
    preview = parse_values_file(_xlsx(rows), "wide.xlsx")
    assert preview.ok and preview.counts["new"] == 3
    assert import_values(preview, acting_user=people.office)["new"] == 3


def test_row_numbers_are_the_sheets_own_when_the_table_starts_lower_down(catalog, people):
    rows = [[], [], [], *GOOD_ROWS, ["NO_SUCH", "AMR", "2024Q3", "1", ""]]  # header on row 4
    preview = parse_values_file(_xlsx(rows), "lower.xlsx")
    assert [(e.row, e.column) for e in preview.errors] == [(8, "指标（A列）")]


def test_an_oversized_or_too_long_file_is_refused(catalog, people, monkeypatch):
    import qualityhub.spreadsheets as imports

    monkeypatch.setattr(imports, "MAX_BYTES", 100)
    with pytest.raises(ImportFileError, match="超过"):
        parse_values_file(_csv(GOOD_ROWS) * 3, "big.csv")
    monkeypatch.setattr(imports, "MAX_BYTES", 10**8)
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="行"):
        parse_values_file(_csv(GOOD_ROWS), "long.csv")


def test_a_neutralised_formula_is_accepted_as_plain_text(catalog, people):
    rows = [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93", "'=不是公式"]]
    preview = parse_values_file(_csv(rows), "ok.csv")
    assert preview.ok and preview.rows[0].note == "=不是公式"


def test_an_update_bumps_the_version_and_records_the_old_value_with_file_and_row(
    catalog, people, django_capture_on_commit_callbacks
):
    from reports.gaps.tasks import schedule_gap_computation

    stored = ReportedValue.objects.create(  # a department's draft, as its form saved it
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        department=Department.objects.get(code="AMR"),
        period="2024Q3",
        value=Decimal("90"),
        note="季度初值",
        state="draft",
    )
    rows = [GOOD_ROWS[0], GOOD_ROWS[3], GOOD_ROWS[1]]  # one new, one update
    preview = parse_values_file(_csv(rows), "更正.csv")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        counts = import_values(preview, acting_user=people.office)
    assert counts == {"new": 1, "updated": 1, "unchanged": 0, "errors": 0, "skipped": 0, "flags": 0}
    stored.refresh_from_db()
    assert (stored.value, stored.note, stored.state, stored.source, stored.version) == (
        Decimal("93.71"),
        "年度抽检",
        "approved",
        "import",
        2,
    )
    assert stored.updated_by == stored.reviewed_by == people.office  # approved by the import
    change = stored.changes.order_by("id").last()
    assert (change.action, change.via, change.changed_by) == ("update", "import", people.office)
    assert (change.old_value, change.old_note, change.old_state) == (
        Decimal("90"),
        "季度初值",
        "draft",
    )
    assert (change.new_value, change.new_state) == (Decimal("93.71"), "approved")
    assert change.comment == "导入文件：更正.csv 第 3 行"
    created = ReportedValue.objects.get(indicator__code="P16_STANDARDS_FORMULATED", period="2019")
    assert created.changes.get().comment == "导入文件：更正.csv 第 2 行"
    assert schedule_gap_computation in callbacks  # imported values are approved: gaps run again


def test_the_write_reads_the_values_afresh_when_the_preview_is_stale(catalog, people):
    preview = parse_values_file(_csv(GOOD_ROWS[:2]), "late.csv")
    assert preview.counts["new"] == 1
    # Between the preview and the confirmation, someone enters exactly the file's figure.
    ReportedValue.objects.create(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        department=Department.objects.get(code="AMR"),
        period="2024Q3",
        value=Decimal("93.71"),
        note="年度抽检",
        state="draft",
    )
    counts = import_values(preview, acting_user=people.office)
    assert counts == {"new": 0, "updated": 0, "unchanged": 1, "errors": 0, "skipped": 0, "flags": 0}
    assert (
        ReportedValue.objects.get(period="2024Q3", indicator__code="MFG_PRODUCT_PASS_RATE").version
        == 1
    )


def test_a_failed_write_leaves_nothing_behind(catalog, people, monkeypatch):
    import reports.exchange.writing as services

    preview = parse_values_file(_csv(GOOD_ROWS), "x.csv")
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())

    def fail(done):
        if done >= 3:
            raise RuntimeError("worker lost")

    monkeypatch.setattr(services, "IMPORT_CHUNK", 2)
    with pytest.raises(RuntimeError):
        import_values(preview, acting_user=people.office, on_progress=fail)
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before
    # and the same connection imports the file afterwards (no temporary table left over)
    assert import_values(preview, acting_user=people.office)["new"] == 3


def test_row_numbers_are_the_files_own_when_blank_rows_come_between(catalog, people):
    rows = [GOOD_ROWS[0], GOOD_ROWS[1], ["", "", "", "", ""], ["NO_SUCH", "AMR", "2024Q3", "1", ""]]
    preview = parse_values_file(_csv(rows), "gaps.csv")
    assert [(e.row, e.column) for e in preview.errors] == [(4, "指标（A列）")]


def test_a_department_return_refuses_rows_of_another_department(catalog, people):
    agri = Department.objects.get(code="AGRI")
    data = _csv(GOOD_ROWS)  # every row is 市场监管局's (AMR)
    preview = parse_values_file(data, "农牧厅报送.csv", department=agri)
    assert [(e.row, e.column[:2]) for e in preview.errors] == [
        (2, "部门"),
        (3, "部门"),
        (4, "部门"),
    ]
    assert "本次导入只接受" in preview.errors[0].message and "农牧厅" in preview.errors[0].message
    with pytest.raises(ImportFileError):
        import_values(preview, acting_user=people.office)
    assert not ReportedValue.objects.filter(source="import").exists()
    amr = Department.objects.get(code="AMR")
    assert parse_values_file(data, "x.csv", department=amr).ok


def test_the_command_takes_a_department_return(catalog, people, tmp_path, capsys):
    path = tmp_path / "农牧厅.csv"
    path.write_bytes(_csv(GOOD_ROWS))
    with pytest.raises(CommandError):
        call_command("import_values", str(path), user="olivia", department="AGRI")
    assert "本次导入只接受" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no current department"):
        call_command("import_values", str(path), user="olivia", department="NOPE")


@pytest.mark.django_db(transaction=True)
def test_an_import_waiting_too_long_for_another_gives_up_with_a_clear_message(
    reload_catalog, monkeypatch
):
    import psycopg
    from django.db import connection

    import reports.exchange.writing as services
    from tests.factories import UserFactory

    monkeypatch.setattr(services, "IMPORT_WRITE_TIMEOUT_MS", 300)
    office = UserFactory(username="office-timeout", is_superuser=True)
    preview = parse_values_file(_csv(GOOD_ROWS), "slow.csv")
    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"], dbname=settings["NAME"]
    )
    try:  # another import holds the lock
        other.execute("BEGIN")
        other.execute("SELECT pg_advisory_xact_lock(hashtext('reports.import'))")
        with pytest.raises(ImportFileError, match="写入超时"):
            import_values(preview, acting_user=office)
    finally:
        other.close()
    assert not ReportedValue.objects.filter(source="import").exists()
    assert import_values(preview, acting_user=office)["new"] == 3  # and the next one goes through


def test_a_column_nobody_asked_for_is_read_past_and_listed(catalog, people):
    preview = parse_values_file(_csv([[*GOOD_ROWS[0], "密码"], [*GOOD_ROWS[1], "x"]]), "x.csv")
    assert preview.ok
    column = next(c for c in preview.sheets[0]["columns"] if c["header"] == "密码")
    assert column["field"] == "" and column["letter"] == "F"


def test_an_empty_value_is_a_skipped_row_listed_with_its_reason(catalog, people):
    rows = [GOOD_ROWS[0], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "", ""], GOOD_ROWS[3]]
    preview = parse_values_file(_csv(rows), "x.csv")
    assert preview.ok and len(preview.rows) == 1
    assert [(s["row"], s["column"]) for s in preview.skipped] == [(2, "D")]


def test_a_header_missing_a_column_asks_the_office_to_map_it(catalog, people):
    """名称 is not recognised as the indicator column: the preview says so, at the header, and
    offers the column for mapping; mapped, the file reads."""
    data = _csv(
        [["名称", "部门", "期间", "数值"], ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q3", "93"]]
    )
    preview = parse_values_file(data, "x.csv")
    assert [(e.row, e.column) for e in preview.errors] == [(1, "表头")]
    assert "指标" in preview.errors[0].message
    assert preview.sheets[0]["status"] == "incomplete"
    mapped = parse_values_file(data, "x.csv", mapping={"名称": "indicator"})
    assert mapped.ok and mapped.rows[0].value == Decimal("93")
