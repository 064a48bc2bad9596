import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.selectors import CATALOG_COLUMNS, catalog_rows
from qualityhub.spreadsheets import write_csv, write_xlsx


class Command(BaseCommand):
    help = "Export the catalogue, one row per target (csv in UTF-8, or xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, format="csv", output=None, **options):
        rows = list(catalog_rows())
        if format == "csv":
            data = write_csv(CATALOG_COLUMNS, rows)
        else:
            data = write_xlsx(CATALOG_COLUMNS, rows, title="catalog")
        if output:
            try:
                output.write_bytes(data)
            except OSError as exc:  # a missing folder, a directory, no permission
                raise CommandError(f"cannot write {output}: {exc.strerror}") from None
            self.stderr.write(f"{len(rows)} targets written to {output}")
        elif format == "xlsx" and sys.stdout.isatty():
            self.stderr.write("xlsx is binary: give --output FILE")
        else:
            self.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
