import datetime as dt
import math

from django.core.management.base import BaseCommand, CommandError

from reports.maintenance import orphan_files, orphan_files_remove

#: Files are never kept longer than about a century for being young enough.
MAX_HOURS = 24 * 365 * 100


class Command(BaseCommand):
    help = (
        "Remove scorecard files that no snapshot names (a rendering interrupted before it was "
        "recorded) and admin-import uploads never confirmed, once older than --hours."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24)
        parser.add_argument("--dry-run", action="store_true", help="list them only")

    def handle(self, *args, hours=24, dry_run=False, **options):
        if not math.isfinite(hours) or not 0 <= hours <= MAX_HOURS:
            raise CommandError(f"--hours 应在 0 到 {MAX_HOURS} 之间。")
        age = dt.timedelta(hours=hours)
        paths = orphan_files(older_than=age) if dry_run else orphan_files_remove(older_than=age)
        for path in paths:
            self.stdout.write(path)
        verb = "would be removed" if dry_run else "removed"
        self.stdout.write(f"{len(paths)} files {verb}")
