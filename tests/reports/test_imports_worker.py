"""A large import checked and written by a real Celery worker, with progress in the page."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports.models import ImportJob, ReportedValue, ReportedValueChange

pytestmark = pytest.mark.services


def _poll(client, job, until: set[str], timeout: float = 120) -> list[dict]:
    """The JSON progress the page polls, until the job reaches one of ``until``."""
    seen = []
    deadline = time.monotonic() + timeout
    url = reverse("reports:import_job", args=[job.pk]) + "?format=json"
    while time.monotonic() < deadline:
        state = client.get(url).json()
        seen.append(state)
        if state["status"] in until:
            return seen
        time.sleep(0.2)
    pytest.fail(f"import job still {seen[-1]['status']} after {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_the_worker_with_progress(
    reload_catalog, celery_worker_factory, people, login, settings
):
    settings.IMPORT_BACKGROUND_BYTES = 1024
    celery_worker_factory()
    quarters = [f"{y}Q{q}" for y in range(1950, 2100) for q in range(1, 5)]
    lines = ["指标代码,部门,期间,数值,说明"] + [
        f"MFG_PRODUCT_PASS_RATE,市场监管局,{period},{90 + i % 10}.5,第{i}行"
        for i, period in enumerate(quarters)
    ]
    data = ("\r\n".join(lines)).encode("gbk")
    client = login(people.office)
    client.post(reverse("reports:imports"), {"file": SimpleUploadedFile("历年.csv", data)})
    job = ImportJob.objects.get()
    assert job.background
    _poll(client, job, {"previewed", "failed"})
    job.refresh_from_db()
    assert job.status == "previewed", job.message
    assert job.counts == {"new": len(quarters), "updated": 0, "unchanged": 0, "errors": 0}
    assert not ReportedValue.objects.filter(source="import").exists()  # nothing before confirm

    client.post(reverse("reports:import_job", args=[job.pk]))
    states = _poll(client, job, {"done", "failed"})
    job.refresh_from_db()
    assert job.status == "done", job.message
    assert job.processed == job.total == len(quarters)
    assert all(s["processed"] <= s["total"] for s in states)
    assert ReportedValue.objects.filter(source="import").count() == len(quarters)
    changes = ReportedValueChange.objects.filter(via="import", changed_by=people.office)
    assert changes.count() == len(quarters)
    assert changes.filter(comment="导入文件：历年.csv 第 2 行").exists()
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    assert 'id="counts"' in page and str(len(quarters)) in page
