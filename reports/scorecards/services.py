"""Scorecard snapshots and renderings: writing them, recording failures, following progress."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from departments.models import Department
from indicators.selectors import departments_with_responsibilities
from reports.models import Scorecard, ScorecardRun
from reports.periods import Period
from reports.reporting.selectors import department_forms

from .data import fingerprint, scorecard_data
from .pdf import render_pdf
from .render import render_html, render_xlsx


def departments_for_scorecards(quarter: Period) -> list[Department]:
    """Departments with something to show for the quarter (a value row or a qualitative row)."""
    departments = departments_with_responsibilities()
    forms = department_forms(departments, quarter)
    return [d for d in departments if forms[d.pk].value_rows or forms[d.pk].qualitative_rows]


@transaction.atomic
def scorecard_run_create(
    *,
    quarter: Period,
    departments: list[Department],
    acting_user=None,
    department: Department | None = None,
) -> ScorecardRun:
    """The record of one rendering request, which its tasks report into."""
    return ScorecardRun.objects.create(
        period=quarter.id, department=department, total=len(departments), created_by=acting_user
    )


def scorecard_render(
    *, department: Department, quarter: Period, run: ScorecardRun | None = None
) -> Scorecard:
    """Build, render and store one scorecard (see :func:`scorecard_store`)."""
    data = scorecard_data(department, quarter)
    created = timezone.now()
    html = render_html(data, created_at=created)
    pdf = render_pdf(html)
    xlsx = render_xlsx(data)
    _pause_for_tests(department)
    return scorecard_store(
        department=department,
        quarter=quarter,
        data=data,
        html=html,
        pdf=pdf,
        xlsx=xlsx,
        run=run,
        created=created,
    )


@transaction.atomic
def scorecard_store(
    *,
    department: Department,
    quarter: Period,
    data: dict,
    html: str,
    pdf: bytes,
    xlsx: bytes,
    run: ScorecardRun | None = None,
    created=None,
) -> Scorecard:
    """Keep a rendering as a snapshot. The files are saved first and the row last, in one
    transaction, so an interrupted rendering leaves no snapshot (only files that
    ``clean_media`` removes)."""
    created = created or timezone.now()
    stem = f"{department.code}-{quarter.id}-{created:%Y%m%d%H%M%S%f}"
    scorecard = Scorecard(
        run=run,
        department=department,
        period=quarter.id,
        data=data,
        fingerprint=fingerprint(data),
        html=html,
    )
    scorecard.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    scorecard.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    scorecard.save()
    return scorecard


def _pause_for_tests(department: Department) -> None:
    """``QUALITYHUB_RENDER_PAUSE`` seconds of sleep before the snapshot is stored (a marker file
    says so), which lets the worker tests interrupt a rendering half-way. Unset in use."""
    pause = float(os.environ.get("QUALITYHUB_RENDER_PAUSE", "0") or 0)
    if pause:
        marker = Path(settings.MEDIA_ROOT) / "scorecards" / f"rendering-{department.code}"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(os.getpid()))
        time.sleep(pause)


def is_stale(scorecard: Scorecard) -> bool:
    """True when the data the scorecard would show today differs from what it showed."""
    today = scorecard_data(scorecard.department, Period.parse(scorecard.period))
    return fingerprint(today) != scorecard.fingerprint


@transaction.atomic
def scorecard_run_record_failure(*, run_id: int, department: Department, error: str) -> None:
    run = ScorecardRun.objects.select_for_update().get(pk=run_id)
    run.failures = [*run.failures, {"department": department.code, "error": error[:500]}]
    run.save(update_fields=["failures"])


def scorecard_run_progress(run: ScorecardRun) -> dict:
    done = Scorecard.objects.filter(run=run).count()
    failed = len(run.failures)
    return {
        "run": run.pk,
        "period": run.period,
        "total": run.total,
        "done": done,
        "failed": failed,
        "finished": done + failed >= run.total,
        "percent": 100 if not run.total else round(100 * (done + failed) / run.total),
    }
