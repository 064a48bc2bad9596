"""Background jobs of reporting."""

from __future__ import annotations

from celery import shared_task

from .services import catalogue_load


@shared_task(name="reports.tasks.catalog_load_task", bind=True, acks_late=True, max_retries=3)
def catalog_load_task(self) -> list[str]:
    """Bring the database up to date with the catalogue fixtures (idempotent, so safe to retry)."""
    try:
        report = catalogue_load()
    except Exception as exc:  # a database hiccup: try again; a CatalogError fails every retry
        raise self.retry(exc=exc, countdown=5) from exc
    return report.lines()
