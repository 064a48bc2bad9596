from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from qualityhub.numbers import decimal_places, float_as_typed, parse_number, split_unit


@pytest.mark.parametrize(
    ("typed", "unit", "expected"),
    [
        ("93.71", "%", "93.71"),
        ("93.71%", "%", "93.71"),
        ("９３．７１", "%", "93.71"),
        ("９３．７１％", "%", "93.71"),
        ("1,576.43", "项", "1576.43"),
        ("1 576.43", "项", "1576.43"),
        (" 82.84 ", "分", "82.84"),
        ("-3.5", "%", "-3.5"),
        (".5", "%", "0.5"),
        ("", "%", None),
        ("   ", "%", None),
    ],
)
def test_numbers_as_people_type_them(typed, unit, expected):
    result = parse_number(typed, unit=unit)
    assert result == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("typed", "unit", "message"),
    [
        ("abc", "%", "不是数字"),
        ("93.7.1", "%", "不是数字"),
        ("12,34.5", "项", "千位分隔符"),
        ("41%", "家", "不应带百分号"),
        ("1e5", "项", "不是数字"),
    ],
)
def test_bad_input_gets_a_chinese_message(typed, unit, message):
    with pytest.raises(ValidationError) as excinfo:
        parse_number(typed, unit=unit)
    assert message in excinfo.value.messages[0]


def test_decimal_places_ignores_trailing_zeros():
    assert decimal_places(Decimal("93.710")) == 2
    assert decimal_places(Decimal("50")) == 0
    assert decimal_places(Decimal("0.125")) == 3


@pytest.mark.parametrize(
    ("typed", "number", "unit"),
    [
        ("183件", "183", "件"),
        ("38.5 万件", "38.5", "万件"),
        ("93.71%", "93.71", "%"),
        ("９３．７１％", "93.71", "%"),
        ("1,576.43", "1,576.43", ""),
        (" 93.71 ", "93.71", ""),
        ("3个百分点", "3", "个百分点"),
        ("1e5", "1e5", ""),  # the unit never holds a digit
        ("abc", "abc", ""),
        ("", "", ""),
    ],
)
def test_split_unit_takes_the_unit_written_after_a_number(typed, number, unit):
    assert split_unit(typed) == (number, unit)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (93.71000000000001, "93.71"),
        (0.9371 * 100, "93.71"),
        (0.1 + 0.2, "0.3"),
        (0.9371, "0.9371"),
        (183.0, "183"),
        (93.7142857142857, "93.7142857142857"),  # a formula's result keeps its digits
    ],
)
def test_float_as_typed_gives_back_what_excel_shows(stored, typed):
    assert float_as_typed(stored) == Decimal(typed)
