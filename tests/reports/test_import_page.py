"""The import page: upload, dry-run preview with row errors, confirm; large files in the
background with progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import ImportJob, ReportedValue

pytestmark = pytest.mark.django_db

GOOD = "指标,部门,期间,数值,说明\nMFG_PRODUCT_PASS_RATE,自治区质监局,2024年第三季度,93.71%,抽检\n"
BAD = GOOD + "NO_SUCH,AMR,2024Q3,1,\n"


def _upload(client, text, name="values.csv", encoding="gbk"):
    return client.post(
        reverse("reports:imports"),
        {"file": SimpleUploadedFile(name, text.encode(encoding))},
        follow=True,
    )


def test_the_office_previews_then_confirms_an_import(people, login):
    client = login(people.office)
    page = _upload(client, GOOD).content.decode()
    assert 'id="counts"' in page and "确认导入" in page
    job = ImportJob.objects.get()
    assert job.counts == {"new": 1, "updated": 0, "unchanged": 0, "errors": 0}
    assert not ReportedValue.objects.filter(period="2024Q3").exists()  # nothing before confirm
    client.post(reverse("reports:import_job", args=[job.pk]))
    value = ReportedValue.objects.get(period="2024Q3", indicator__code="MFG_PRODUCT_PASS_RATE")
    assert value.department.code == "AMR"
    assert "values.csv" in value.changes.get().comment
    job.refresh_from_db()
    assert job.status == "done"


def test_a_file_with_errors_shows_each_row_and_cannot_be_confirmed(people, login):
    client = login(people.office)
    page = _upload(client, BAD).content.decode()
    table = page.split('id="errors"')[1]
    assert '<td class="num">3</td>' in table and "找不到指标" in table
    job = ImportJob.objects.get()
    client.post(reverse("reports:import_job", args=[job.pk]))
    assert not ReportedValue.objects.filter(period="2024Q3").exists()


def test_an_unreadable_file_says_why(people, login):
    page = _upload(login(people.office), "", name="empty.csv").content.decode()
    assert "文件是空的" in page


def test_a_large_file_is_checked_and_imported_in_the_background(
    people, login, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_BYTES = 10  # every file counts as large here
    client = login(people.office)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, GOOD)
    job = ImportJob.objects.get()
    assert job.background and job.status == "previewed"
    state = client.get(reverse("reports:import_job", args=[job.pk]) + "?format=json").json()
    assert state["finished"] is True and state["total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:import_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.processed == 1
    assert ReportedValue.objects.filter(period="2024Q3", source="import").exists()
