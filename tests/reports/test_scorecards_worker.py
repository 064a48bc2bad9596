"""Scorecards rendered by a real Celery worker on Redis and PostgreSQL."""

import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from openpyxl import load_workbook

from departments.models import Department
from indicators.models import Indicator
from reports.gaps.services import gaps_compute
from reports.models import ReportedValue, Scorecard, ScorecardRun
from reports.periods import Period
from reports.scorecards.services import departments_for_scorecards
from reports.scorecards.tasks import scorecard_run_start

pytestmark = pytest.mark.services
QUARTER = "2025Q4"


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_the_command_renders_every_departments_scorecard_through_the_worker(
    reload_catalog, celery_worker_factory, capsys
):
    # A figure so the scorecards carry a gap: 93.71 against ≥ 96.5.
    ReportedValue.objects.create(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        department=Department.objects.get(code="AMR"),
        period=QUARTER,
        value=Decimal("93.71"),
        state="approved",
    )
    gaps_compute()
    celery_worker_factory(pool="prefork", concurrency=2)
    call_command("render_scorecards", period=QUARTER, timeout=240)
    out = capsys.readouterr().out
    expected = departments_for_scorecards(Period.parse(QUARTER))
    assert f"{len(expected)} scorecards rendered" in out and "100%" in out

    run = ScorecardRun.objects.get()
    scorecards = Scorecard.objects.filter(run=run)
    assert scorecards.count() == run.total == len(expected) > 30
    for scorecard in scorecards:
        assert Path(scorecard.pdf.path).read_bytes().startswith(b"%PDF")
        assert Path(scorecard.xlsx.path).read_bytes().startswith(b"PK")
    amr = scorecards.get(department__code="AMR")
    row = next(r for r in amr.data["rows"] if r["code"] == "MFG_PRODUCT_PASS_RATE")
    assert row["gap"] == pytest.approx(2.79) and row["status"] == "off_track"
    sheet = load_workbook(amr.xlsx.path).active
    cells = [c for r in sheet.iter_rows(values_only=True) for c in r]
    assert "MFG_PRODUCT_PASS_RATE" in cells and "偏离目标" in cells


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_leaves_no_snapshot_and_the_job_completes_on_redelivery(
    reload_catalog, celery_worker_factory
):
    agri = Department.objects.get(code="AGRI")
    # Undelivered after 3 s, and looked for every 2 s (kombu's default scan is every 100 s).
    quick_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_UNACKED_RESTORE_SECONDS": "2"}
    folder = Path(settings.MEDIA_ROOT) / "scorecards" / QUARTER / "AGRI"
    files_before = set(folder.iterdir()) if folder.exists() else set()
    doomed = celery_worker_factory(env={"QUALITYHUB_RENDER_PAUSE": "120", **quick_redelivery})
    run = scorecard_run_start(quarter=Period.parse(QUARTER), department=agri)
    marker = Path(settings.MEDIA_ROOT) / "scorecards" / "rendering-AGRI"
    _wait_for(marker.exists, 90, "the rendering to reach its pause")
    doomed.kill()

    assert not Scorecard.objects.filter(run=run).exists()
    assert (set(folder.iterdir()) if folder.exists() else set()) == files_before

    marker.unlink()
    celery_worker_factory(env=quick_redelivery)
    scorecard = _wait_for(
        lambda: Scorecard.objects.filter(run=run).first(), 120, "the redelivered rendering"
    )
    assert Scorecard.objects.filter(run=run).count() == 1
    assert Path(scorecard.pdf.path).read_bytes().startswith(b"%PDF")
