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
        assert not resource_class().import_data(tablib.Dataset(headers=headers)).has_errors()


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
