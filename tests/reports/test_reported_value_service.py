from decimal import Decimal

import pytest

from reports.choices import ChangeVia, ValueState
from reports.reporting.services import StaleValueError, reported_value_write
from tests.factories import DepartmentFactory, IndicatorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject():
    return {"indicator": IndicatorFactory(), "department": DepartmentFactory(), "period": "2024Q3"}


def test_every_write_is_recorded_with_who_when_old_and_new(subject):
    user = UserFactory()
    rv, changed = reported_value_write(
        **subject, value=Decimal("93.1"), note="初填", acting_user=user, via=ChangeVia.FORM
    )
    assert changed and rv.version == 1
    rv, changed = reported_value_write(
        **subject, value=Decimal("93.71"), note="更正", acting_user=user, via=ChangeVia.IMPORT
    )
    assert changed and rv.version == 2
    first, second = rv.changes.all()
    assert (first.action, first.old_value, first.new_value) == ("create", None, Decimal("93.1"))
    assert (second.old_value, second.new_value, second.via) == (
        Decimal("93.1"),
        Decimal("93.71"),
        "import",
    )
    assert (second.old_note, second.new_note, second.changed_by) == ("初填", "更正", user)


def test_a_write_that_changes_nothing_records_nothing(subject):
    rv, _ = reported_value_write(**subject, value=Decimal("50"), acting_user=None)
    rv, changed = reported_value_write(**subject, value=Decimal("50.000"), acting_user=None)
    assert not changed and rv.version == 1 and rv.changes.count() == 1


def test_a_write_from_a_stale_copy_is_refused_and_shows_the_newer_value(subject):
    rv, _ = reported_value_write(**subject, value=Decimal("80"), acting_user=None)
    reported_value_write(**subject, value=Decimal("81"), acting_user=None, expected_version=1)
    with pytest.raises(StaleValueError) as excinfo:
        reported_value_write(**subject, value=Decimal("82"), acting_user=None, expected_version=1)
    assert excinfo.value.current.value == Decimal("81")
    assert "81" in str(excinfo.value) and "已被他人修改" in str(excinfo.value)
    rv.refresh_from_db()
    assert rv.value == Decimal("81") and rv.changes.count() == 2


def test_a_value_outside_the_indicator_range_is_refused(subject):
    with pytest.raises(ValueError, match="有效范围"):
        reported_value_write(**subject, value=Decimal("101"), acting_user=None)


def test_state_changes_are_in_the_history(subject):
    reported_value_write(**subject, value=Decimal("90"), acting_user=None)
    rv, _ = reported_value_write(
        **subject, value=Decimal("90"), state=ValueState.SUBMITTED, acting_user=None
    )
    last = rv.changes.last()
    assert (last.old_state, last.new_state) == ("draft", "submitted")
