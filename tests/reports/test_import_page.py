"""The import page: upload, dry-run preview with row errors, confirm; large files in the
background with progress."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import reports.exchange.services as services
from reports.models import ImportJob, ReportedValue, ReportedValueChange
from tests.qualityhub.test_spreadsheets import sparse_xlsx

from .test_imports import HOSTILE_FILES

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
    assert job.counts == {
        "new": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": 0,
        "skipped": 0,
        "flags": 0,
    }
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


def test_a_department_return_chosen_on_the_page_refuses_rows_of_other_departments(people, login):
    from departments.models import Department

    client = login(people.office)
    agri = Department.objects.get(code="AGRI")
    page = client.post(
        reverse("reports:imports"),
        {"file": SimpleUploadedFile("农牧厅.csv", GOOD.encode()), "department": agri.pk},
        follow=True,
    ).content.decode()
    assert "本次导入只接受" in page.split('id="errors"')[1]
    assert ImportJob.objects.get().department == agri


@pytest.mark.parametrize(
    "resource", ["values", "departments", "indicators", "targets", "responsibilities"]
)
def test_every_resource_has_a_template_with_chinese_headers_that_its_importer_reads(
    people, login, resource
):
    import io

    from openpyxl import load_workbook

    client = login(people.office)
    xlsx = client.get(reverse("reports:import_template", args=[resource, "xlsx"]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(xlsx.content))
    headers = [c.value for c in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in h) for h in headers)
    guide = list(workbook["填写说明"].iter_rows(values_only=True))
    assert [row[0] for row in guide[1:]] == headers  # every column explained
    csv = client.get(reverse("reports:import_template", args=[resource, "csv"])).content
    assert csv.startswith(b"\xef\xbb\xbf") and csv[3:].decode().strip().split(",") == headers
    if resource == "values":  # the importer knows every header, and wants rows
        from reports.exchange.checking import parse_values_file
        from reports.exchange.parsing import ImportFileError

        with pytest.raises(ImportFileError, match="只有表头"):
            parse_values_file(xlsx.content, "t.xlsx")
    else:  # the catalogue resource reads its own template's headers
        import tablib

        from departments.resources import DepartmentResource
        from indicators import resources

        resource_class = {
            "departments": DepartmentResource,
            "indicators": resources.IndicatorResource,
            "targets": resources.TargetResource,
            "responsibilities": resources.ResponsibilityResource,
        }[resource]
        expected = [f.column_name for f in resource_class().fields.values()]
        assert headers == expected
        result = resource_class().import_data(tablib.Dataset(headers=headers))
        assert not result.has_errors() and not result.has_validation_errors()
        # The admin reads the file itself the same way, and asks for rows.
        from qualityhub.resources import CatalogueFile
        from qualityhub.spreadsheets import SpreadsheetError

        with pytest.raises(SpreadsheetError, match="只有表头"):
            CatalogueFile().create_dataset(xlsx.content)


def test_an_unknown_template_is_not_found(people, login):
    client = login(people.office)
    assert (
        client.get(reverse("reports:import_template", args=["secrets", "csv"])).status_code == 404
    )
    assert client.get(reverse("reports:import_template", args=["values", "pdf"])).status_code == 404


def test_the_page_offers_templates_and_admins_the_catalogue_screens(people, login):
    office_page = login(people.office).get(reverse("reports:imports")).content.decode()
    assert reverse("reports:import_template", args=["targets", "xlsx"]) in office_page
    assert reverse("admin:indicators_target_import") not in office_page
    admin_page = login(people.admin).get(reverse("reports:imports")).content.decode()
    assert reverse("admin:indicators_target_import") in admin_page


# --- Bad input is never a 500 -------------------------------------------------------------------


def _upload_bytes(client, data: bytes, name: str, **extra):
    return client.post(
        reverse("reports:imports"), {"file": SimpleUploadedFile(name, data), **extra}, follow=True
    )


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_uploaded_on_the_page_gets_its_message_and_writes_nothing(
    people, login, case
):
    data, message = HOSTILE_FILES[case]
    client = login(people.office)
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())
    response = _upload_bytes(client, data, "hostile.dat")
    assert response.status_code == 200
    assert message in response.content.decode()
    job = ImportJob.objects.get()
    assert job.status in ("failed", "previewed") and not job.background
    client.post(reverse("reports:import_job", args=[job.pk]))  # confirming changes nothing
    job.refresh_from_db()
    assert job.status in ("failed", "previewed")
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before


def test_a_sparse_xlsx_is_refused_on_the_page_at_once(people, login):
    client = login(people.office)
    started = time.monotonic()
    page = _upload_bytes(client, sparse_xlsx(), "稀疏.xlsx").content.decode()
    assert time.monotonic() - started < 2
    assert "该 Excel 工作表的范围过大（1048576 行 × 16384 列）" in page
    job = ImportJob.objects.get()
    assert job.status == "failed" and "范围过大" in job.message
    assert 'value="retry"' in page and 'value="discard"' in page


@pytest.mark.parametrize(
    "department", ["abc", "1.5", "-1", "99999999999999999999", "1 OR 1=1", "<b>1</b>"]
)
def test_a_department_that_is_not_an_id_is_refused_on_the_form(people, login, department):
    client = login(people.office)
    response = _upload_bytes(client, GOOD.encode(), "x.csv", department=department)
    assert response.status_code == 200
    assert "所选部门不存在，请重新选择。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_department_that_no_longer_exists_is_refused_on_the_form(people, login):
    from departments.models import Department

    merged = Department.objects.exclude(status="current").first()
    assert merged is not None, "the catalogue holds historical departments"
    client = login(people.office)
    page = _upload_bytes(client, GOOD.encode(), "x.csv", department=merged.pk).content.decode()
    assert "所选部门不存在" in page and not ImportJob.objects.exists()


# --- A job that fails ends as failed, with a way on ----------------------------------------------

UNEXPECTED = "处理文件时发生意外错误，未导入任何数据。"


def _explode(*args, **kwargs):
    raise RuntimeError("a bug, not the file")


def test_an_unexpected_error_in_the_check_fails_the_job_and_retry_checks_again(
    people, login, monkeypatch
):
    client = login(people.office)
    with monkeypatch.context() as patch:
        patch.setattr(services, "parse_values_file", _explode)
        response = _upload_bytes(client, GOOD.encode("gbk"), "values.csv")
    assert response.status_code == 200
    page = response.content.decode()
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.message.startswith(UNEXPECTED)
    assert UNEXPECTED in page and 'value="retry"' in page and 'value="discard"' in page
    assert "确认导入" not in page

    page = client.post(
        reverse("reports:import_job", args=[job.pk]), {"action": "retry"}, follow=True
    ).content.decode()
    job.refresh_from_db()
    assert job.status == "previewed" and job.message == "" and "确认导入" in page
    client.post(reverse("reports:import_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done"
    assert ReportedValue.objects.filter(period="2024Q3", source="import").count() == 1


def test_a_database_error_in_the_check_still_records_the_failure(people, login, monkeypatch):
    """The check runs in a savepoint: a failed query there does not spoil the failure's write."""
    from django.db import connection

    def broken_query(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")

    monkeypatch.setattr(services, "parse_values_file", broken_query)
    response = _upload_bytes(login(people.office), GOOD.encode("gbk"), "values.csv")
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.message.startswith(UNEXPECTED)


def test_an_unexpected_error_in_the_write_fails_the_job_and_writes_nothing(
    people, login, monkeypatch
):
    import reports.exchange.writing as writing

    client = login(people.office)
    _upload_bytes(client, GOOD.encode("gbk"), "values.csv")
    job = ImportJob.objects.get()
    assert job.status == "previewed"
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())

    def fail_midway(done):
        raise RuntimeError("the worker's disk is full")

    with monkeypatch.context() as patch:
        original = writing.reported_values_import

        def write_then_fail(rows, **kwargs):
            return original(rows, **{**kwargs, "on_progress": fail_midway})

        patch.setattr(services, "reported_values_import", write_then_fail)
        response = client.post(reverse("reports:import_job", args=[job.pk]), follow=True)
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == "failed" and job.message.startswith(UNEXPECTED)
    assert UNEXPECTED in response.content.decode()
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before

    # Retry checks the file again; then it imports.
    client.post(reverse("reports:import_job", args=[job.pk]), {"action": "retry"})
    job.refresh_from_db()
    assert job.status == "previewed"
    client.post(reverse("reports:import_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.counts["new"] == 1


def test_discarding_a_failed_job_removes_its_file_and_nothing_is_imported(people, login):
    from pathlib import Path

    client = login(people.office)
    _upload_bytes(client, sparse_xlsx(), "稀疏.xlsx")
    job = ImportJob.objects.get()
    path = Path(job.file.path)
    assert job.status == "failed" and path.exists()
    page = client.post(
        reverse("reports:import_job", args=[job.pk]), {"action": "discard"}, follow=True
    ).content.decode()
    job.refresh_from_db()
    assert job.status == "discarded" and not path.exists()
    assert "已放弃该导入，文件已删除。" in page and "该导入已放弃，未写入任何数据。" in page
    assert 'value="retry"' not in page
    # a discarded job cannot be retried or confirmed
    client.post(reverse("reports:import_job", args=[job.pk]), {"action": "retry"})
    client.post(reverse("reports:import_job", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "discarded"


def test_a_finished_import_cannot_be_discarded(people, login):
    client = login(people.office)
    _upload_bytes(client, GOOD.encode("gbk"), "values.csv")
    job = ImportJob.objects.get()
    client.post(reverse("reports:import_job", args=[job.pk]))
    page = client.post(
        reverse("reports:import_job", args=[job.pk]), {"action": "discard"}, follow=True
    ).content.decode()
    job.refresh_from_db()
    assert job.status == "done" and "不能放弃" in page


def test_the_history_names_whoever_confirmed_the_import(people, login):
    _upload(login(people.office), GOOD)
    job = ImportJob.objects.get()
    login(people.admin).post(reverse("reports:import_job", args=[job.pk]))
    value = ReportedValue.objects.get(period="2024Q3", indicator__code="MFG_PRODUCT_PASS_RATE")
    assert value.changes.get().changed_by == people.admin
    job.refresh_from_db()
    assert (job.created_by, job.confirmed_by) == (people.office, people.admin)


def test_a_job_left_checking_by_a_process_that_died_is_ended_by_the_sweep(people, login, settings):
    import datetime as dt

    from django.utils import timezone

    from reports.exchange.services import import_jobs_sweep

    client = login(people.office)
    _upload(client, GOOD)
    job = ImportJob.objects.get()
    # As if the web process had died mid-check an hour ago.
    ImportJob.objects.filter(pk=job.pk).update(
        status="checking", stage_started_at=timezone.now() - dt.timedelta(hours=1)
    )
    settings.IMPORT_STALE_MINUTES = 40
    assert import_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "超过 40 分钟仍未完成" in job.message
    assert import_jobs_sweep() == 0  # a failed job is left alone
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    assert "重新检查" in page and "放弃该导入" in page
    # A job still within its time is not touched.
    _upload(client, GOOD, name="fresh.csv")
    fresh = ImportJob.objects.get(filename="fresh.csv")
    ImportJob.objects.filter(pk=fresh.pk).update(status="importing")
    assert import_jobs_sweep() == 0
    assert ImportJob.objects.get(pk=fresh.pk).status == "importing"


# A wide return whose value columns are headed in a way QualityHub does not know, and a
# department it cannot name with certainty.
UNKNOWN_VALUE_HEADER = "指标名称,部门,期间,报送数\n制造业产品质量合格率,市场监管局,2024Q3,93.71\n"


def test_the_office_maps_a_column_and_the_next_file_of_the_department_reads_it(people, login):
    from departments.models import Department
    from reports.models import ImportColumnMapping

    client = login(people.office)
    amr = Department.objects.get(code="AMR")
    page = _upload_bytes(
        client, UNKNOWN_VALUE_HEADER.encode(), "市场监管局.csv", department=amr.pk
    ).content.decode()
    assert 'id="mapping"' in page and "报送数" in page
    job = ImportJob.objects.get()
    assert job.counts["new"] == 0
    client.post(
        reverse("reports:import_job", args=[job.pk]),
        {"action": "map", "header": ["报送数"], "field": ["value"], "remember": "on"},
    )
    job.refresh_from_db()
    assert job.counts["new"] == 1 and job.status == "previewed"
    assert ImportColumnMapping.objects.get().department == amr
    # The department's next file: read with the remembered mapping, nothing to map.
    _upload_bytes(client, UNKNOWN_VALUE_HEADER.encode(), "三季度.csv", department=amr.pk)
    assert ImportJob.objects.latest("pk").counts["new"] == 1


def test_a_department_user_cannot_map_columns_or_confirm_names(people, login):
    client = login(people.office)
    _upload(client, UNKNOWN_VALUE_HEADER)
    job = ImportJob.objects.get()
    staff = login(people.owner)
    for data in (
        {"action": "map", "header": ["报送数"], "field": ["value"], "remember": "on"},
        {"action": "name", "kind": "department", "text": "市监", "target": 1},
    ):
        response = staff.post(reverse("reports:import_job", args=[job.pk]), data)
        assert response.status_code in (403, 404)
    from reports.models import ImportColumnMapping

    assert not ImportColumnMapping.objects.exists()


def test_confirming_a_name_remembers_it_and_a_name_of_another_row_is_refused(people, login):
    from departments.models import Department, DepartmentAlias

    client = login(people.office)
    text = "指标,部门,期间,数值\nMFG_PRODUCT_PASS_RATE,市场监督局办公室,2024Q3,93.71\n"
    page = _upload(client, text).content.decode()
    assert 'id="unmatched"' in page
    job = ImportJob.objects.get()
    amr = Department.objects.get(code="AMR")
    url = reverse("reports:import_job", args=[job.pk])
    confirm = {"action": "name", "kind": "department", "text": "市场监督局办公室", "target": amr.pk}
    client.post(url, confirm)
    assert DepartmentAlias.objects.filter(name="市场监督局办公室", department=amr).exists()
    job.refresh_from_db()
    assert job.counts["new"] == 1 and job.counts["errors"] == 0
    # A name that is already another department's is refused with the service's reason.
    other = Department.objects.current().exclude(pk=amr.pk).first()
    page = client.post(
        url,
        {"action": "name", "kind": "department", "text": str(amr.name_zh), "target": other.pk},
        follow=True,
    ).content.decode()
    assert '<li class="error">' in page and "市场监管局" in page.split('class="messages"')[1]
    assert not DepartmentAlias.objects.filter(name=amr.name_zh, department=other).exists()
