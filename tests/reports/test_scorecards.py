"""Scorecards: content, snapshots that say when their data has changed, pages and downloads."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator
from reports.gaps.services import gaps_compute
from reports.models import ReportedValue, ReportingPeriod, ScorecardRun
from reports.periods import Period
from reports.scorecards.data import scorecard_data
from reports.scorecards.render import sparkline_svg
from reports.scorecards.services import is_stale, scorecard_render, scorecard_run_progress
from reports.scorecards.tasks import scorecard_run_start

pytestmark = pytest.mark.django_db
QUARTER = Period.parse("2025Q4")


@pytest.fixture
def amr_figure(catalog):
    amr = Department.objects.get(code="AMR")
    for period, value in (("2025Q2", "92.9"), ("2025Q3", "93.2"), ("2025Q4", "93.71")):
        ReportedValue.objects.create(
            indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
            department=amr,
            period=period,
            value=Decimal(value),
            state="approved",
        )
    gaps_compute()
    return amr


def test_the_data_has_rows_counts_tasks_and_the_regional_place(amr_figure):
    data = scorecard_data(amr_figure, QUARTER)
    row = next(r for r in data["rows"] if r["code"] == "MFG_PRODUCT_PASS_RATE")
    assert row["actual"] == pytest.approx(93.71) and row["gap"] == pytest.approx(2.79)
    assert row["target"]["value"] == 96.5 and row["target"]["comparator"] == "≥"
    assert [p for p, _ in row["series"]] == ["2025Q2", "2025Q3", "2025Q4"]
    assert sum(data["counts"].values()) == len(data["rows"])
    assert data["tasks"], "AMR holds Action Plan tasks in 2025"
    assert data["rank"]["position"] >= 1 and data["rank"]["of"] >= 1


def test_overdue_items_are_listed_once_the_deadline_has_passed(amr_figure):
    ReportingPeriod.objects.create(period=QUARTER.id, deadline="2026-01-15")
    data = scorecard_data(amr_figure, QUARTER)
    names = {o["name"] for o in data["overdue"]}
    assert "制造业产品质量合格率" not in names  # approved
    assert "消费品质量合格率" in names


def test_the_sparkline_draws_the_series_and_a_dashed_target_line():
    svg = sparkline_svg([("2025Q1", 92.0), ("2025Q2", 93.0)], 96.5)
    assert svg.startswith("<svg") and "polyline" in svg and "stroke-dasharray" in svg
    assert sparkline_svg([], 96.5) == ""


def test_a_snapshot_keeps_what_it_showed_and_says_when_the_data_has_changed(
    amr_figure, people, login
):
    scorecard = scorecard_render(department=amr_figure, quarter=QUARTER)
    assert Path(scorecard.pdf.path).read_bytes().startswith(b"%PDF")
    assert "制造业产品质量合格率" in scorecard.html and "93.71" in scorecard.html
    assert not is_stale(scorecard)

    rv = ReportedValue.objects.get(period="2025Q4", indicator__code="MFG_PRODUCT_PASS_RATE")
    ReportedValue.objects.filter(pk=rv.pk).update(value=Decimal("95.1"))
    gaps_compute()
    scorecard.refresh_from_db()
    assert is_stale(scorecard)
    client = login(people.office)
    page = client.get(reverse("reports:scorecard_detail", args=[scorecard.pk])).content.decode()
    assert 'id="stale-notice"' in page
    snapshot = client.get(reverse("reports:scorecard_snapshot", args=[scorecard.pk]))
    assert "93.71" in snapshot.content.decode() and "95.1" not in snapshot.content.decode()
    pdf = client.get(reverse("reports:scorecard_file", args=[scorecard.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]


def test_a_run_counts_its_progress(amr_figure, people):
    run = scorecard_run_start(quarter=QUARTER, acting_user=people.office, department=amr_figure)
    assert scorecard_run_progress(run) == {
        "run": run.pk,
        "period": "2025Q4",
        "total": 1,
        "done": 0,
        "failed": 0,
        "finished": False,
        "percent": 0,
    }
    scorecard_render(department=amr_figure, quarter=QUARTER, run=run)
    assert scorecard_run_progress(run)["finished"] is True


def test_the_progress_page_polls_the_run_state(amr_figure, people, login):
    run = ScorecardRun.objects.create(period="2025Q4", total=3, created_by=people.office)
    client = login(people.office)
    page = client.get(reverse("reports:scorecard_run", args=[run.pk])).content.decode()
    assert "<progress" in page and "format=json" in page
    state = client.get(reverse("reports:scorecard_run", args=[run.pk]) + "?format=json").json()
    assert state["total"] == 3 and state["done"] == 0


def test_the_office_starts_a_run_for_every_department_from_the_list(catalog, people, login):
    client = login(people.office)
    response = client.post(reverse("reports:scorecards") + "?period=2025Q4")
    run = ScorecardRun.objects.get()
    assert response["Location"] == reverse("reports:scorecard_run", args=[run.pk])
    assert run.total > 30 and run.department is None
