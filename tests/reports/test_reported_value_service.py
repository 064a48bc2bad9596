from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from reports.choices import ChangeVia, ValueState
from reports.reporting.rules import RuleViolation
from reports.reporting.services import (
    ANY_VERSION,
    StaleValueError,
    WorkflowError,
    reported_value_write,
)
from tests.factories import DepartmentFactory, IndicatorFactory, UserFactory, office_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject():
    return {"indicator": IndicatorFactory(), "department": DepartmentFactory(), "period": "2024Q3"}


def test_every_write_is_recorded_with_who_when_old_and_new(subject):
    user = office_user()
    rv, changed = reported_value_write(
        **subject,
        value=Decimal("93.1"),
        note="初填",
        acting_user=user,
        via=ChangeVia.ADMIN,
        expected_version=0,
    )
    assert changed and rv.version == 1
    rv, changed = reported_value_write(
        **subject,
        value=Decimal("93.71"),
        note="更正",
        acting_user=user,
        via=ChangeVia.IMPORT,
        expected_version=1,
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
    # An office entry is an approved figure, and says who approved it.
    assert (rv.state, rv.reviewed_by) == (ValueState.APPROVED, user)


def test_a_write_that_changes_nothing_records_nothing(subject):
    write = {"acting_user": None, "via": ChangeVia.JOB, "expected_version": ANY_VERSION}
    rv, _ = reported_value_write(**subject, value=Decimal("50"), **write)
    rv, changed = reported_value_write(**subject, value=Decimal("50.000"), **write)
    assert not changed and rv.version == 1 and rv.changes.count() == 1


def test_a_write_from_a_stale_copy_is_refused_and_shows_the_newer_value(subject):
    write = {"acting_user": None, "via": ChangeVia.JOB}
    rv, _ = reported_value_write(**subject, value=Decimal("80"), expected_version=0, **write)
    reported_value_write(**subject, value=Decimal("81"), expected_version=1, **write)
    with pytest.raises(StaleValueError) as excinfo:
        reported_value_write(**subject, value=Decimal("82"), expected_version=1, **write)
    assert excinfo.value.current.value == Decimal("81")
    assert "81" in str(excinfo.value) and "已被他人修改" in str(excinfo.value)
    assert "您填写的：82" in str(excinfo.value)
    rv.refresh_from_db()
    assert rv.value == Decimal("81") and rv.changes.count() == 2


def test_a_write_without_a_version_is_stale_even_for_a_new_value(subject):
    with pytest.raises(StaleValueError, match="缺少版本信息"):
        reported_value_write(
            **subject, value=Decimal("80"), acting_user=None, via="job", expected_version=None
        )
    reported_value_write(
        **subject, value=Decimal("80"), acting_user=None, via="job", expected_version=0
    )
    with pytest.raises(StaleValueError, match="当前值：80"):
        reported_value_write(
            **subject, value=Decimal("79"), acting_user=None, via="job", expected_version=None
        )


def test_a_first_entry_from_a_page_that_saw_no_value_is_refused_once_one_exists(subject):
    write = {"acting_user": None, "via": ChangeVia.JOB}
    reported_value_write(**subject, value=Decimal("48"), expected_version=0, **write)
    with pytest.raises(StaleValueError) as excinfo:
        reported_value_write(**subject, value=Decimal("49"), expected_version=0, **write)
    assert "当前值：48" in str(excinfo.value) and "您填写的：49" in str(excinfo.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("101", "有效范围"),
        ("93.715", "最多保留 2 位小数"),
        ("123456789012345", "整数部分最多 14 位"),
    ],
)
def test_every_write_checks_range_decimals_and_storable_size(subject, value, message):
    if "14 位" in message:  # an indicator with no upper bound still has the column's
        subject["indicator"].max_value = None
        subject["indicator"].save()
    with pytest.raises(RuleViolation, match=message):
        reported_value_write(
            **subject, value=Decimal(value), acting_user=None, via="job", expected_version=0
        )
    assert not subject["indicator"].reported_values.exists()


def test_only_the_office_writes_figures_directly(subject):
    with pytest.raises(PermissionDenied):
        reported_value_write(
            **subject,
            value=Decimal("50"),
            acting_user=UserFactory(),
            via="admin",
            expected_version=0,
        )


def test_a_write_cannot_set_a_workflow_state(subject):
    with pytest.raises(WorkflowError, match="审核操作"):
        reported_value_write(
            **subject,
            value=Decimal("90"),
            state=ValueState.SUBMITTED,
            acting_user=None,
            via="admin",
            expected_version=0,
        )
