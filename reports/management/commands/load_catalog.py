from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.catalog import CatalogError
from reports.reporting.services import catalogue_load


class Command(BaseCommand):
    help = "Load the catalogue fixtures, or bring the database up to date with them (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory", type=Path, help="catalogue folder (default: fixtures/catalog)"
        )

    def handle(self, *args, directory=None, **options):
        try:
            report = catalogue_load(directory=directory)
        except CatalogError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"catalogue loaded: {report.changed()} rows created, updated or deleted"
            )
        )
