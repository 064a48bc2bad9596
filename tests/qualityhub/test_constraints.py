"""The database itself rejects rows that break the model's rules."""

import pytest
from django.db import DataError, IntegrityError, transaction

from departments.models import Department, Membership
from indicators.models import Responsibility, Target, Task
from reports.models import GapResult, ReportedValue
from tests.factories import (
    DepartmentFactory,
    DocumentFactory,
    IndicatorFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _rejects(create):
    # A value longer than its column (a 7-character period) is a DataError rather than an
    # IntegrityError; either way the database refuses the row.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        create()


def test_one_value_per_indicator_department_and_period():
    indicator, department = IndicatorFactory(), DepartmentFactory()
    ReportedValue.objects.create(indicator=indicator, department=department, period="2024Q3")
    _rejects(
        lambda: ReportedValue.objects.create(
            indicator=indicator, department=department, period="2024Q3"
        )
    )


@pytest.mark.parametrize("period", ["2024Q5", "2024S3", "24Q1", "2024-Q3", "2024q3", ""])
def test_malformed_period_ids_are_rejected(period):
    _rejects(
        lambda: ReportedValue.objects.create(
            indicator=IndicatorFactory(), department=DepartmentFactory(), period=period
        )
    )


def test_unknown_workflow_state_is_rejected():
    _rejects(
        lambda: ReportedValue.objects.create(
            indicator=IndicatorFactory(),
            department=DepartmentFactory(),
            period="2024",
            state="published",
        )
    )


def test_a_submitted_value_must_have_a_number():
    _rejects(
        lambda: ReportedValue.objects.create(
            indicator=IndicatorFactory(),
            department=DepartmentFactory(),
            period="2024Q1",
            state="submitted",
            value=None,
        )
    )


def test_unknown_comparator_is_rejected():
    _rejects(lambda: TargetFactory(comparator="~"))


def test_one_target_per_indicator_document_and_year():
    target = TargetFactory()
    _rejects(
        lambda: Target.objects.create(
            indicator=target.indicator,
            document=target.document,
            year=target.year,
            comparator=">=",
            value=1,
            clause="x",
            quote="x",
        )
    )


def test_a_target_task_or_responsibility_quotes_its_document_or_says_why_not():
    department, document = DepartmentFactory(), DocumentFactory()
    _rejects(lambda: TargetFactory(quote="", no_quote_reason=""))
    _rejects(lambda: Task.objects.create(code="T_X", document=document, title_zh="x", clause="x"))
    _rejects(
        lambda: Responsibility.objects.create(
            indicator=IndicatorFactory(),
            department=department,
            department_as_written=department.name_zh,
            role="lead",
            document=document,
            clause="x",
        )
    )
    assert TargetFactory(quote="", no_quote_reason="原文为图片").pk


def test_a_responsibility_names_exactly_one_of_indicator_or_task():
    department, document = DepartmentFactory(), DocumentFactory()
    common = {
        "department": department,
        "department_as_written": department.name_zh,
        "role": "lead",
        "document": document,
        "clause": "x",
        "quote": "x",
    }
    _rejects(lambda: Responsibility.objects.create(**common))


def test_unknown_responsibility_role_is_rejected():
    department = DepartmentFactory()
    _rejects(
        lambda: Responsibility.objects.create(
            indicator=IndicatorFactory(),
            department=department,
            department_as_written=department.name_zh,
            role="owner",
            document=DocumentFactory(),
            clause="x",
            quote="x",
        )
    )


def test_a_historical_department_needs_a_successor_and_a_current_one_has_none():
    _rejects(lambda: DepartmentFactory(status="historical", successor=None))
    successor = DepartmentFactory()
    _rejects(lambda: DepartmentFactory(status="current", successor=successor))
    historical = DepartmentFactory(status="historical", successor=successor)
    assert historical.current() == successor


def test_a_department_cannot_be_its_own_successor():
    department = DepartmentFactory(status="historical", successor=DepartmentFactory())
    department.successor = department
    _rejects(department.save)


def test_reporters_belong_to_a_department_and_the_office_does_not():
    _rejects(lambda: Membership.objects.create(user=UserFactory(), role="reporter"))
    _rejects(
        lambda: Membership.objects.create(
            user=UserFactory(), role="office", department=DepartmentFactory()
        )
    )
    _rejects(lambda: Membership.objects.create(user=UserFactory(), role="superuser"))


def test_an_indicator_range_must_be_ordered():
    _rejects(lambda: IndicatorFactory(min_value=100, max_value=0))


def test_one_region_wide_gap_result_per_indicator_and_period():
    indicator = IndicatorFactory()
    GapResult.objects.create(indicator=indicator, period="2025", status="no_data")
    _rejects(lambda: GapResult.objects.create(indicator=indicator, period="2025", status="no_data"))
    _rejects(
        lambda: GapResult.objects.create(indicator=IndicatorFactory(), period="2025", status="fine")
    )


def test_department_codes_are_unique():
    DepartmentFactory(code="DUP")
    _rejects(lambda: Department.objects.create(code="DUP", name_zh="另一个部门"))
