"""Gap computation as a job: the Celery task, and the debounced scheduling every write uses."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from qualityhub.transactions import on_commit_once
from reports.cache import bump_dashboard_version

from .services import gaps_compute

DEBOUNCE_KEY = "gaps:scheduled"
DEBOUNCE_SECONDS = 30


@shared_task(name="reports.tasks.compute_gaps_task", bind=True, acks_late=True, max_retries=3)
def compute_gaps_task(self, period: str | None = None) -> dict:
    """Recompute gap results (idempotent: it replaces what it computes)."""
    cache.delete(DEBOUNCE_KEY)  # changes from now on schedule a fresh run
    try:
        run = gaps_compute(period=period)
    except Exception as exc:  # database unavailable or similar: try again shortly
        raise self.retry(exc=exc, countdown=10) from exc
    return {"values": run.values, "results": run.results, "seconds": round(run.seconds, 3)}


def schedule_gap_computation() -> bool:
    """Debounce: changes in quick succession lead to one computation a little later."""
    if cache.add(DEBOUNCE_KEY, 1, timeout=DEBOUNCE_SECONDS):
        compute_gaps_task.apply_async(countdown=DEBOUNCE_SECONDS)
        return True
    return False


def schedule_gap_computation_on_commit() -> None:
    """Once the current transaction commits: an approval, a reopened value, a changed target."""
    on_commit_once(schedule_gap_computation)


def catalogue_changed(sender, **kwargs) -> None:
    """Receiver of :data:`qualityhub.events.catalogue_changed` (connected in ``reports.apps``):
    targets, indicators, responsibilities or departments changed, so gaps are computed again
    and cached dashboards are rebuilt. The signal is sent after the commit."""
    bump_dashboard_version()
    schedule_gap_computation()
