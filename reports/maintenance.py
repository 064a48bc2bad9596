"""Housekeeping of the media storage: files that no row points at any more.

A scorecard rendering killed after its files were saved but before its row was committed leaves
files no snapshot names; an upload previewed in the admin and never confirmed leaves its
temporary copy. Both are removed once they are older than a day, so a rendering or a preview in
progress is never touched. Evidence and the import page's uploads are kept: they are records.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.utils import timezone

from reports.models import Scorecard

#: Folders swept, and whether a file there must be named by a scorecard to be kept.
SCORECARD_FOLDER = "scorecards"
ADMIN_IMPORT_FOLDER = "django-import-export"


def _walk(folder: str):
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(f"{folder}/{sub}")


def orphan_files(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> list[str]:
    """Scorecard files no snapshot names, and stale admin-import uploads, older than the age."""
    cutoff = timezone.now() - older_than
    named = set()
    for pdf, xlsx in Scorecard.objects.values_list("pdf", "xlsx"):
        named.update((pdf, xlsx))
    found = []
    for path in _walk(SCORECARD_FOLDER):
        if path not in named and default_storage.get_modified_time(path) < cutoff:
            found.append(path)
    for path in _walk(ADMIN_IMPORT_FOLDER):
        if default_storage.get_modified_time(path) < cutoff:
            found.append(path)
    return sorted(found)


def orphan_files_remove(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> list[str]:
    removed = orphan_files(older_than=older_than)
    for path in removed:
        default_storage.delete(path)
    return removed
