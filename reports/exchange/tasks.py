"""Import jobs as background work: checked and written by a Celery worker when the file is large.

A small file is checked (and later written) in the web request itself; past
``IMPORT_BACKGROUND_BYTES`` the same services run in a task while the page shows progress.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction

from reports.models import ImportJob

from .services import import_job_check, import_job_delivery, import_job_run, import_jobs_sweep

CHECK, IMPORT = "check", "import"


@shared_task(name="reports.tasks.import_job_task", bind=True, acks_late=True)
def import_job_task(self, job_id: int, action: str) -> str:
    """Check (dry run) or write a job's file; a delivery after the job ended does nothing."""
    status = ImportJob.Status.CHECKING if action == CHECK else ImportJob.Status.IMPORTING
    job = import_job_delivery(job_id, status)
    if job is None:
        return "ended"
    _pause_for_tests(job)
    if action == CHECK:
        import_job_check(job)
    else:
        import_job_run(job)
    return ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first() or "ended"


@shared_task(name="reports.tasks.import_jobs_sweep_task")
def import_jobs_sweep_task() -> int:
    """Every few minutes from beat: end jobs whose process died under them."""
    return import_jobs_sweep()


def import_job_start(job: ImportJob) -> None:
    """Check a new (or retried) job's file: now, or by a worker once this request commits."""
    _dispatch(job, CHECK, import_job_check)


def import_job_write(job: ImportJob) -> None:
    """Write a confirmed job's file: now, or by a worker once this request commits."""
    _dispatch(job, IMPORT, import_job_run)


def _dispatch(job: ImportJob, action: str, run_here) -> None:
    if job.background:
        transaction.on_commit(lambda: import_job_task.delay(job.pk, action))
    else:
        run_here(job)


def _pause_for_tests(job: ImportJob) -> None:
    """``QUALITYHUB_IMPORT_PAUSE`` seconds of sleep once a job is taken up (a marker file says
    so), which lets the worker tests kill a worker in the middle of a job. Unset in use."""
    pause = float(os.environ.get("QUALITYHUB_IMPORT_PAUSE", "0") or 0)
    if pause:
        marker = Path(settings.MEDIA_ROOT) / "imports" / f"processing-{job.pk}"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(str(os.getpid()))
        time.sleep(pause)
