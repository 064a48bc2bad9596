"""The admin's catalogue imports (django-import-export screens), through the catalogue services:
numbers and comparators as people write them, all or nothing, rows named as the file numbers
them, nothing written by a preview, nothing changed by a second import."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats.base_formats import XLSX

from departments.models import Department
from indicators.models import Document, Indicator, Responsibility, Target
from indicators.resources import IndicatorResource
from tests.indicators.conftest import xlsx

pytestmark = pytest.mark.django_db

HEADERS = ("指标", "文件", "目标年份", "比较方式", "目标值", "条款", "原文")
GOOD_ROWS = (
    ("MFG_PRODUCT_PASS_RATE", "plan-2026", 2028, "≥", 96, "一", "制造业产品质量合格率达到96%以上"),
    ("CONSUMER_GOODS_PASS_RATE", "plan-2026", 2028, "以上", 80, "一", "消费品质量合格率不低于80%"),
)


def preview(client, data: bytes, name: str = "targets.xlsx", model: str = "target"):
    """The admin import page after uploading ``data`` (the dry run)."""
    return client.post(
        reverse(f"admin:indicators_{model}_import"),
        {"import_file": SimpleUploadedFile(name, data), "format": "0", "resource": "0"},
    )


def confirm(client, page, model: str = "target"):
    """Press 确认导入 on a preview page."""
    form = page.context.get("confirm_form")
    assert form is not None, page.content.decode()[-3000:]
    return client.post(
        reverse(f"admin:indicators_{model}_process_import"),
        {name: form.initial.get(name, "") for name in form.fields},
        follow=True,
    )


def _targets():
    return {
        t.indicator.code: (t.comparator, t.value, t.quote)
        for t in Target.objects.filter(document__code="plan-2026").select_related("indicator")
    }


def test_an_xlsx_of_whole_number_targets_with_chinese_comparators_imports(plan, admin_client):
    page = preview(admin_client, xlsx(HEADERS, *GOOD_ROWS))
    assert page.status_code == 200
    assert not _targets()  # a preview writes nothing
    done = confirm(admin_client, page)
    assert done.status_code == 200 and "新增2条记录" in done.content.decode()
    assert _targets() == {
        "MFG_PRODUCT_PASS_RATE": (">=", Decimal(96), "制造业产品质量合格率达到96%以上"),
        "CONSUMER_GOODS_PASS_RATE": (">=", Decimal(80), "消费品质量合格率不低于80%"),
    }


def test_importing_the_same_file_twice_changes_nothing(plan, admin_client):
    data = xlsx(HEADERS, *GOOD_ROWS)
    confirm(admin_client, preview(admin_client, data))
    before = list(Target.objects.order_by("pk").values())
    again = confirm(admin_client, preview(admin_client, data)).content.decode()
    assert "新增0条记录，更新0条记录，删除0条记录，忽略2条记录" in again
    assert list(Target.objects.order_by("pk").values()) == before


def test_a_bad_row_refuses_the_whole_file_and_is_named_as_the_file_numbers_it(plan, admin_client):
    bad = (
        "CONSUMER_GOODS_PASS_RATE",
        "plan-2026",
        2028,
        "大约",
        80,
        "一",
        "消费品质量合格率不低于80%",
    )
    # Row 3 is blank: the bad row is row 4 of the file (the header is row 1).
    page = preview(admin_client, xlsx(HEADERS, GOOD_ROWS[0], (), bad))
    html = page.content.decode()
    assert page.status_code == 200 and page.context.get("confirm_form") is None
    assert "第 4 行" in html and "无法识别比较方式“大约”" in html
    assert "CHECK constraint" not in html and "Traceback" not in html
    assert not _targets()


def test_a_target_without_quote_is_refused_and_with_a_reason_accepted(plan, admin_client):
    headers = (*HEADERS, "无原文引用的理由")
    row = ("MFG_PRODUCT_PASS_RATE", "plan-2026", 2028, ">=", "96", "一", "", "")
    html = preview(admin_client, xlsx(headers, row)).content.decode()
    assert "第 2 行" in html and "请填写原文引用" in html
    with_reason = (*row[:-1], "原文为图片，无法摘录")
    confirm(admin_client, preview(admin_client, xlsx(headers, with_reason)))
    target = Target.objects.get(document__code="plan-2026")
    assert (target.quote, target.no_quote_reason) == ("", "原文为图片，无法摘录")


def test_a_misquote_a_percent_on_a_count_and_an_implausible_year_are_each_named(plan, admin_client):
    rows = (
        ("MFG_PRODUCT_PASS_RATE", "plan-2026", 2028, ">=", 96, "一", "合格率达到97%以上"),
        ("REGIONAL_PUBLIC_BRANDS", "plan-2026", 2028, ">=", "50%", "一", "消费品质量合格率"),
        ("CONSUMER_GOODS_PASS_RATE", "plan-2026", 1899, ">=", 80, "一", "消费品质量合格率"),
        ("NO_SUCH_INDICATOR", "plan-2026", 2028, ">=", 1, "一", "消费品质量合格率"),
    )
    html = preview(admin_client, xlsx(HEADERS, *rows)).content.decode()
    assert "第 2 行：在文件“质量强区建设三年行动计划”的原文中找不到这段引用" in html
    assert "第 3 行：该指标的单位是" in html
    assert "第 4 行：“1899”不是有效的年份" in html
    assert "第 5 行：找不到指标“NO_SUCH_INDICATOR”" in html
    assert not _targets()


def test_a_csv_in_gbk_with_english_headers_and_typed_numbers_imports(plan, admin_client):
    text = (
        "indicator,document,year,comparator,value,clause,quote\r\n"
        "制造业产品质量合格率,plan-2026,2028年,不低于,９６,一,制造业产品质量合格率达到96%以上\r\n"
    )
    page = preview(admin_client, text.encode("gbk"), name="targets.csv")
    confirm(admin_client, page)
    assert _targets()["MFG_PRODUCT_PASS_RATE"][:2] == (">=", Decimal(96))


def test_a_file_that_is_not_a_spreadsheet_is_refused_in_chinese(plan, admin_client):
    page = preview(admin_client, b"%PDF-1.4\x00\x00binary", name="targets.pdf")
    html = page.content.decode()
    assert page.status_code == 200 and "无法识别的文件类型" in html
    assert "encountered" not in html


def test_an_unknown_column_is_named_on_the_header_row(plan, admin_client):
    html = preview(admin_client, xlsx((*HEADERS, "备注栏"), GOOD_ROWS[0])).content.decode()
    assert "第 1 行（表头）：无法识别的列“备注栏”" in html
    assert not _targets()


def test_an_indicator_file_exported_as_the_admin_does_imports_back_unchanged(admin_client):
    exported = XLSX().export_data(IndicatorResource().export())
    page = preview(admin_client, exported, name="indicators.xlsx", model="indicator")
    assert page.context.get("confirm_form") is not None
    result = page.context["result"]
    assert result.totals["new"] == 0 and result.totals["update"] == 0
    assert result.totals["skip"] == Indicator.objects.count()


def test_a_responsibility_names_its_department_as_the_document_writes_it(plan, admin_client):
    headers = ("指标", "部门", "原文部门写法", "职责", "文件", "条款", "原文")
    good = (
        "MFG_PRODUCT_PASS_RATE",
        "",
        "市场监管局",
        "牵头",
        "plan-2026",
        "一",
        "制造业产品质量合格率",
    )
    wrong = ("MFG_PRODUCT_PASS_RATE", "AGRI", "市场监管局", "配合", "plan-2026", "一", "制造业")
    html = preview(admin_client, xlsx(headers, good, wrong), model="responsibility")
    assert "第 3 行：“市场监管局”不是部门" in html.content.decode()
    page = preview(admin_client, xlsx(headers, good), model="responsibility")
    confirm(admin_client, page, model="responsibility")
    responsibility = Responsibility.objects.get(document__code="plan-2026")
    assert responsibility.department == Department.objects.get(code="AMR")
    assert responsibility.role == "lead"


def test_a_file_that_no_longer_passes_when_confirmed_writes_nothing_and_says_why(
    plan, admin_client
):
    page = preview(admin_client, xlsx(HEADERS, *GOOD_ROWS))
    # Between the preview and the confirmation, someone changes the plan's text.
    Document.objects.filter(pk=plan.pk).update(source_text="另一份文件的原文")
    done = confirm(admin_client, page).content.decode()
    assert "文件未导入（没有写入任何一行）" in done and "第 2 行：" in done
    assert not _targets()
