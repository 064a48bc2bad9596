from django.core.management.base import BaseCommand, CommandError

from reports.gaps.services import gaps_compute
from reports.periods import Period


class Command(BaseCommand):
    help = "Compute gap-to-target results for every indicator × department and region-wide."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="only this period, e.g. 2025Q2 (default: all)")
        parser.add_argument(
            "--include-submitted",
            action="store_true",
            help="count submitted values too (default: approved values only)",
        )

    def handle(self, *args, period=None, include_submitted=False, **options):
        if period:
            try:
                period = Period.parse(period).id
            except ValueError:
                raise CommandError(
                    f"not a period id: {period!r} (use 2025, 2025S1 or 2025Q2)"
                ) from None
        run = gaps_compute(period=period, include_submitted=include_submitted)
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.results} gap results from {run.values} values in {run.seconds:.2f} s"
            )
        )
