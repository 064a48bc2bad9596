"""Store each fixture document's quote file as its source text, so that quotes are checked
against the database. ``load_catalog`` does the same on every load; this fills databases loaded
before ``source_text`` existed. A document whose file is missing is left empty."""

from pathlib import Path

from django.conf import settings
from django.db import migrations


def fill_source_text(apps, schema_editor):
    Document = apps.get_model("indicators", "Document")
    sources = Path(settings.CATALOG_SOURCES_DIR)
    for document in Document.objects.filter(source_text="").exclude(quote_file=""):
        path = sources / document.quote_file
        if path.is_file():
            document.source_text = path.read_text(encoding="utf-8").strip()
            document.save(update_fields=["source_text"])


def clear_source_text(apps, schema_editor):
    Document = apps.get_model("indicators", "Document")
    Document.objects.exclude(quote_file="").update(source_text="")


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_document_source_text_and_no_quote_reason"),
    ]

    operations = [
        migrations.RunPython(fill_source_text, clear_source_text),
    ]
