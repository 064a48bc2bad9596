"""Scorecard renderings as background work: one task per department, fanned out by a run."""

from __future__ import annotations

import threading

from celery import group, shared_task
from django.db import connections, transaction

from departments.models import Department
from reports.models import Scorecard, ScorecardRun
from reports.periods import Period

from .services import (
    departments_for_scorecards,
    scorecard_render,
    scorecard_run_create,
    scorecard_run_record_failure,
)


@shared_task(name="reports.tasks.render_scorecard_task", bind=True, acks_late=True, max_retries=2)
def render_scorecard_task(self, run_id: int, department_id: int) -> int | None:
    """Render one department's scorecard for a run; a second delivery does nothing twice."""
    existing = Scorecard.objects.filter(run_id=run_id, department_id=department_id).first()
    if existing:
        return existing.pk
    run = ScorecardRun.objects.get(pk=run_id)
    department = Department.objects.get(pk=department_id)
    try:
        return scorecard_render(department=department, quarter=Period.parse(run.period), run=run).pk
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            scorecard_run_record_failure(run_id=run_id, department=department, error=str(exc))
            raise
        raise self.retry(exc=exc, countdown=5) from exc


@transaction.atomic
def scorecard_run_start(
    *, quarter: Period, acting_user=None, department: Department | None = None
) -> ScorecardRun:
    """Create a run and fan out one rendering task per department (after commit)."""
    departments = [department] if department else departments_for_scorecards(quarter)
    run = scorecard_run_create(
        quarter=quarter, departments=departments, acting_user=acting_user, department=department
    )
    department_ids = [d.pk for d in departments]
    if render_scorecard_task.app.conf.task_always_eager:
        transaction.on_commit(lambda: render_in_background(run.pk, department_ids))
    else:
        job = group(render_scorecard_task.s(run.pk, pk) for pk in department_ids)
        transaction.on_commit(job.apply_async)
    return run


def render_in_background(run_id: int, department_ids: list[int]) -> threading.Thread:
    """The embedded mode's stand-in for the workers: the run's tasks, one after another, in a
    thread of this process, so the page that started them returns at once and follows the
    run's progress like it does with workers.

    The thread is not a daemon: a process asked to stop (a command, a server restarting)
    finishes the run first. Each task runs as a worker would run it (``apply``: its retries,
    then a failure recorded on the run).
    """

    def work() -> None:
        try:
            for department_id in department_ids:
                render_scorecard_task.apply(args=(run_id, department_id), throw=False)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=work, name=f"scorecard-run-{run_id}")
    thread.start()
    return thread
