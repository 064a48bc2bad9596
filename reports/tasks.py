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
