"""Background jobs of reporting."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from .services import catalogue_load, values_follow_successors

logger = logging.getLogger(__name__)


@shared_task(name="reports.tasks.catalog_load_task", bind=True, acks_late=True, max_retries=3)
def catalog_load_task(self) -> list[str]:
    """Bring the database up to date with the catalogue fixtures (idempotent, so safe to retry)."""
    try:
        report = catalogue_load()
    except Exception as exc:  # a database hiccup: try again; a CatalogError fails every retry
        raise self.retry(exc=exc, countdown=5) from exc
    return report.lines()


def catalogue_changed(sender, **kwargs) -> None:
    """Receiver of :data:`qualityhub.events.catalogue_changed` (connected in ``reports.apps``):
    rows of departments that have just become historical follow their successors. One query
    when nothing is to move. The change that sent the signal is committed already, so a failure
    here is logged, not raised (the next change, or the next migrate, moves the rows)."""
    try:
        values_follow_successors()
    except DatabaseError:
        logger.exception("rows of historical departments could not follow their successors")
