"""Every Celery task of the reports app, under the names beat and queued messages use.

Celery's autodiscovery imports this module; each task lives with its feature and carries its
stable name (``reports.tasks.<name>``) explicitly, so moving code never orphans a message.
"""

from celery import shared_task

from .exchange.tasks import import_job_task, import_jobs_sweep_task
from .gaps.tasks import compute_gaps_task
from .maintenance import orphan_files_remove
from .reporting.tasks import catalog_load_task
from .scorecards.tasks import render_scorecard_task

__all__ = [
    "catalog_load_task",
    "clean_media_task",
    "compute_gaps_task",
    "import_job_task",
    "import_jobs_sweep_task",
    "render_scorecard_task",
]


@shared_task(name="reports.tasks.clean_media_task")
def clean_media_task() -> int:
    """Remove media files no row names any more (see ``reports.maintenance``)."""
    return len(orphan_files_remove())
