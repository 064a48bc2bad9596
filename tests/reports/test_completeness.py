"""Completeness's timeliness when the office set a deadline, and when it did not."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import ReportedValue
from reports.periods import Period
from reports.reporting.selectors import completeness, reporting_deadline
from tests.conftest import run_manage
from tests.factories import reported_value, reporting_period
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db
END = Period.parse(QUARTER).end  # 2026-09-30


@pytest.fixture
def agri_complete(people, agri_rate, agri_brands):
    """AGRI's two rows of the quarter, both submitted."""
    department = people.owner.membership.department
    for indicator, value in ((agri_rate, "98.4"), (agri_brands, "12")):
        reported_value(
            indicator=indicator,
            department=department,
            period=QUARTER,
            value=value,
            state="submitted",
            reporter=people.owner,
        )
    return department


def _submitted_on(day: dt.date) -> None:
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    ReportedValue.objects.filter(period=QUARTER).update(submitted_at=moment)


def _agri(department):
    return completeness(Period.parse(QUARTER), [department])[0]


def test_without_a_deadline_a_figure_sent_eleven_months_late_is_late(agri_complete, settings):
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 15
    _submitted_on(END + dt.timedelta(days=330))
    row = _agri(agri_complete)
    assert row.deadline == dt.date(2026, 10, 15) and row.deadline_is_default
    assert row.complete and row.status == "late"


def test_without_a_deadline_a_figure_sent_within_the_default_days_is_on_time(
    agri_complete, settings
):
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 15
    _submitted_on(END + dt.timedelta(days=15))
    assert _agri(agri_complete).status == "on_time"
    _submitted_on(END + dt.timedelta(days=16))
    assert _agri(agri_complete).status == "late"


def test_the_default_number_of_days_is_a_setting(agri_complete, settings):
    _submitted_on(END + dt.timedelta(days=330))
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 365
    assert _agri(agri_complete).status == "on_time"
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 0
    assert reporting_deadline(Period.parse(QUARTER)) == (END, True)


def test_a_deadline_the_office_set_wins_over_the_default(agri_complete, settings):
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 15
    reporting_period(QUARTER, deadline=dt.date(2027, 12, 31))
    _submitted_on(END + dt.timedelta(days=330))
    row = _agri(agri_complete)
    assert row.deadline == dt.date(2027, 12, 31) and not row.deadline_is_default
    assert row.status == "on_time"


def test_the_page_names_the_default_deadline_and_marks_the_late_department(
    people, login, agri_complete, settings
):
    settings.REPORTING_DEFAULT_DEADLINE_DAYS = 15
    _submitted_on(END + dt.timedelta(days=330))
    html = login(people.office).get(reverse("reports:completeness") + f"?period={QUARTER}")
    html = html.content.decode()
    deadline = html.split('id="deadline"')[1].split("</span>")[0]
    assert "2026-10-15" in deadline and "15" in deadline and "未设置截止日期" in deadline
    row = html.split('data-department="AGRI"')[1].split("</tr>")[0]
    assert "逾期报送" in row and "按时报送" not in row
    # A department with nothing sent, past the default deadline, is overdue.
    ipa = html.split('data-department="IPA"')[1].split("</tr>")[0]
    assert "逾期未报" in ipa


@pytest.mark.parametrize("raw", ["-3", "fifteen"])
def test_a_bad_number_of_default_days_stops_the_start(raw):
    result = run_manage("check", env={"REPORTING_DEFAULT_DEADLINE_DAYS": raw})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "REPORTING_DEFAULT_DEADLINE_DAYS" in (
        result.stderr
    )
