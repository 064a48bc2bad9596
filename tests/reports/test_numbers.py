from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from qualityhub.numbers import decimal_places, parse_number


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
