"""factory_boy factories for test data that is not the real catalogue."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from departments.choices import DepartmentStatus
from departments.models import Department
from departments.services import membership_set
from indicators.choices import Aggregation, Category, Comparator, Frequency, ValueKind
from indicators.models import Document, Indicator, Target
from reports.periods import Period
from reports.reporting import services as reporting
from reports.scorecards import services as scorecards
from reports.scorecards.data import scorecard_data
from reports.scorecards.pdf import render_pdf
from reports.scorecards.render import render_html, render_xlsx


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"T_DEPT_{n}")
    name_zh = factory.Sequence(lambda n: f"测试部门{n}")
    short_name_zh = factory.Sequence(lambda n: f"测试{n}")
    status = DepartmentStatus.CURRENT


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    code = factory.Sequence(lambda n: f"test-doc-{n}")
    kind = "plan"
    title_zh = factory.Sequence(lambda n: f"测试规划{n}")
    issued_year = 2026
    source_file = "001_30bb0d2f8fb04b9c.txt"
    quote_file = "001_30bb0d2f8fb04b9c.txt"


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    code = factory.Sequence(lambda n: f"T_IND_{n}")
    name_zh = factory.Sequence(lambda n: f"测试指标{n}")
    unit = "%"
    value_kind = ValueKind.RATE
    decimals = 2
    min_value = 0
    max_value = 100
    frequency = Frequency.QUARTERLY
    category = Category.PRODUCTS
    aggregation = Aggregation.LEAD


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    indicator = factory.SubFactory(IndicatorFactory)
    document = factory.SubFactory(DocumentFactory)
    year = 2030
    comparator = Comparator.GTE
    value = 95
    clause = "一（一）"
    quote = "测试"


# --- Workflow data, built through the services --------------------------------------------------
#
# Reported values, qualitative reports, reporting periods and scorecards are made by the same
# services the app uses (a department's draft, its submission, the office's review, an office
# entry), so a test cannot build a state the app could not reach.


def department_member(department, *, role: str = "reporter"):
    """A reporter (or reviewer) of ``department``, made once."""
    user = UserFactory(username=f"factory-{role}-{department.code.lower()}")
    if not hasattr(user, "membership"):
        membership_set(user=user, role=role, department=department)
    return user


def office_user():
    """A leadership-group office user, made once."""
    user = UserFactory(username="factory-office")
    if not hasattr(user, "membership"):
        membership_set(user=user, role="office")
    return user


def reported_value(
    *,
    indicator,
    department,
    period: str,
    value,
    note: str = "",
    state: str = "draft",
    reporter=None,
    office=None,
    comment: str = "",
):
    """A department's figure in ``state``, the way the app gets it there.

    draft: the department saves it; submitted: and submits it; approved / returned: and the
    office reviews it. ``state="entered"`` is an approved figure entered by the office (the
    admin or an import), without a department's submission.
    """
    reporter = reporter or department_member(department)
    office = office or office_user()
    value = None if value is None else Decimal(str(value))
    if state == "entered":
        rv, _changed = reporting.reported_value_write(
            indicator=indicator,
            department=department,
            period=period,
            value=value,
            note=note,
            acting_user=office,
            via="admin",
            expected_version=reporting.ANY_VERSION,
        )
        return rv
    current = indicator.reported_values.filter(department=department, period=period).first()
    rv, _changed = reporting.reported_value_save_draft(
        indicator=indicator,
        department=department,
        period=period,
        value=value,
        note=note,
        acting_user=reporter,
        expected_version=current.version if current else 0,
    )
    if state == "draft":
        return rv
    rv = reporting.row_submit(rv, acting_user=reporter)
    if state == "approved":
        rv = reporting.row_approve(rv, acting_user=office, comment=comment)
    elif state == "returned":
        rv = reporting.row_return(rv, acting_user=office, comment=comment or "请核实")
    return rv


def qualitative_report(
    *,
    department,
    period: str,
    status: str,
    narrative: str = "",
    task=None,
    indicator=None,
    state: str = "draft",
    reporter=None,
    office=None,
):
    """A department's status and narrative for a task (or qualitative indicator), in ``state``."""
    reporter = reporter or department_member(department)
    office = office or office_user()
    report, _changed = reporting.qualitative_report_save_draft(
        task=task,
        indicator=indicator,
        department=department,
        period=period,
        status=status,
        narrative=narrative,
        acting_user=reporter,
        expected_version=0,
    )
    if state == "draft":
        return report
    report = reporting.row_submit(report, acting_user=reporter)
    if state == "approved":
        report = reporting.row_approve(report, acting_user=office)
    elif state == "returned":
        report = reporting.row_return(report, acting_user=office, comment="请补充")
    return report


def reporting_period(period: str, *, deadline, status: str = "open", office=None):
    """A quarter the office opened (or closed) for entry, with its deadline."""
    return reporting.reporting_period_set(
        period=Period.parse(period),
        deadline=deadline,
        status=status,
        acting_user=office or office_user(),
    )


_PDF_CACHE: dict[str, bytes] = {}


def scorecard(*, department, period: str, created_by=None, run: bool = True):
    """A stored scorecard snapshot of ``department``'s quarter, built like a rendering job's.

    The data, page and xlsx are built for real; the PDF is printed by Chromium once per test
    session and reused, since printing is what takes the time and is tested on its own.
    """
    quarter = Period.parse(period)
    data = scorecard_data(department, quarter)
    html = render_html(data)
    if "pdf" not in _PDF_CACHE:
        _PDF_CACHE["pdf"] = render_pdf(html)
    snapshot_run = (
        scorecards.scorecard_run_create(
            quarter=quarter,
            departments=[department],
            acting_user=created_by,
            department=department,
        )
        if run
        else None
    )
    return scorecards.scorecard_store(
        department=department,
        quarter=quarter,
        data=data,
        html=html,
        pdf=_PDF_CACHE["pdf"],
        xlsx=render_xlsx(data),
        run=snapshot_run,
    )
