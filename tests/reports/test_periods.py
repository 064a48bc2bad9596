import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from reports.periods import Period, validate_period_id


@pytest.mark.parametrize(
    ("period_id", "expected"),
    [("2024", Period(2024)), ("2024S2", Period(2024, "S", 2)), ("2024Q3", Period(2024, "Q", 3))],
)
def test_parse_round_trips_period_ids(period_id, expected):
    assert Period.parse(period_id) == expected
    assert Period.parse(period_id).id == period_id


@pytest.mark.parametrize("bad", ["2024Q5", "2024S3", "24Q1", "2024-Q1", "2024q1", "", "abcd", None])
def test_parse_rejects_malformed_ids(bad):
    with pytest.raises(ValueError):
        Period.parse(bad)


def test_next_and_previous_cross_year_boundaries():
    assert Period.parse("2024Q4").next().id == "2025Q1"
    assert Period.parse("2025Q1").previous().id == "2024Q4"
    assert Period.parse("2024S2").next().id == "2025S1"
    assert Period.parse("2024").next().id == "2025"


def test_dates_and_chinese_labels():
    q3 = Period.parse("2024Q3")
    assert (q3.start, q3.end) == (dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    assert q3.label_zh == "2024年第三季度"
    assert Period.parse("2024S1").label_zh == "2024年上半年"
    assert Period.quarter_of(dt.date(2025, 11, 22)).id == "2025Q4"


def test_validator_message_is_chinese():
    with pytest.raises(ValidationError) as excinfo:
        validate_period_id("2024Q9")
    assert "不是有效的期间" in excinfo.value.messages[0]
