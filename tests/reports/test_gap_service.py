"""The gap engine against the database: seed data, idempotence, approved-only, scheduling."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command

from indicators.models import Indicator
from reports.gaps import services
from reports.gaps.services import gaps_compute, lead_departments
from reports.gaps.tasks import DEBOUNCE_KEY, schedule_gap_computation
from reports.models import GapResult
from reports.reporting.services import row_approve
from tests.factories import reported_value
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_pending_run():
    cache.delete(DEBOUNCE_KEY)
    yield
    cache.delete(DEBOUNCE_KEY)


def test_seed_data_manufacturing_pass_rate_is_2_79_points_short_of_96_5(catalog):
    gaps_compute()
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    row = GapResult.objects.get(indicator=mfg, department__code="AMR", period="2023")
    assert row.actual == Decimal("93.71") and row.target_value == Decimal("96.5")
    assert row.gap == Decimal("2.79")
    assert row.target.document.code in ("outline-2023", "action-plan-2023")
    region = GapResult.objects.get(indicator=mfg, department__isnull=True, period="2023")
    assert region.gap == Decimal("2.79")  # the lead department's figure is the region's


def test_running_twice_gives_the_same_rows(catalog):
    fields = (
        "indicator_id",
        "department_id",
        "period",
        "actual",
        "target_value",
        "gap",
        "status",
        "ratio",
        "required_pace",
    )
    first = gaps_compute()
    rows = sorted(GapResult.objects.values_list(*fields), key=str)
    second = gaps_compute()
    assert first.results == second.results == len(rows) > 0
    assert sorted(GapResult.objects.values_list(*fields), key=str) == rows


def test_only_approved_values_count_by_default(people, agri_rate):
    department = people.owner.membership.department
    reported_value(
        indicator=agri_rate,
        department=department,
        period=QUARTER,
        value="97",
        state="submitted",
        reporter=people.owner,
    )
    gaps_compute()
    assert not GapResult.objects.filter(indicator=agri_rate, period=QUARTER).exists()
    gaps_compute(include_submitted=True)
    assert GapResult.objects.filter(indicator=agri_rate, period=QUARTER).count() == 2


def test_one_period_can_be_recomputed_alone(catalog):
    gaps_compute()
    before = GapResult.objects.exclude(period="2023").count()
    run = gaps_compute(period="2023")
    assert run.results == GapResult.objects.filter(period="2023").count() > 0
    assert GapResult.objects.exclude(period="2023").count() == before


def test_the_command_reports_what_it_did(catalog, capsys):
    call_command("compute_gaps", period="2023")
    assert "gap results from" in capsys.readouterr().out


def test_an_approval_schedules_one_debounced_computation(
    people, agri_rate, django_capture_on_commit_callbacks
):
    department = people.owner.membership.department
    values = [
        reported_value(
            indicator=agri_rate,
            department=department,
            period=period,
            value="97",
            state="submitted",
            reporter=people.owner,
        )
        for period in ("2026Q1", "2026Q2")
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for rv in values:
            row_approve(rv, acting_user=people.office)

    # Two approvals in one transaction ask for the computation once; Celery runs eagerly in
    # logic tests, so it ran at the commit.
    assert [c for c in callbacks if c == schedule_gap_computation] == [schedule_gap_computation]
    assert GapResult.objects.filter(indicator=agri_rate, period="2026Q2").exists()


def test_the_lead_department_comes_from_the_strongest_role(catalog):
    leads = lead_departments()
    agri = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    from departments.models import Department

    assert leads[agri.pk] == Department.objects.get(code="AGRI").pk  # 2016: 农牧业厅 牵头
    assert leads[mfg.pk] == Department.objects.get(code="AMR").pk  # office assignment


def test_slices_of_one_indicator_give_the_same_rows_as_one_pass(catalog, monkeypatch):
    fields = ("indicator_id", "department_id", "period", "target_id", "gap", "status", "ratio")
    monkeypatch.setattr(services, "CHUNK_VALUES", 10**9)
    gaps_compute()
    whole = sorted(GapResult.objects.values_list(*fields), key=str)
    assert len({row[0] for row in whole}) > 1
    monkeypatch.setattr(services, "CHUNK_VALUES", 1)  # every indicator a slice of its own
    run = gaps_compute()
    assert run.results == len(whole)
    assert sorted(GapResult.objects.values_list(*fields), key=str) == whole


def test_a_quarterly_series_is_rated_on_its_yearly_figures(people, agri_rate):
    # The plan's base year 2022 has no figure, so 2023 is the base year, and its figure is its
    # last quarter's (96), not its first's (95); 2024Q4 is one whole year later.
    department = people.owner.membership.department
    for period, value in (("2023Q1", "95"), ("2023Q4", "96"), ("2024Q4", "97")):
        reported_value(
            indicator=agri_rate,
            department=department,
            period=period,
            value=value,
            state="approved",
            reporter=people.owner,
        )
    gaps_compute()
    row = GapResult.objects.get(indicator=agri_rate, department=department, period="2024Q4")
    assert row.target_value == Decimal("98")
    assert row.ratio == pytest.approx((97 / 96 - 1) / ((98 / 96) ** (1 / 2) - 1))  # 1.005
    assert row.status == "on_track"
    first_year = GapResult.objects.get(indicator=agri_rate, department=department, period="2023Q4")
    assert first_year.ratio is None and first_year.status == "no_data"


def test_gaps_compute_runs_under_django_s_debug_cursor(catalog):
    """DEBUG=1 wraps cursors in CursorDebugWrapper, whose copy() takes no parameters."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection):
        run = gaps_compute()
    assert run.values == 18 and run.results > 0
