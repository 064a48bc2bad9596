from decimal import Decimal as D

import pytest

from reports.reporting.rules import note_required_reason
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db


def test_no_note_needed_for_a_first_figure_or_a_small_move_toward_the_target():
    target = TargetFactory(comparator=">=", value=96.5)
    assert note_required_reason(target, None, D("90")) is None
    assert note_required_reason(target, D("93.71"), D("94.2")) is None


def test_a_move_away_from_an_at_least_target_needs_a_note():
    target = TargetFactory(comparator=">=", value=96.5)
    reason = note_required_reason(target, D("93.71"), D("93.1"))
    assert "偏离目标" in reason and "93.71" in reason


def test_a_move_away_from_an_at_most_target_needs_a_note():
    target = TargetFactory(comparator="<=", value=10)
    assert "偏离目标" in note_required_reason(target, D("12"), D("12.5"))
    assert note_required_reason(target, D("12"), D("11.5")) is None


def test_a_fall_that_still_meets_the_target_needs_no_note_unless_unusual():
    target = TargetFactory(comparator=">=", value=90)
    assert note_required_reason(target, D("99"), D("98")) is None
    assert "20%" in note_required_reason(target, D("99"), D("150"))


def test_a_change_of_more_than_twenty_percent_needs_a_note():
    assert "20%" in note_required_reason(None, D("41"), D("60"))
    assert note_required_reason(None, D("41"), D("49")) is None
