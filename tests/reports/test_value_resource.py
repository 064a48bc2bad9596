"""Reported values in the admin's import and export screens (django-import-export)."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from reports.exchange.resources import ReportedValueResource
from reports.models import ReportedValue, ReportedValueChange

from .test_imports import GOOD_ROWS, HOSTILE_FILES, _csv, _xlsx

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:reports_reportedvalue_import")
PROCESS_URL = reverse("admin:reports_reportedvalue_process_import")


def _upload(client, data: bytes, name: str):
    """The admin offers one format: the file's type is found from its content."""
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, data), "format": 0})


def _confirm(client, page: str):
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', page))
    return client.post(
        PROCESS_URL,
        {
            k: fields[k]
            for k in ("import_file_name", "original_file_name", "format", "resource")
            if k in fields
        },
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [(_csv(GOOD_ROWS, "gbk"), "三季度.csv"), (_xlsx(GOOD_ROWS), "三季度.xlsx")],
    ids=["gbk-csv", "xlsx"],
)
def test_the_admin_previews_then_imports_through_the_same_checks_and_history(
    people, client, data, name
):
    client.force_login(people.admin)
    preview = _upload(client, data, name)
    page = preview.content.decode()
    assert preview.status_code == 200 and "MFG_PRODUCT_PASS_RATE" in page
    assert not ReportedValue.objects.filter(source="import").exists()  # a dry run
    done = _confirm(client, page)
    assert done.status_code == 302
    value = ReportedValue.objects.get(indicator__code="MFG_PRODUCT_PASS_RATE", period="2024Q3")
    change = value.changes.get()
    assert (value.source, change.via, change.changed_by) == ("import", "import", people.admin)
    # A workbook's history names its sheet too; a csv is one table.
    where = " 工作表“Sheet”" if name.endswith("xlsx") else " "
    assert change.comment == f"导入文件：{name}{where}第 2 行"


def test_a_bad_row_is_shown_in_chinese_with_its_row_and_nothing_is_written(people, client):
    client.force_login(people.admin)
    rows = [*GOOD_ROWS, ["MFG_PRODUCT_PASS_RATE", "AMR", "2024Q4", "120", ""]]
    page = _upload(client, _csv(rows), "bad.csv").content.decode()
    assert "超出指标" in page and "<td>5 </td>" in page
    assert 'name="import_file_name"' not in page  # no confirmation offered
    assert not ReportedValue.objects.filter(source="import").exists()


def test_an_unreadable_file_gets_the_importers_own_message(people, client):
    client.force_login(people.admin)
    page = _upload(client, b"\x89PNG\r\n\x1a\n\x00\x00", "x.csv").content.decode()
    assert "无法识别的文件类型" in page


def test_staff_without_the_office_role_may_not_import_values(people, client):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="reportedvalue"))
    client.force_login(staff)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"format": 0}).status_code == 403
    assert ReportedValueChange.objects.filter(via="import").count() == 0


def test_the_export_has_chinese_headers_numbers_and_neutralised_text(people):
    from departments.models import Department
    from indicators.models import Indicator

    ReportedValue.objects.create(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        department=Department.objects.get(code="AMR"),
        period="2024Q3",
        value="93.71",
        note="=HYPERLINK(1)",
        state="approved",
    )
    dataset = ReportedValueResource().export()
    assert dataset.headers == [
        "指标代码",
        "指标名称",
        "部门代码",
        "部门名称",
        "期间",
        "数值",
        "计量单位",
        "说明",
    ]
    row = next(r for r in dataset.dict if r["期间"] == "2024Q3")
    assert row["说明"] == "'=HYPERLINK(1)" and float(row["数值"]) == 93.71
    sheet = load_workbook(io.BytesIO(dataset.export("xlsx"))).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["指标代码", "指标名称"]


def test_a_file_of_blank_lines_is_called_empty(people, client):
    client.force_login(people.admin)
    assert "文件是空的" in _upload(client, b"\r\n\r\n", "blank.csv").content.decode()


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_in_the_admins_import_gets_its_message_and_writes_nothing(
    people, client, case
):
    data, message = HOSTILE_FILES[case]
    client.force_login(people.admin)
    before = (ReportedValue.objects.count(), ReportedValueChange.objects.count())
    response = _upload(client, data, "hostile.dat")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'name="import_file_name"' not in page  # no confirmation offered
    assert (ReportedValue.objects.count(), ReportedValueChange.objects.count()) == before


def test_a_write_refused_at_the_confirmation_is_a_message_not_a_server_error(
    people, client, monkeypatch
):
    import reports.exchange.services as services
    from reports.exchange.parsing import ImportFileError

    client.force_login(people.admin)
    page = _upload(client, _csv(GOOD_ROWS), "v.csv").content.decode()

    def timed_out(*args, **kwargs):
        raise ImportFileError("写入超时（可能有另一个导入正在进行），未导入任何数据，请稍后重试。")

    monkeypatch.setattr(services, "reported_values_import", timed_out)
    response = _confirm(client, page)
    assert response.status_code == 302 and response["Location"] == IMPORT_URL
    shown = client.get(IMPORT_URL).content.decode()
    assert "写入超时" in shown
    assert not ReportedValue.objects.filter(source="import").exists()
