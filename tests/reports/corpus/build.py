"""The import corpus: files laid out the way Inner Mongolia's departments really send them.

Each builder returns the bytes of one file; :data:`CASES` says, for each, what a person would
expect QualityHub to make of it. ``python -m tests.reports.corpus.build`` (re)writes the files
into ``tests/reports/corpus/files/``, where they are kept so that anyone can open them in Excel
or WPS; the test (``tests/reports/test_corpus.py``) reads the kept files. Rebuild them after
changing a builder.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

FILES = Path(__file__).resolve().parent / "files"

# Indicators and departments of the real catalogue the files use.
MFG = ("MFG_PRODUCT_PASS_RATE", "制造业产品质量合格率", "%")
CONSUMER = ("CONSUMER_GOODS_PASS_RATE", "消费品质量合格率", "%")
AGRI = ("AGRI_PRODUCT_SAFETY_PASS_RATE", "农畜产品质量安全例行监测合格率", "%")
GI = ("GEOGRAPHICAL_INDICATIONS", "地理标志数量", "件")
TRADEMARKS = ("VALID_REGISTERED_TRADEMARKS", "有效注册商标拥有量", "万件")
AWARDS = ("CHAIRMAN_QUALITY_AWARD_WINNERS", "主席质量奖获奖企业", "家")
BRANDS = ("REGIONAL_PUBLIC_BRANDS", "具有影响力的区域公用品牌", "个")
DIGITAL = ("EQUIPMENT_DIGITIZATION_RATE", "规模以上工业企业生产设备数字化率", "%")


@dataclass
class Case:
    """One file and what a person would expect of it."""

    name: str  # the file's name in files/
    situation: str  # what it shows, in the words
    build: object  # () -> bytes
    # Given on the page or with --department: the department whose return the file is.
    department: str = ""
    # ok: imports; refused: the whole file cannot be read; errors: rows with errors, nothing
    # written; flags: imports once the flagged values are confirmed.
    outcome: str = "ok"
    # (indicator code, department code, period, value as text) written by a real run.
    values: list[tuple[str, str, str, str]] = field(default_factory=list)
    skipped: int = 0  # rows skipped and listed (missing values, totals, DHIS2 deleted)
    sheets_used: list[str] = field(default_factory=list)
    sheets_skipped: list[str] = field(default_factory=list)
    layout: str = ""  # long | wide, of the first sheet used
    ignored: list[str] = field(default_factory=list)  # headers read past, said so
    message: str = ""  # a substring of the refusal or of an error
    suggestion: str = ""  # a "did you mean" offered
    # Figures stored before the file arrives (indicator code, department code, period, value).
    before: list[tuple[str, str, str, str]] = field(default_factory=list)
    # Columns the office maps on the import page (header → field), after which the file imports.
    mapping: dict[str, str] = field(default_factory=dict)


def _xlsx(sheets, *, percent=(), dates=(), merges=(), widths=True) -> bytes:
    """A workbook: sheets is [(name, rows)]; percent/dates/merges are (sheet, cell) lists."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        if widths:
            for letter in "ABCDEFGH":
                sheet.column_dimensions[letter].width = 18
    for name, ref, fmt in percent:
        book[name][ref].number_format = fmt
    for name, ref in dates:
        book[name][ref].number_format = "yyyy-mm-dd"
    for name, ref in merges:
        book[name].merge_cells(ref)
        first = book[name][ref.split(":")[0]]
        first.alignment = Alignment(horizontal="center")
        first.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows, encoding="gbk", bom=False) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    data = text.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _xls(sheets, *, merges=()) -> bytes:
    import xlwt  # only the corpus builder writes .xls (QualityHub only reads them)

    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets:
        sheet = book.add_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None and value != "":
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_formula(data: bytes, cell: str, formula: str, cached: str) -> bytes:
    """The workbook with ``cell`` of its first sheet a formula whose cached result is
    ``cached``, as Excel saves it (openpyxl writes formulas without results)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = re.sub(
                    rf'<c r="{cell}"[^>]*?(/>|>.*?</c>)',
                    f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c>',
                    text,
                    count=1,
                )
                content = text.encode()
            target.writestr(item, content)
    return out.getvalue()


# --- The files -------------------------------------------------------------------------------

LONG_HEADER = ["指标", "部门", "期间", "数值", "说明"]


def template_long():
    return _xlsx(
        [
            (
                "模板",
                [
                    LONG_HEADER,
                    [MFG[0], "AMR", "2024Q3", 93.71, "抽检"],
                    [CONSUMER[0], "AMR", "2024Q3", 91.2, ""],
                ],
            )
        ]
    )


def title_and_blank_rows():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["2024年第三季度质量强区指标完成情况表"],
                    [],
                    [],
                    LONG_HEADER,
                    [MFG[1], "市场监管局", "2024年第三季度", 93.5, ""],
                    [],
                    [CONSUMER[1], "市场监管局", "2024年第三季度", 90.8, ""],
                ],
            )
        ],
        merges=[("Sheet1", "A1:E1")],
    )


def info_block_and_footnotes():
    return _xlsx(
        [
            (
                "填报表",
                [
                    ["质量强区主要指标季度统计表（2024年第三季度）"],
                    [
                        "填报单位：自治区市场监督管理局",
                        "",
                        "填报人：张某",
                        "",
                        "联系电话：0471-1234567",
                    ],
                    ["指标名称", "计量单位", "本期数值", "备注"],
                    [MFG[1], "%", 93.4, ""],
                    [CONSUMER[1], "%", 90.1, "含抽检"],
                    ["注：1. 数据来源于自治区市场监管局抽检。"],
                    ["2. 合格率保留两位小数。"],
                    ["单位负责人：李某", "", "填报日期：2024年10月10日"],
                ],
            )
        ],
        merges=[("填报表", "A1:E1")],
    )


def sequence_and_unit_columns():
    return _xlsx(
        [
            (
                "数据",
                [
                    ["序号", "指标", "计量单位", "部门", "期间", "数值", "目标值"],
                    [1, GI[1], "件", "知识产权局", "2024Q3", 421, 500],
                    [2, TRADEMARKS[1], "万件", "知识产权局", "2024Q3", 38.5, 40],
                ],
            )
        ]
    )


def header_synonyms():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标名称", "责任单位", "统计期", "本期数值", "计量单位"],
                    [MFG[1], "市场监管局", "2024年三季度", 93.2, "%"],
                    [AGRI[1], "农牧厅", "2024年三季度", 98.1, "%"],
                ],
            )
        ]
    )


def two_level_header():
    return _xlsx(
        [
            (
                "2024年",
                [
                    ["指标", "部门", "2024年", "", "", ""],
                    ["", "", "一季度", "二季度", "三季度", "四季度"],
                    [MFG[1], "市场监管局", 92.9, 93.1, 93.4, 93.8],
                    [CONSUMER[1], "市场监管局", 90.0, 90.3, 90.5, ""],
                ],
            )
        ],
        merges=[("2024年", "C1:F1"), ("2024年", "A1:A2"), ("2024年", "B1:B2")],
    )


def wide_one_header_row():
    return _xlsx(
        [
            (
                "季度数据",
                [
                    ["指标名称", "填报单位", "2024年第一季度", "2024年第二季度", "2024年第三季度"],
                    [GI[1], "知识产权局", 410, 415, 421],
                    [AWARDS[1], "市场监管局", 12, 12, 13],
                ],
            )
        ]
    )


def wide_department_chosen_on_page():
    return _xlsx(
        [
            (
                "农牧厅",
                [
                    ["指标", "2024Q1", "2024Q2", "2024Q3"],
                    [AGRI[1], 97.9, 98.0, 98.2],
                    [BRANDS[1], 21, 22, 24],
                ],
            )
        ]
    )


def instructions_sheet_first():
    return _xlsx(
        [
            (
                "填报说明",
                [["填报说明"], ["1. 每季度结束后10日内报送。"], ["2. 数值保留两位小数。"]],
            ),
            ("数据", [LONG_HEADER, [MFG[0], "AMR", "2024Q2", 93.05, ""]]),
        ]
    )


def one_sheet_per_department():
    return _xlsx(
        [
            ("市场监管局", [["指标", "期间", "数值"], [MFG[1], "2024Q3", 93.6]]),
            ("农牧厅", [["指标", "期间", "数值"], [AGRI[1], "2024Q3", 98.3]]),
            ("知识产权局", [["指标", "期间", "数值"], [GI[1], "2024Q3", 422]]),
        ]
    )


def old_excel_xls():
    return _xls(
        [
            (
                "Sheet1",
                [
                    ["2024年第三季度指标填报"],
                    [],
                    ["指标", "部门", "期间", "数值"],
                    [MFG[1], "市场监管局", "2024Q3", 93.3],
                    [GI[1], "知识产权局", "2024Q3", 419],
                ],
            )
        ]
    )


def missing_value_markers():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    LONG_HEADER,
                    [MFG[0], "AMR", "2024Q3", 93.71, ""],
                    [CONSUMER[0], "AMR", "2024Q3", "—", "未开展抽检"],
                    [AGRI[0], "AGRI", "2024Q3", "——", ""],
                    [GI[0], "IPA", "2024Q3", "/", ""],
                    [AWARDS[0], "AMR", "2024Q3", "无", ""],
                    [BRANDS[0], "AGRI", "2024Q3", "暂无数据", ""],
                    [TRADEMARKS[0], "IPA", "2024Q3", "-", ""],
                    [DIGITAL[0], "MIIT", "2024", "N/A", ""],
                ],
            )
        ]
    )


def totals_row():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [GI[1], "知识产权局", "2024Q3", 421],
                    [AWARDS[1], "市场监管局", "2024Q3", 13],
                    ["合计", "", "", 434],
                ],
            )
        ]
    )


def units_typed_in_cells():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [GI[1], "知识产权局", "2024Q3", "183件"],
                    [TRADEMARKS[1], "知识产权局", "2024Q3", "38.5万件"],
                ],
            )
        ]
    )


def unit_mismatch():
    return _xlsx(
        [("Sheet1", [["指标", "部门", "期间", "数值"], [GI[1], "知识产权局", "2024Q3", "183个"]])]
    )


def period_variants():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [DIGITAL[1], "工信厅", "2023年度", 61.5],
                    [MFG[1], "市场监管局", "2024 年第三季度", 93.1],
                    [CONSUMER[1], "市场监管局", "2024年三季度末", 90.2],
                    [AGRI[1], "农牧厅", dt.date(2024, 6, 30), 98.0],
                ],
            )
        ],
        dates=[("Sheet1", "C5")],
    )


def cumulative_periods():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [GI[1], "知识产权局", "2024年1-9月", 421],
                    [AWARDS[1], "市场监管局", "2024年前三季度", 13],
                ],
            )
        ]
    )


def names_with_prefix():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [MFG[1], "自治区市场监督管理局", "2024Q3", 93.2],
                    [CONSUMER[1], "内蒙古自治区市场监督管理局", "2024Q3", 90.6],
                ],
            )
        ]
    )


def names_with_unit_and_quotes():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [f"{MFG[1]}（%）", "市场监管局", "2024Q3", 93.0],
                    ["专精特新中小企业", "工信厅", "2024Q3", 355],
                    ['"专精特新"中小企业', "工信厅", "2024Q2", 350],
                ],
            )
        ]
    )


def names_in_2016_wording():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    ["主要农畜产品质量安全监测合格率", "农牧厅", "2024Q3", 98.4],
                    ["农畜产品质量安全监测合格率", "农牧厅", "2024Q2", 98.1],
                ],
            )
        ]
    )


def department_return_no_column():
    return _csv(
        [
            ["指标", "期间", "数值", "说明"],
            [MFG[1], "2024年第三季度", "93.71%", "抽检"],
            [CONSUMER[1], "2024年第三季度", "91.20%", ""],
        ]
    )


def percent_formatted_cells():
    return _xlsx(
        [
            (
                "Sheet1",
                [["指标", "部门", "期间", "数值"], [MFG[1], "市场监管局", "2024Q3", 0.9371]],
            )
        ],
        percent=[("Sheet1", "D2", "0.00%")],
    )


def percent_formatted_count():
    return _xlsx(
        [("Sheet1", [["指标", "部门", "期间", "数值"], [GI[1], "知识产权局", "2024Q3", 4.21]])],
        percent=[("Sheet1", "D2", "0%")],
    )


def numbers_as_text():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    [MFG[1], "市场监管局", "2024Q3", " 93.71 "],
                    [GI[1], "知识产权局", "2024Q3", "４２１"],
                    [TRADEMARKS[1], "知识产权局", "2024Q3", "1,038.50"],
                ],
            )
        ]
    )


def formula_cells():
    data = _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "抽检批次", "合格批次", "数值"],
                    [MFG[1], "市场监管局", "2024Q3", 1000, 937, 0],
                ],
            )
        ]
    )
    return _with_formula(data, "F2", "ROUND(E2/D2*100,2)", "93.7")


def scale_mistake():
    return _xlsx(
        [("Sheet1", [["指标", "部门", "期间", "数值"], [MFG[1], "市场监管局", "2024Q4", 0.94]])]
    )


def scale_mistake_within_the_file():
    return _xlsx(
        [
            (
                "市场监管局",
                [
                    ["指标名称", "计量单位", "2024年一季度", "2024年二季度"],
                    [MFG[1], "%", 93.5, 0.94],
                ],
            )
        ]
    )


def scale_mistake_against_the_target():
    return _xlsx(
        [("Sheet1", [["指标", "部门", "期间", "数值"], [AGRI[1], "农牧厅", "2024Q4", 0.98]])]
    )


def eighteen_digits():
    return _csv(
        [["指标", "部门", "期间", "数值"], [GI[1], "知识产权局", "2024Q3", "123456789012345678"]]
    )


def typo_in_a_name():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "数值"],
                    ["制造业产品质量合隔率", "市场监管局", "2024Q3", 93.2],
                ],
            )
        ]
    )


def unrecognised_value_header():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["指标", "部门", "期间", "季末完成"],
                    [MFG[1], "市场监管局", "2024Q3", 93.2],
                ],
            )
        ]
    )


def dhis2_json_set_defaults():
    return json.dumps(
        {
            "dataSet": "QSR_QUARTERLY",
            "completeDate": "2024-10-10",
            "period": "2024Q3",
            "orgUnit": "AMR",
            "attributeOptionCombo": "HllvX50cXC0",
            "dataValues": [
                {"dataElement": MFG[0], "value": "93.71", "comment": "抽检"},
                {"dataElement": CONSUMER[0], "value": "91.2"},
            ],
        },
        ensure_ascii=False,
    ).encode()


def dhis2_json_deleted():
    return json.dumps(
        {
            "dataValues": [
                {"dataElement": MFG[0], "period": "2024Q3", "orgUnit": "AMR", "value": "93.7"},
                {
                    "dataElement": CONSUMER[0],
                    "period": "2024Q3",
                    "orgUnit": "AMR",
                    "value": "91.2",
                    "deleted": True,
                },
            ]
        }
    ).encode()


def dhis2_csv_no_header():
    return _csv(
        [
            [MFG[0], "2024Q3", "AMR", "", "", "93.71", "admin", "2024-10-10", "抽检", "false"],
            [GI[0], "2024Q3", "IPA", "", "", "421", "admin", "2024-10-10", "", "false"],
        ],
        encoding="utf-8",
    )


def gbk_csv_long():
    return _csv(
        [
            ["指标", "部门", "期间", "数值", "说明"],
            [MFG[1], "自治区质监局", "2024年第三季度", "９３．７１", "抽检"],
            [GI[1], "知识产权局", "2024-Q3", "421", ""],
        ]
    )


def year_in_title_wide():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["2024年主要质量指标（分季度）"],
                    ["填报单位：", "知识产权局"],
                    ["指标", "一季度", "二季度", "三季度"],
                    [GI[1], 410, 415, 421],
                ],
            )
        ]
    )


def duplicate_rows_across_sheets():
    return _xlsx(
        [
            ("一", [LONG_HEADER, [MFG[0], "AMR", "2024Q3", 93.7, ""]]),
            ("二", [LONG_HEADER, [MFG[0], "AMR", "2024Q3", 93.8, ""]]),
        ]
    )


def no_table_anywhere():
    return _xlsx([("说明", [["请按模板填写"]]), ("Sheet2", [["本季度无数据"], ["填报人：张某"]])])


def hidden_sheets():
    header = ["指标", "部门", "期间", "数值"]
    data = _xlsx(
        [
            ("本季度", [header, [GI[1], "知识产权局", "2024Q3", 421]]),
            ("上季度（隐藏）", [header, [GI[1], "知识产权局", "2024Q2", 999]]),
            ("下拉选项", [["指标名称"], [GI[1]], [TRADEMARKS[1]]]),
        ]
    )
    book = load_workbook(io.BytesIO(data))
    book["上季度（隐藏）"].sheet_state = "hidden"
    book["下拉选项"].sheet_state = "veryHidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def department_named_in_title_only():
    return _xlsx(
        [
            (
                "Sheet1",
                [
                    ["内蒙古自治区知识产权局 2024年第三季度 质量强区指标报表"],
                    ["填报单位：内蒙古自治区知识产权局"],
                    ["指标名称", "本期数值"],
                    [GI[1], 421],
                    [TRADEMARKS[1], 38.6],
                ],
            )
        ]
    )


CASES = [
    Case(
        "01-template-long.xlsx",
        "QualityHub's own template",
        template_long,
        values=[(MFG[0], "AMR", "2024Q3", "93.71"), (CONSUMER[0], "AMR", "2024Q3", "91.2")],
        layout="long",
    ),
    Case(
        "02-title-and-blank-rows.xlsx",
        "title rows above the header",
        title_and_blank_rows,
        values=[(MFG[0], "AMR", "2024Q3", "93.5"), (CONSUMER[0], "AMR", "2024Q3", "90.8")],
    ),
    Case(
        "03-info-block-and-footnotes.xlsx",
        "a 填报单位/填报人/联系电话 block and 注： footnotes",
        info_block_and_footnotes,
        values=[(MFG[0], "AMR", "2024Q3", "93.4"), (CONSUMER[0], "AMR", "2024Q3", "90.1")],
    ),
    Case(
        "04-sequence-and-unit-columns.xlsx",
        "a 序号 column, 计量单位 and 目标值",
        sequence_and_unit_columns,
        values=[(GI[0], "IPA", "2024Q3", "421"), (TRADEMARKS[0], "IPA", "2024Q3", "38.5")],
        ignored=["序号", "目标值"],
    ),
    Case(
        "05-header-synonyms.xlsx",
        "headers such as 责任单位, 统计期, 本期数值, 指标名称, 计量单位",
        header_synonyms,
        values=[(MFG[0], "AMR", "2024Q3", "93.2"), (AGRI[0], "AGRI", "2024Q3", "98.1")],
    ),
    Case(
        "06-two-level-header.xlsx",
        "a two-level header (2024年 merged over 一季度…四季度)",
        two_level_header,
        values=[
            (MFG[0], "AMR", "2024Q1", "92.9"),
            (MFG[0], "AMR", "2024Q4", "93.8"),
            (CONSUMER[0], "AMR", "2024Q3", "90.5"),
        ],
        layout="wide",
    ),
    Case(
        "07-wide-one-header-row.xlsx",
        "the wide layout: one row per indicator, periods as columns",
        wide_one_header_row,
        values=[(GI[0], "IPA", "2024Q1", "410"), (AWARDS[0], "AMR", "2024Q3", "13")],
        layout="wide",
    ),
    Case(
        "08-wide-department-chosen-on-page.xlsx",
        "a department's own return with no department column (chosen on the page)",
        wide_department_chosen_on_page,
        department="AGRI",
        values=[(AGRI[0], "AGRI", "2024Q3", "98.2"), (BRANDS[0], "AGRI", "2024Q1", "21")],
        layout="wide",
    ),
    Case(
        "09-instructions-sheet-first.xlsx",
        "an instructions sheet before the data sheet",
        instructions_sheet_first,
        values=[(MFG[0], "AMR", "2024Q2", "93.05")],
        sheets_used=["数据"],
        sheets_skipped=["填报说明"],
    ),
    Case(
        "10-one-sheet-per-department.xlsx",
        "a workbook with one sheet per department",
        one_sheet_per_department,
        values=[
            (MFG[0], "AMR", "2024Q3", "93.6"),
            (AGRI[0], "AGRI", "2024Q3", "98.3"),
            (GI[0], "IPA", "2024Q3", "422"),
        ],
        sheets_used=["市场监管局", "农牧厅", "知识产权局"],
    ),
    Case(
        "11-old-excel.xls",
        "an old .xls",
        old_excel_xls,
        values=[(MFG[0], "AMR", "2024Q3", "93.3"), (GI[0], "IPA", "2024Q3", "419")],
    ),
    Case(
        "12-missing-value-markers.xlsx",
        "missing-value markers (—, ——, /, 无, 暂无数据, -, N/A)",
        missing_value_markers,
        values=[(MFG[0], "AMR", "2024Q3", "93.71")],
        skipped=7,
    ),
    Case(
        "13-totals-row.xlsx",
        "a 合计 row",
        totals_row,
        values=[(GI[0], "IPA", "2024Q3", "421"), (AWARDS[0], "AMR", "2024Q3", "13")],
        skipped=1,
    ),
    Case(
        "14-units-typed-in-cells.xlsx",
        "units typed in the cell (183件, 38.5万件)",
        units_typed_in_cells,
        values=[(GI[0], "IPA", "2024Q3", "183"), (TRADEMARKS[0], "IPA", "2024Q3", "38.5")],
    ),
    Case(
        "15-unit-mismatch.xlsx",
        "a unit that is not the indicator's",
        unit_mismatch,
        outcome="errors",
        message="件",
    ),
    Case(
        "16-period-variants.xlsx",
        "periods written 2023年度, 2024 年第三季度, 2024年三季度末, or as a date cell",
        period_variants,
        values=[
            (DIGITAL[0], "MIIT", "2023", "61.5"),
            (MFG[0], "AMR", "2024Q3", "93.1"),
            (CONSUMER[0], "AMR", "2024Q3", "90.2"),
            (AGRI[0], "AGRI", "2024Q2", "98"),
        ],
    ),
    Case(
        "17-cumulative-periods.xlsx",
        "cumulative wording (1-9月, 前三季度)",
        cumulative_periods,
        values=[(GI[0], "IPA", "2024Q3", "421"), (AWARDS[0], "AMR", "2024Q3", "13")],
    ),
    Case(
        "18-names-with-prefix.xlsx",
        "自治区市场监督管理局 for 市场监管局",
        names_with_prefix,
        values=[(MFG[0], "AMR", "2024Q3", "93.2"), (CONSUMER[0], "AMR", "2024Q3", "90.6")],
    ),
    Case(
        "19-names-unit-and-quotes.xlsx",
        "the indicator name with its unit in brackets; straight or missing quotes",
        names_with_unit_and_quotes,
        values=[
            (MFG[0], "AMR", "2024Q3", "93"),
            ("SRDI_SMES", "MIIT", "2024Q3", "355"),
            ("SRDI_SMES", "MIIT", "2024Q2", "350"),
        ],
    ),
    Case(
        "20-names-2016-wording.xlsx",
        "the plans' own wording of an indicator",
        names_in_2016_wording,
        values=[(AGRI[0], "AGRI", "2024Q3", "98.4"), (AGRI[0], "AGRI", "2024Q2", "98.1")],
    ),
    Case(
        "21-department-return-no-column.csv",
        "a department's return with no department column, GBK csv, --department",
        department_return_no_column,
        department="AMR",
        values=[(MFG[0], "AMR", "2024Q3", "93.71"), (CONSUMER[0], "AMR", "2024Q3", "91.2")],
    ),
    Case(
        "22-percent-formatted-cells.xlsx",
        "a column formatted as percent (stored 0.9371, shown 93.71%)",
        percent_formatted_cells,
        values=[(MFG[0], "AMR", "2024Q3", "93.71")],
    ),
    Case(
        "23-percent-formatted-count.xlsx",
        "a percent format on a count",
        percent_formatted_count,
        outcome="errors",
        message="%",
    ),
    Case(
        "24-numbers-as-text.xlsx",
        "numbers stored as text, full-width digits, thousands separators",
        numbers_as_text,
        values=[
            (MFG[0], "AMR", "2024Q3", "93.71"),
            (GI[0], "IPA", "2024Q3", "421"),
            (TRADEMARKS[0], "IPA", "2024Q3", "1038.5"),
        ],
    ),
    Case(
        "25-formula-cells.xlsx",
        "a formula cell gives its cached value",
        formula_cells,
        values=[(MFG[0], "AMR", "2024Q3", "93.7")],
        ignored=["抽检批次", "合格批次"],
    ),
    Case(
        "26-scale-mistake.xlsx",
        "0.94 for a % indicator whose last value is 93.5",
        scale_mistake,
        outcome="flags",
        values=[(MFG[0], "AMR", "2024Q4", "0.94")],
        message="0.94",
        before=[(MFG[0], "AMR", "2024Q3", "93.5")],
    ),
    Case(
        "38-scale-mistake-within-the-file.xlsx",
        "0.94 beside 93.5 for the quarter before, in the same wide row",
        scale_mistake_within_the_file,
        outcome="flags",
        values=[(MFG[0], "AMR", "2024Q1", "93.5"), (MFG[0], "AMR", "2024Q2", "0.94")],
        message="2024Q1",
        layout="wide",
    ),
    Case(
        "39-scale-mistake-against-the-target.xlsx",
        "0.98 for a % indicator with no earlier figure and a target of 98",
        scale_mistake_against_the_target,
        outcome="flags",
        values=[(AGRI[0], "AGRI", "2024Q4", "0.98")],
        message="目标",
    ),
    Case(
        "27-eighteen-digits.csv",
        "an 18-digit number pasted into the value column",
        eighteen_digits,
        outcome="errors",
        message="14 位",
    ),
    Case(
        "28-typo-in-a-name.xlsx",
        "a misspelt indicator: not guessed, the closest offered",
        typo_in_a_name,
        outcome="errors",
        message="制造业产品质量合隔率",
        suggestion="制造业产品质量合格率",
    ),
    Case(
        "29-unrecognised-value-header.xlsx",
        "a value column whose header is not recognised: the office maps it",
        unrecognised_value_header,
        outcome="errors",
        message="数值",
        mapping={"季末完成": "value"},
        values=[(MFG[0], "AMR", "2024Q3", "93.2")],
    ),
    Case(
        "30-dhis2-json-set-defaults.json",
        "DHIS2 JSON with period and orgUnit on the set",
        dhis2_json_set_defaults,
        values=[(MFG[0], "AMR", "2024Q3", "93.71"), (CONSUMER[0], "AMR", "2024Q3", "91.2")],
    ),
    Case(
        "31-dhis2-json-deleted.json",
        'a DHIS2 value with "deleted": true is not imported, and is listed',
        dhis2_json_deleted,
        values=[(MFG[0], "AMR", "2024Q3", "93.7")],
        skipped=1,
    ),
    Case(
        "32-dhis2-csv-no-header.csv",
        "DHIS2's data-value CSV, in its column order, without a header",
        dhis2_csv_no_header,
        values=[(MFG[0], "AMR", "2024Q3", "93.71"), (GI[0], "IPA", "2024Q3", "421")],
    ),
    Case(
        "33-gbk-csv-former-name.csv",
        "GBK csv, full-width digits, a former department name",
        gbk_csv_long,
        values=[(MFG[0], "AMR", "2024Q3", "93.71"), (GI[0], "IPA", "2024Q3", "421")],
    ),
    Case(
        "34-year-in-title-wide.xlsx",
        "quarters across the columns, the year and department above the table",
        year_in_title_wide,
        values=[(GI[0], "IPA", "2024Q1", "410"), (GI[0], "IPA", "2024Q3", "421")],
        layout="wide",
    ),
    Case(
        "35-duplicate-rows-across-sheets.xlsx",
        "the same figure twice, in two sheets",
        duplicate_rows_across_sheets,
        outcome="errors",
        message="重复",
    ),
    Case(
        "36-no-table-anywhere.xlsx",
        "a workbook with no table",
        no_table_anywhere,
        outcome="refused",
        message="没有找到可导入的数据表",
    ),
    Case(
        "40-hidden-sheets.xlsx",
        "sheets hidden in Excel (last quarter's copy, drop-down lists): listed, not read",
        hidden_sheets,
        values=[(GI[0], "IPA", "2024Q3", "421")],
        sheets_used=["本季度"],
        sheets_skipped=["上季度（隐藏）", "下拉选项"],
    ),
    Case(
        "37-department-in-title-only.xlsx",
        "the department and period given only above the table",
        department_named_in_title_only,
        values=[(GI[0], "IPA", "2024Q3", "421"), (TRADEMARKS[0], "IPA", "2024Q3", "38.6")],
    ),
]


def write_files() -> None:
    FILES.mkdir(exist_ok=True)
    for case in CASES:
        (FILES / case.name).write_bytes(case.build())


if __name__ == "__main__":
    write_files()
    print(f"{len(CASES)} files written to {FILES}")
