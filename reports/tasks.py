"""Background jobs for reporting. Thin: they take ids or periods and call a service."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from .gap_service import DEBOUNCE_KEY, gaps_compute


@shared_task(bind=True, acks_late=True, max_retries=3)
def compute_gaps_task(self, period: str | None = None) -> dict:
    """Recompute gap results (idempotent: it replaces what it computes)."""
    cache.delete(DEBOUNCE_KEY)  # approvals from now on schedule a fresh run
    try:
        run = gaps_compute(period=period)
    except Exception as exc:  # database unavailable or similar: try again shortly
        raise self.retry(exc=exc, countdown=10) from exc
    return {"values": run.values, "results": run.results, "seconds": round(run.seconds, 3)}


@shared_task(bind=True, acks_late=True, max_retries=2)
def render_scorecard_task(self, run_id: int, department_id: int) -> int | None:
    """Render one department's scorecard for a run; a second delivery does nothing twice."""
    from departments.models import Department

    from .models import Scorecard, ScorecardRun
    from .periods import Period
    from .scorecards import scorecard_render

    existing = Scorecard.objects.filter(run_id=run_id, department_id=department_id).first()
    if existing:
        return existing.pk
    run = ScorecardRun.objects.get(pk=run_id)
    department = Department.objects.get(pk=department_id)
    try:
        return scorecard_render(department=department, quarter=Period.parse(run.period), run=run).pk
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            from .scorecard_service import scorecard_run_record_failure

            scorecard_run_record_failure(run_id=run_id, department=department, error=str(exc))
            raise
        raise self.retry(exc=exc, countdown=5) from exc


@shared_task(bind=True, acks_late=True, max_retries=2)
def import_job_task(self, job_id: int, action: str) -> str:
    """Check (dry run) or write a large uploaded file in the background."""
    from .imports import import_job_check, import_job_run
    from .models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    if action == "check":
        import_job_check(job)
    else:
        import_job_run(job)
    return ImportJob.objects.get(pk=job_id).status


@shared_task
def clean_media_task() -> int:
    """Remove media files no row names any more (see ``reports.maintenance``)."""
    from .maintenance import orphan_files_remove

    return len(orphan_files_remove())
