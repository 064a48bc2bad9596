"""Large imports checked and written by a real Celery worker: progress in the page, and a job
whose worker dies ends as failed."""

import time
from pathlib import Path

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
    assert job.counts == {
        "new": len(quarters),
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "skipped": 0,
        "flags": 0,
    }
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


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


GOOD = (
    "指标,部门,期间,数值,说明\r\n"
    "MFG_PRODUCT_PASS_RATE,市场监管局,2024Q3,93.71,抽检\r\n"
    "CONSUMER_GOODS_PASS_RATE,市场监管局,2024Q3,88.95,\r\n"
).encode("gbk")
DIED = "处理该文件的后台进程意外终止了 1 次，已停止处理，未导入任何数据。"


@pytest.mark.django_db(transaction=True)
def test_jobs_whose_worker_dies_end_as_failed_and_can_be_retried_or_discarded(
    reload_catalog, celery_worker_factory, people, login, settings
):
    """A worker killed mid-job (as the OOM killer would) hands the task back to the broker; on
    the next delivery past ``IMPORT_MAX_DELIVERIES`` the job ends as failed instead of
    killing worker after worker."""
    settings.IMPORT_BACKGROUND_BYTES = 100  # every file here is a background job
    client = login(people.office)

    def url(job):
        return reverse("reports:import_job", args=[job.pk])

    # Job A is checked by a healthy worker, so that its import can be the step that dies.
    healthy = celery_worker_factory()
    client.post(reverse("reports:imports"), {"file": SimpleUploadedFile("甲.csv", GOOD)})
    first = ImportJob.objects.get()
    _poll(client, first, {"previewed", "failed"})
    first.refresh_from_db()
    assert first.background and first.status == "previewed", first.message
    healthy.stop()

    # A worker that pauses on every job; A's import and B's check both reach it, then it dies.
    quick_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3"}
    doomed = celery_worker_factory(
        env={"QUALITYHUB_IMPORT_PAUSE": "120", **quick_redelivery}, pool="prefork", concurrency=2
    )
    client.post(url(first))  # confirm: the import is queued
    client.post(reverse("reports:imports"), {"file": SimpleUploadedFile("乙.csv", GOOD)})
    second = ImportJob.objects.exclude(pk=first.pk).get()
    markers = [
        Path(settings.MEDIA_ROOT) / "imports" / f"processing-{j.pk}" for j in (first, second)
    ]
    _wait_for(lambda: all(m.exists() for m in markers), 90, "both jobs to reach the pause")
    doomed.kill()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("importing", "checking")
    assert first.deliveries == second.deliveries == 1

    # The next worker gets both tasks again: one delivery too many, so both jobs fail. (A
    # worker looks for unacknowledged messages as it starts, then only every 100 s: start it
    # once they are older than the visibility timeout.)
    time.sleep(4)
    celery_worker_factory(env={**quick_redelivery, "IMPORT_MAX_DELIVERIES": "1"})
    for job in (first, second):
        _poll(client, job, {"failed", "previewed", "done"})
        job.refresh_from_db()
        assert job.status == "failed" and job.message.startswith(DIED), job.message
    assert not ReportedValue.objects.filter(source="import").exists()
    assert not ReportedValueChange.objects.filter(via="import").exists()
    page = client.get(url(first)).content.decode()
    assert DIED in page and 'value="retry"' in page and 'value="discard"' in page
    assert client.get(url(first) + "?format=json").json()["finished"] is True

    # Retry checks A again from the start; then it imports.
    client.post(url(first), {"action": "retry"})
    _poll(client, first, {"previewed", "failed"})
    first.refresh_from_db()
    assert first.status == "previewed" and first.message == "", first.message
    client.post(url(first))
    _poll(client, first, {"done", "failed"})
    first.refresh_from_db()
    assert first.status == "done", first.message
    assert first.counts == {
        "new": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "skipped": 0,
        "flags": 0,
    }
    assert ReportedValue.objects.filter(source="import").count() == 2

    # Discard ends B and removes its file.
    path = Path(second.file.path)
    assert path.exists()
    client.post(url(second), {"action": "discard"})
    second.refresh_from_db()
    assert second.status == "discarded" and not path.exists()
    assert ReportedValue.objects.filter(source="import").count() == 2
