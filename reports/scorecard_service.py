"""Starting scorecard renderings and following their progress."""

from __future__ import annotations

from celery import group
from django.db import transaction

from departments.models import Department

from .models import Scorecard, ScorecardRun
from .periods import Period
from .selectors import department_forms


def departments_for_scorecards(quarter: Period) -> list[Department]:
    """Departments with something to show for the quarter (a value row or a qualitative row)."""
    from departments.selectors import departments_with_responsibilities

    departments = departments_with_responsibilities()
    forms = department_forms(departments, quarter)
    return [d for d in departments if forms[d.pk].value_rows or forms[d.pk].qualitative_rows]


@transaction.atomic
def scorecard_run_start(
    *, quarter: Period, acting_user=None, department: Department | None = None
) -> ScorecardRun:
    """Create a run and fan out one rendering task per department (after commit)."""
    from .tasks import render_scorecard_task

    departments = [department] if department else departments_for_scorecards(quarter)
    run = ScorecardRun.objects.create(
        period=quarter.id, department=department, total=len(departments), created_by=acting_user
    )
    job = group(render_scorecard_task.s(run.pk, d.pk) for d in departments)
    transaction.on_commit(job.apply_async)
    return run


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
