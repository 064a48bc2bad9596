import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from reports.exports import export_values


class Command(BaseCommand):
    help = "Export reported values (csv, xlsx, or DHIS2 dataValueSet csv / JSON)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=["csv", "xlsx", "dhis2-json", "dhis2-csv"], default="csv"
        )
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument("--document", help="only indicators with a target from this document")
        parser.add_argument("--department", help="department code")
        parser.add_argument("--period", help="period id, e.g. 2024Q3")
        parser.add_argument(
            "--state", action="append", help="only values in this state (repeatable)"
        )

    def handle(self, *args, format="csv", output=None, state=None, **options):
        data = export_values(
            format,
            document=options.get("document"),
            department=options.get("department"),
            period=options.get("period"),
            states=state,
        )
        if output:
            output.write_bytes(data)
            self.stderr.write(f"written to {output}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
