"""What a cell means: values and periods read the way the person who typed them meant them.

Pure functions, so no database: the indicators are unsaved ``Indicator`` instances.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from indicators.models import Indicator
from reports.exchange.meaning import (
    MISSING_MARKERS,
    Missing,
    PeriodProblem,
    ValueProblem,
    find_period_in_text,
    find_year_in_text,
    missing_marker,
    read_period,
    read_value,
)
from reports.periods import Period

RATE = Indicator(
    code="rate",
    name_zh="产品质量合格率",
    unit="%",
    value_kind="rate",
    decimals=2,
    min_value=D(0),
    max_value=D(100),
)
COUNT = Indicator(
    code="count",
    name_zh="有效发明专利数",
    unit="件",
    value_kind="count",
    decimals=0,
    min_value=D(0),
)
WAN = Indicator(
    code="wan", name_zh="商标注册量", unit="万件", value_kind="count", decimals=1, min_value=D(0)
)
FIRMS = Indicator(code="firms", name_zh="认证企业数", unit="家", value_kind="count", decimals=0)
INDEX = Indicator(code="index", name_zh="质量竞争力指数", unit="", value_kind="index", decimals=2)
QUALITATIVE = Indicator(code="qual", name_zh="质量工作机制", unit="", value_kind="qualitative")

FULL_WIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")


# --- Values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "indicator", "percent", "expected"),
    [
        # numbers and numbers stored as text
        (93.71, RATE, False, "93.71"),
        (96, RATE, False, "96"),
        (D("93.71"), RATE, False, "93.71"),
        ("93.71", RATE, False, "93.71"),
        (" 93.71 ", RATE, False, "93.71"),
        ("\u300093.71\u3000", RATE, False, "93.71"),
        ("９３．７１", RATE, False, "93.71"),
        ("93.710", RATE, False, "93.71"),
        ("-3.5", INDEX, False, "-3.5"),
        ("−3.5", INDEX, False, "-3.5"),  # U+2212, as Word writes a minus
        # thousands separators in groups of three
        ("1,576.43", INDEX, False, "1576.43"),
        ("１，５７６", COUNT, False, "1576"),
        ("1,234,567", COUNT, False, "1234567"),
        ("1 576", COUNT, False, "1576"),
        # a trailing % only for a % indicator; the indicator's own unit
        ("93.71%", RATE, False, "93.71"),
        ("９３．７１％", RATE, False, "93.71"),
        ("93.71 %", RATE, False, "93.71"),
        ("183件", COUNT, False, "183"),
        ("183 件", COUNT, False, "183"),
        ("1,576件", COUNT, False, "1576"),
        ("38.5万件", WAN, False, "38.5"),
        ("41家", FIRMS, False, "41"),
        # float artefacts: what a person typed
        (93.71000000000001, RATE, False, "93.71"),
        (0.9371 * 100, RATE, False, "93.71"),
        (0.1 + 0.2, INDEX, False, "0.3"),
        (183.0, COUNT, False, "183"),
        # percent-formatted cells
        (0.9371, RATE, True, "93.71"),
        (0.93710000000000004, RATE, True, "93.71"),
        (1, RATE, True, "100"),
        (0, RATE, True, "0"),
        ("93.71%", RATE, True, "93.71"),  # a text cell: its own % is read, the format ignored
    ],
)
def test_a_value_is_read_as_the_person_meant_it(raw, indicator, percent, expected):
    value = read_value(raw, indicator=indicator, percent=percent)
    assert value == D(expected)
    assert str(value) == expected  # written plainly: 100, not 1E+2; 93.71, not 93.7100


MARKERS_AS_TYPED = [
    *["-", "--", "—", "——", "－", "–", " — ", "/", "／"],
    *["无", "暂无", "暂无数据", "未统计", "不适用", "空"],
    *["N/A", "n/a", "Ｎ／Ａ", "NA", "null", "NULL"],
]


@pytest.mark.parametrize("marker", MARKERS_AS_TYPED)
def test_missing_value_markers_are_no_value_not_an_error(marker):
    result = read_value(marker, indicator=RATE)
    assert result == Missing(marker.strip(), f"“{marker.strip()}”表示没有数值")
    assert not result.empty
    assert missing_marker(marker) == marker.strip()


def test_every_listed_marker_is_read_as_missing():
    for marker in MISSING_MARKERS:
        assert isinstance(read_value(marker, indicator=COUNT), Missing)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_an_empty_cell_is_missing_and_says_so(raw):
    result = read_value(raw, indicator=RATE)
    assert result == Missing("", "单元格为空")
    assert result.empty


def test_a_marker_for_a_qualitative_indicator_is_still_missing():
    assert isinstance(read_value("—", indicator=QUALITATIVE), Missing)


@pytest.mark.parametrize("text", ["-3.5", "0", "93.71", "- 3", "无锡", "-+1"])
def test_numbers_and_other_text_are_not_missing_markers(text):
    assert missing_marker(text) is None


@pytest.mark.parametrize(
    ("raw", "indicator", "percent", "fragments"),
    [
        # percent-formatted cell for a non-% indicator
        (0.5, COUNT, True, ["百分比格式", "50%", "“件”", "有效发明专利数"]),
        (0.41, INDEX, True, ["百分比格式", "41%", "“无”"]),
        # a different unit, both named
        ("38.5万件", COUNT, False, ["“38.5万件”", "“万件”", "“件”", "有效发明专利数", "换算"]),
        ("385000件", WAN, False, ["“385000件”", "“件”", "“万件”"]),
        ("183个", COUNT, False, ["“183个”", "“个”", "“件”"]),
        ("41%", FIRMS, False, ["“41%”", "“%”", "“家”"]),
        ("3个百分点", RATE, False, ["“个百分点”", "“%”"]),
        ("183件", INDEX, False, ["“183件”", "“件”", "没有计量单位"]),
        # not numbers
        ("abc", RATE, False, ["“abc”不是数值"]),
        ("93.7.1", RATE, False, ["“93.7.1”不是数值"]),
        ("1e5", COUNT, False, ["“1e5”不是数值"]),
        ("约93", RATE, False, ["“约93”不是数值"]),
        ("件", COUNT, False, ["“件”不是数值"]),
        ("12,34.5", INDEX, False, ["“12,34.5”", "千位分隔符"]),
        ("#DIV/0!", RATE, False, ["“#DIV/0!”", "公式的错误值"]),
        ("#N/A", RATE, False, ["“#N/A”", "公式的错误值"]),
        # cells of the wrong type
        (True, RATE, False, ["逻辑值", "TRUE"]),
        (False, RATE, False, ["逻辑值", "FALSE"]),
        (dt.date(2024, 9, 30), RATE, False, ["日期", "2024-09-30", "常规"]),
        (dt.datetime(2024, 9, 30, 8, 30), RATE, False, ["日期", "2024-09-30 08:30:00"]),
        (dt.time(9, 30), RATE, False, ["时间", "09:30:00"]),
        (dt.timedelta(hours=36), RATE, False, ["时间"]),
        (float("nan"), RATE, False, ["不是有效的数字"]),
        (float("inf"), INDEX, False, ["不是有效的数字"]),
        # value_problem: range, decimals, the column
        ("150", RATE, False, ["150 超出指标“产品质量合格率”的有效范围", "0 到 100"]),
        ("１５０", RATE, False, ["“１５０”：150 超出", "0 到 100"]),
        (1.5, RATE, True, ["150%", "超出"]),
        ("-1", COUNT, False, ["-1 超出"]),
        ("93.711", RATE, False, ["“93.711”：最多保留 2 位小数"]),
        ("183.5件", COUNT, False, ["“183.5件”：应填写整数"]),
        ("0.9371", RATE, False, ["“0.9371”：最多保留 2 位小数"]),  # a text cell is not scaled
        ("123456789012345", INDEX, False, ["整数部分最多 14 位"]),
        (1e20, INDEX, False, ["整数部分最多 14 位"]),
        # a formula's unrounded result: refused, and the cell's stored digits are shown
        (93.7142857142857, RATE, False, ["93.7142857142857", "最多保留 2 位小数", "ROUND"]),
        (0.937142857142857, RATE, True, ["93.7142857142857%", "ROUND"]),
        (2.5, COUNT, False, ["2.5", "应填写整数", "ROUND"]),
        # a qualitative indicator has no figure
        ("1", QUALITATIVE, False, ["定性指标"]),
    ],
)
def test_a_value_that_cannot_be_the_figure_is_refused_naming_what_was_typed(
    raw, indicator, percent, fragments
):
    with pytest.raises(ValueProblem) as excinfo:
        read_value(raw, indicator=indicator, percent=percent)
    for fragment in fragments:
        assert fragment in excinfo.value.message
    assert str(excinfo.value) == excinfo.value.message


def test_cells_as_calamine_reads_them_from_an_xlsx():
    """A float artefact, a percent cell's stored fraction, a date and a dash, through calamine."""
    book = Workbook()
    sheet = book.active
    sheet.append([0.9371 * 100, 0.9371, dt.date(2024, 9, 30), "—", "183件", 2024])
    sheet["B1"].number_format = "0.00%"
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    row = CalamineWorkbook.from_filelike(buffer).get_sheet_by_index(0).to_python()[0]

    assert read_value(row[0], indicator=RATE) == D("93.71")
    assert read_value(row[1], indicator=RATE, percent=True) == D("93.71")
    assert read_period(row[2], frequency="quarterly") == Period(2024, "Q", 3)
    assert isinstance(read_value(row[3], indicator=RATE), Missing)
    assert read_value(row[4], indicator=COUNT) == D("183")
    assert read_period(row[5]) == Period(2024)


# --- Periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # what parse_period_text reads
        ("2024Q3", "2024Q3"),
        ("2024q3", "2024Q3"),
        ("2024-Q3", "2024Q3"),
        ("2024年第三季度", "2024Q3"),
        ("2024年三季度", "2024Q3"),
        ("2024", "2024"),
        ("2024年", "2024"),
        ("2024S1", "2024S1"),
        ("2024-S2", "2024S2"),
        ("2024年上半年", "2024S1"),
        ("2024年下半年", "2024S2"),
        ("２０２４Ｑ３", "2024Q3"),
        # and more
        ("2024年度", "2024"),
        ("2024全年", "2024"),
        ("2024年全年", "2024"),
        ("2024.0", "2024"),
        ("2024上半年", "2024S1"),
        ("2024 年第三季度", "2024Q3"),
        (" 2024 年 第 三 季 度 ", "2024Q3"),
        ("2024年三季度末", "2024Q3"),
        ("2024年3季度", "2024Q3"),
        ("2024年第3季度", "2024Q3"),
        ("2024年第三季", "2024Q3"),
        ("2024第三季度", "2024Q3"),
        ("2024年度第三季度", "2024Q3"),
        ("2024年一季度", "2024Q1"),
        ("2024年第四季度", "2024Q4"),
        ("2024.Q3", "2024Q3"),
        ("2024/Q3", "2024Q3"),
        ("2024_Q3", "2024Q3"),
        ("2024 Q3", "2024Q3"),
        ("2024年Q3", "2024Q3"),
        ("Q3 2024", "2024Q3"),
        ("Q3-2024", "2024Q3"),
        ("2024H1", "2024S1"),
        ("H2 2024", "2024S2"),
        ("（2024年第三季度）", "2024Q3"),
        ("2024年第三季度累计", "2024Q3"),
        # cumulative wording: the quarter it ends
        ("2024年1-9月", "2024Q3"),
        ("2024年1—9月", "2024Q3"),
        ("2024年1–9月", "2024Q3"),
        ("2024年1～9月", "2024Q3"),
        ("2024年1至9月", "2024Q3"),
        ("2024年1到9月", "2024Q3"),
        ("2024年1月-9月", "2024Q3"),
        ("2024年1月至9月", "2024Q3"),
        ("2024年1-9月累计", "2024Q3"),
        ("（2024年1-9月）", "2024Q3"),
        ("2024年前三季度", "2024Q3"),
        ("2024年前两季度", "2024Q2"),
        ("2024年1-3月", "2024Q1"),
        ("2024年1-6月", "2024Q2"),
        ("2024年1-12月", "2024Q4"),
        ("2024年4-6月", "2024Q2"),  # exactly one quarter
        ("2024年10-12月", "2024Q4"),
        # dates and months: the quarter containing them
        ("2024-09-30", "2024Q3"),
        ("2024/9/30", "2024Q3"),
        ("2024.9.30", "2024Q3"),
        ("2024年9月30日", "2024Q3"),
        ("2024-09-30 00:00:00", "2024Q3"),
        ("2024-07-01", "2024Q3"),
        ("2024年9月", "2024Q3"),
        ("2024年9月份", "2024Q3"),
        ("2024年9月底", "2024Q3"),
        ("2024-09", "2024Q3"),
        ("2024/9", "2024Q3"),
        ("2024年10月", "2024Q4"),
        ("截至2024年9月底", "2024Q3"),
        ("截止2024年9月30日", "2024Q3"),
        # numbers: a year
        (2024, "2024"),
        (2024.0, "2024"),
        (D("2024"), "2024"),
        # Excel date cells
        (dt.date(2024, 9, 30), "2024Q3"),
        (dt.date(2024, 1, 1), "2024Q1"),
        (dt.datetime(2024, 12, 31, 23, 59), "2024Q4"),
    ],
)
def test_a_period_is_read_as_the_person_meant_it(raw, expected):
    assert read_period(raw) == Period.parse(expected)


@pytest.mark.parametrize(
    ("raw", "frequency", "expected"),
    [
        (dt.date(2024, 9, 30), "quarterly", "2024Q3"),
        (dt.date(2024, 9, 30), "half_yearly", "2024S2"),
        (dt.date(2024, 6, 30), "half_yearly", "2024S1"),
        (dt.date(2024, 9, 30), "annual", "2024"),
        (dt.datetime(2024, 3, 31, 12), "annual", "2024"),
        ("2024-09-30", "half_yearly", "2024S2"),
        ("2024年9月", "annual", "2024"),
        ("2024年1-6月", "half_yearly", "2024S1"),
        ("2024年7-12月", "half_yearly", "2024S2"),
        ("2024年1-12月", "half_yearly", "2024S2"),
        ("2024年1-12月", "annual", "2024"),
        ("2024年前四季度", "annual", "2024"),
        # explicit wording names its own period, whatever the frequency
        ("2024年上半年", "quarterly", "2024S1"),
        ("2024年第三季度", "annual", "2024Q3"),
        ("2024年度", "quarterly", "2024"),
    ],
)
def test_dates_months_and_spans_follow_the_indicators_frequency(raw, frequency, expected):
    assert read_period(raw, frequency=frequency) == Period.parse(expected)


@pytest.mark.parametrize(
    ("raw", "year", "expected"),
    [
        ("三季度", 2024, "2024Q3"),
        ("第三季度", 2024, "2024Q3"),
        ("一季度", 2025, "2025Q1"),
        ("Q3", 2024, "2024Q3"),
        ("S1", 2024, "2024S1"),
        ("上半年", 2024, "2024S1"),
        ("前三季度", 2024, "2024Q3"),
        ("1-9月", 2023, "2023Q3"),
        ("1-3月", 2024, "2024Q1"),
        ("9月", 2024, "2024Q3"),
        ("9月30日", 2024, "2024Q3"),
        ("全年", 2024, "2024"),
        ("年度", 2024, "2024"),
        ("2023年第三季度", 2024, "2023Q3"),  # the year in the text wins
    ],
)
def test_a_period_without_its_year_takes_the_year_given(raw, year, expected):
    assert read_period(raw, year=year) == Period.parse(expected)


@pytest.mark.parametrize(
    ("raw", "kwargs", "fragments"),
    [
        ("三季度", {}, ["“三季度”没有写明年份", "表头"]),
        ("Q3", {}, ["没有写明年份"]),
        ("1-9月", {}, ["没有写明年份"]),
        ("全年", {}, ["没有写明年份"]),
        ("", {}, ["期间为空"]),
        (None, {}, ["期间为空"]),
        ("abc", {}, ["“abc”不是有效的期间", "2024Q3"]),
        ("2024Q5", {}, ["不是有效的期间"]),
        ("2024S3", {}, ["不是有效的期间"]),
        ("24Q1", {}, ["不是有效的期间"]),
        ("1-9", {"year": 2024}, ["不是有效的期间"]),  # no 月: a span, or January 9th?
        ("2024年1-9", {}, ["不是有效的期间"]),
        ("2024年13月", {}, ["月份不对"]),
        ("2024年9-3月", {}, ["月份不对"]),
        ("2024-02-30", {}, ["“2024-02-30”不是有效的日期"]),
        ("2024年1-8月", {}, ["“2024年1-8月”不对应一个季度", "1-9 月"]),
        ("2024年2-5月", {}, ["不对应一个季度"]),
        ("2024年1-9月", {"frequency": "half_yearly"}, ["不对应一个半年", "1-6 月"]),
        ("2024年前三季度", {"frequency": "annual"}, ["不对应一个年度", "1-12 月"]),
        # years the database cannot hold
        ("3000Q1", {}, ["年份 3000 超出范围", "1000 到 2999"]),
        ("0999", {}, ["年份 999 超出范围"]),
        ("3000年1-9月", {}, ["年份 3000 超出范围"]),
        ("三季度", {"year": 3000}, ["年份 3000 超出范围"]),
        (3000, {}, ["年份 3000 超出范围"]),
        (dt.date(999, 12, 31), {}, ["年份 999 超出范围"]),
        # numbers that are not years
        (2024.5, {}, ["数字 2024.5 不是期间"]),
        (45565, {}, ["数字 45565 不是期间"]),  # an Excel date serial without a date format
        (3, {}, ["数字 3 不是期间"]),
        (float("nan"), {}, ["不是期间"]),
        # cells of the wrong type
        (True, {}, ["逻辑值"]),
        (dt.time(9), {}, ["时间"]),
        (dt.timedelta(days=1), {}, ["时间"]),
    ],
)
def test_a_period_that_cannot_be_stored_is_refused_with_a_message(raw, kwargs, fragments):
    with pytest.raises(PeriodProblem) as excinfo:
        read_period(raw, **kwargs)
    for fragment in fragments:
        assert fragment in excinfo.value.message


def test_an_unknown_frequency_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown frequency"):
        read_period("2024Q3", frequency="monthly")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2025年第二季度质量强区指标完成情况表", "2025Q2"),
        ("（2024年1-9月）", "2024Q3"),
        ("内蒙古自治区质量强区指标完成情况（2024年1—9月）", "2024Q3"),
        ("2024年前三季度主要指标", "2024Q3"),
        ("2024年上半年质量工作报表", "2024S1"),
        ("2024年度质量强区指标完成情况", "2024"),
        ("2024年全年指标", "2024"),
        ("2024Q3 指标", "2024Q3"),
        ("2024年度第三季度报表", "2024Q3"),  # the year beside a finer period of that year
        ("截至2024年9月底主要质量指标", "2024Q3"),
        ("2024年第三季度（1-9月累计）", "2024Q3"),
        ("２０２５年第二季度", "2025Q2"),
        # no period, or not one
        ("2024年质量强区指标完成情况表", None),  # a bare year: see find_year_in_text
        ("质量强区指标完成情况表", None),
        ("填报日期：2024年10月8日", None),
        ("2024年第三季度与2023年第三季度对比", None),
        ("GB/T 19001-2016 认证情况", None),
        ("", None),
        (None, None),
    ],
)
def test_find_period_in_a_title(title, expected):
    assert find_period_in_text(title) == (Period.parse(expected) if expected else None)


def test_find_period_in_a_title_follows_the_frequency():
    assert find_period_in_text("（2024年1-6月）", frequency="half_yearly") == Period(2024, "S", 1)
    assert find_period_in_text("（2024年1-6月）") == Period(2024, "Q", 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024年", 2024),
        ("2024 年", 2024),
        ("２０２４年", 2024),
        ("2024年度", 2024),
        ("2024", 2024),
        (2024, 2024),
        (2024.0, 2024),
        ("2024.0", 2024),
        ("2024Q3", 2024),
        ("2025年第二季度质量强区指标完成情况表", 2025),
        ("（2024年1-9月）", 2024),
        ("截至2024年9月30日", 2024),
        ("2024年指标完成情况（填报日期：2025年1月8日）", 2024),
        ("一季度", None),
        ("2024年与2023年对比", None),
        ("GB/T 19001-2016", None),
        ("填报日期：2025年1月8日", None),
        ("3000年", None),
        (3000, None),
        (2024.5, None),
        (True, None),
        ("", None),
        (None, None),
    ],
)
def test_find_year_in_a_header(text, expected):
    assert find_year_in_text(text) == expected


# --- Properties -----------------------------------------------------------------------------

RATE_VALUES = st.decimals(min_value=0, max_value=100, places=2)
COUNTS = st.integers(min_value=0, max_value=10**13)


def _grouped(number: int) -> str:
    return f"{number:,}"


@given(value=RATE_VALUES, full_width=st.booleans(), percent_sign=st.booleans(), pad=st.booleans())
def test_any_rate_written_as_people_write_it_reads_back_equal(value, full_width, percent_sign, pad):
    text = f"{value:f}" + ("%" if percent_sign else "")
    if full_width:
        text = text.translate(FULL_WIDTH)
    if pad:
        text = f"  {text} "
    assert read_value(text, indicator=RATE) == value


@given(value=RATE_VALUES)
def test_any_rate_in_a_number_cell_or_a_percent_cell_reads_back_equal(value):
    assert read_value(float(value), indicator=RATE) == value
    assert read_value(float(value / 100), indicator=RATE, percent=True) == value


@given(number=COUNTS, full_width=st.booleans(), grouped=st.booleans(), unit=st.booleans())
def test_any_count_with_separators_and_its_unit_reads_back_equal(number, full_width, grouped, unit):
    text = _grouped(number) if grouped else str(number)
    if full_width:
        text = text.translate(FULL_WIDTH)
    if unit:
        text += "件"
    assert read_value(text, indicator=COUNT) == number


@given(value=st.decimals(min_value=-(10**11), max_value=10**11, places=2))
def test_any_float_cell_reads_as_the_number_typed(value):
    assert read_value(float(value), indicator=INDEX) == value


@given(text=st.text(max_size=30))
def test_any_text_is_a_figure_missing_or_a_problem(text):
    try:
        result = read_value(text, indicator=RATE)
    except ValueProblem as problem:
        assert problem.message
    else:
        assert isinstance(result, Missing) or D(0) <= result <= D(100)


YEARS = st.integers(min_value=1000, max_value=2999)  # reports.periods.PERIOD_REGEX
PERIODS = (
    st.builds(Period, year=YEARS, kind=st.just("Q"), number=st.integers(1, 4))
    | st.builds(Period, year=YEARS, kind=st.just("S"), number=st.integers(1, 2))
    | st.builds(Period, year=YEARS)
)
FREQUENCIES = st.sampled_from([None, "quarterly", "half_yearly", "annual"])
KIND_OF = {None: "Q", "quarterly": "Q", "half_yearly": "S", "annual": "Y"}
DAYS = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(2999, 12, 31))


@given(period=PERIODS)
def test_any_period_reads_back_from_its_id_and_its_chinese_label(period):
    assert read_period(period.id) == period
    assert read_period(period.label_zh) == period
    assert find_period_in_text(f"{period.label_zh}指标完成情况表") == (
        period if period.kind != "Y" else None  # 2024年 alone is a year, not the title's period
    )


@given(day=DAYS, frequency=FREQUENCIES)
def test_any_date_reads_as_the_period_containing_it(day, frequency):
    period = read_period(day, frequency=frequency)
    assert period.kind == KIND_OF[frequency]
    assert period.start <= day <= period.end
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month}月",
    ):
        assert read_period(text, frequency=frequency) == period
    noon = dt.datetime(day.year, day.month, day.day, 12)
    assert read_period(noon, frequency=frequency) == period


@given(period=PERIODS, frequency=FREQUENCIES)
def test_a_span_from_january_reads_as_the_period_it_ends(period, frequency):
    last = period.end.month
    kind = KIND_OF[frequency]
    wanted = {"Q": 3, "S": 6, "Y": 12}[kind]
    text = f"{period.year}年1-{last}月"
    if last % wanted:
        with pytest.raises(PeriodProblem):
            read_period(text, frequency=frequency)
    else:
        result = read_period(text, frequency=frequency)
        assert result.kind == kind and result.end == period.end


@given(text=st.text(max_size=30), year=st.none() | YEARS)
def test_any_text_is_a_period_or_a_problem(text, year):
    try:
        period = read_period(text, year=year)
    except PeriodProblem as problem:
        assert problem.message
    else:
        assert Period.parse(period.id) == period
