"""Comparators, numbers, years and source texts as people write them."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.choices import Comparator
from indicators.parsing import (
    COMPARATOR_WORDS,
    decode_source_text,
    parse_comparator,
    parse_value,
    parse_year,
)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        # symbols, ASCII, full-width and the slanted forms IMEs offer
        ("≥", ">="),
        (">=", ">="),
        ("＞＝", ">="),
        ("≧", ">="),
        ("⩾", ">="),
        (">", ">"),
        ("＞", ">"),
        ("≤", "<="),
        ("<=", "<="),
        ("＜＝", "<="),
        ("<", "<"),
        ("=", "="),
        ("＝", "="),
        # at least: the number itself meets the target (以上 includes it, as the Civil Code says)
        ("以上", ">="),
        ("不低于", ">="),
        ("不少于", ">="),
        ("至少", ">="),
        ("达到", ">="),
        # more than: the number itself does not
        ("超过", ">"),
        ("高于", ">"),
        ("大于", ">"),
        # at most
        ("以下", "<="),
        ("以内", "<="),
        ("不超过", "<="),
        ("不高于", "<="),
        ("控制在", "<="),
        # less than
        ("低于", "<"),
        ("少于", "<"),
        # equal
        ("等于", "="),
        # with spaces, and as the template lists them: a code with its label
        (" ≥ ", ">="),
        (">=（≥）", ">="),
        ("≥(以上)", ">="),
    ],
)
def test_comparators_as_written_map_to_the_stored_choices(written, stored):
    assert parse_comparator(written) == stored
    assert stored in Comparator.values


def test_every_comparator_word_maps_to_a_stored_choice():
    assert set(COMPARATOR_WORDS.values()) == set(Comparator.values)


@pytest.mark.parametrize("written", ["大约", "约", "≈", "~", "≥≤", ">=（<）", "gte"])
def test_an_unknown_comparator_is_refused_in_chinese(written):
    with pytest.raises(ValidationError, match="无法识别比较方式"):
        parse_comparator(written)


def test_an_empty_comparator_asks_for_one():
    with pytest.raises(ValidationError, match="请填写比较方式"):
        parse_comparator("")


@pytest.mark.parametrize(
    ("written", "unit", "value"),
    [
        (96, "%", Decimal("96")),
        (96.5, "%", Decimal("96.5")),
        (Decimal("96.500000"), "%", Decimal("96.5")),
        ("96", "%", Decimal("96")),
        ("96.5", "%", Decimal("96.5")),
        ("９６．５", "%", Decimal("96.5")),
        ("1,576", "家", Decimal("1576")),
        ("96.5%", "%", Decimal("96.5")),
        ("96.5％", "%", Decimal("96.5")),
        ("", "%", None),
        (None, "%", None),
        ("12345678901234.123456", "", Decimal("12345678901234.123456")),
    ],
)
def test_numbers_as_written(written, unit, value):
    assert parse_value(written, unit=unit) == value


@pytest.mark.parametrize(
    ("written", "unit", "message"),
    [
        ("96.5%", "家", "不应带百分号"),
        ("约96", "%", "不是数字"),
        ("1,57,6", "家", "千位分隔符"),
        ("96.1234567", "%", "最多保留 6 位小数"),
        ("123456789012345", "", "整数部分最多 14 位"),
        (True, "", "请填写数字"),
        ("NaN", "", "不是数字"),
    ],
)
def test_numbers_that_do_not_fit_are_refused(written, unit, message):
    with pytest.raises(ValidationError, match=message):
        parse_value(written, unit=unit)


@pytest.mark.parametrize("written", [2030, 2030.0, "2030", "2030年", " ２０３０ "])
def test_years_as_written(written):
    assert parse_year(written) == 2030


@pytest.mark.parametrize("written", ["1999", "2101", "30", "二〇三〇", "2030-01"])
def test_implausible_years_are_refused(written):
    with pytest.raises(ValidationError, match="不是有效的年份"):
        parse_year(written)


def test_source_texts_in_utf8_with_or_without_bom_and_in_gb18030_are_read():
    text = "到2028年，制造业产品质量合格率达到96%以上。\r\n"
    for data in (text.encode(), b"\xef\xbb\xbf" + text.encode(), text.encode("gb18030")):
        assert decode_source_text(data, "计划.txt") == text.replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("计划.docx", "正文".encode(), "请上传 .txt"),
        ("计划.txt", b"PK\x03\x04\x14\x00", "Word、PDF 或压缩文件"),
        ("计划.txt", b"%PDF-1.7", "Word、PDF 或压缩文件"),
        ("计划.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "无法识别为文本"),
        ("计划.txt", b"\n\n", "上传的文件是空的"),
    ],
)
def test_other_uploads_are_refused_in_chinese(name, data, message):
    with pytest.raises(ValidationError, match=message):
        decode_source_text(data, name)
