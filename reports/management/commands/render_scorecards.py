import sys
import time

from django.core.management.base import BaseCommand, CommandError

from departments.models import Department
from reports.models import ScorecardRun
from reports.periods import Period
from reports.scorecards.services import scorecard_run_progress
from reports.scorecards.tasks import scorecard_run_start


class Command(BaseCommand):
    help = (
        "Render per-department scorecards (page, PDF, xlsx) for a quarter, one Celery task per "
        "department, and show their progress."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="quarter, e.g. 2025Q2")
        parser.add_argument("--department", help="department code (default: every department)")
        parser.add_argument("--timeout", type=int, default=1800, help="seconds to wait")
        parser.add_argument("--no-wait", action="store_true", help="start and return")

    def handle(self, *args, period, department=None, timeout=1800, no_wait=False, **options):
        try:
            quarter = Period.parse(period)
        except ValueError:
            raise CommandError(f"not a period id: {period!r}") from None
        if quarter.kind != "Q":
            raise CommandError("scorecards are rendered per quarter, e.g. 2025Q2")
        dept = None
        if department:
            dept = Department.objects.current().filter(code=department).first()
            if dept is None:
                raise CommandError(f"no current department with code {department!r}")
        run = scorecard_run_start(quarter=quarter, department=dept)
        self.stdout.write(f"run {run.pk}: {run.total} scorecards for {quarter.id}")
        if no_wait:
            return
        deadline = time.monotonic() + timeout
        while True:
            run = ScorecardRun.objects.get(pk=run.pk)
            progress = scorecard_run_progress(run)
            self._bar(progress)
            if progress["finished"]:
                break
            if time.monotonic() > deadline:
                raise CommandError("timed out waiting for the scorecards (is a worker running?)")
            time.sleep(0.5)
        self.stdout.write("")
        for failure in run.failures:
            self.stderr.write(f"failed: {failure['department']}: {failure['error']}")
        if run.failures:
            raise CommandError(f"{len(run.failures)} scorecards failed")
        self.stdout.write(self.style.SUCCESS(f"{progress['done']} scorecards rendered"))

    def _bar(self, progress: dict) -> None:
        width = 40
        filled = width * progress["percent"] // 100
        line = (
            f"\r[{'#' * filled}{'.' * (width - filled)}] {progress['percent']:3d}% "
            f"{progress['done']}/{progress['total']}"
            + (f" ({progress['failed']} failed)" if progress["failed"] else "")
        )
        if self.stdout.isatty():
            self.stdout.write(line, ending="")
        else:
            self.stdout.write(line.lstrip("\r"))
        sys.stdout.flush()
