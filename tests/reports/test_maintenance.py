"""Removing media files that no row names any more."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from departments.models import Department
from reports.models import Scorecard

pytestmark = pytest.mark.django_db


def _age(path: str, hours: float) -> None:
    stamp = time.time() - hours * 3600
    os.utime(default_storage.path(path), (stamp, stamp))


def test_files_no_scorecard_names_are_removed_once_a_day_old(catalog, capsys):
    scorecard = Scorecard(
        department=Department.objects.get(code="AMR"),
        period="2025Q4",
        data={},
        fingerprint="x",
        html="<p>x</p>",
    )
    scorecard.pdf.save("kept.pdf", ContentFile(b"%PDF-1.7"), save=False)
    scorecard.xlsx.save("kept.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    scorecard.save()
    orphan = default_storage.save("scorecards/2025Q4/AMR/interrupted.pdf", ContentFile(b"%PDF"))
    rendering = default_storage.save("scorecards/2025Q4/AMR/rendering.pdf", ContentFile(b"%PDF"))
    preview = default_storage.save("django-import-export/abandoned", ContentFile(b"a,b"))
    for path in (scorecard.pdf.name, scorecard.xlsx.name, orphan, preview):
        _age(path, 30)
    _age(rendering, 1)  # a rendering in progress right now

    call_command("clean_media", dry_run=True)
    assert "2 files would be removed" in capsys.readouterr().out
    assert default_storage.exists(orphan)

    call_command("clean_media")
    assert not default_storage.exists(orphan) and not default_storage.exists(preview)
    for path in (scorecard.pdf.name, scorecard.xlsx.name, rendering):
        assert default_storage.exists(path)


def test_the_nightly_task_removes_them(catalog):
    from django.conf import settings

    from reports.tasks import clean_media_task

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert clean_media_task.name in scheduled
    orphan = default_storage.save("scorecards/2025Q3/AGRI/interrupted.xlsx", ContentFile(b"PK"))
    _age(orphan, 48)
    assert clean_media_task.delay().get() >= 1 and not default_storage.exists(orphan)
