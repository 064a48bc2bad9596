import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.exchange.exports import export_gaps, export_values


class Command(BaseCommand):
    help = (
        "Export reported values (csv, xlsx, or DHIS2 data values as csv / JSON). DHIS2 loads "
        "dhis2-json as it is (POST /api/dataValueSets); dhis2-csv with "
        "?dataElementIdScheme=CODE&orgUnitIdScheme=CODE (a csv cannot name its id schemes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=["csv", "xlsx", "dhis2-json", "dhis2-csv"], default="csv"
        )
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
        parser.add_argument(
            "--what",
            choices=["values", "gaps"],
            default="values",
            help="reported values (default) or gap results (csv or xlsx)",
        )
        parser.add_argument("--document", help="only indicators with a target from this document")
        parser.add_argument("--department", help="department code")
        parser.add_argument("--period", help="period id, e.g. 2024Q3")
        parser.add_argument(
            "--state", action="append", help="only values in this state (repeatable)"
        )

    def handle(self, *args, format="csv", output=None, state=None, what="values", **options):
        filters = {
            "document": options.get("document"),
            "department": options.get("department"),
            "period": options.get("period"),
        }
        if what == "gaps":
            if format not in ("csv", "xlsx"):
                raise CommandError("gap results are exported as csv or xlsx")
            data = export_gaps(format, **filters)
        else:
            data = export_values(format, states=state, **filters)
        if output:
            try:
                output.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"{output}：无法写入（{exc.strerror}）。") from exc
            self.stderr.write(f"written to {output}")
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
