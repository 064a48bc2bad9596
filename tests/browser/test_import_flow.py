"""The office imports a messy workbook in a real browser: upload, see the sheets and the
columns found, map the one column QualityHub did not recognise, confirm, and see the values."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from departments.choices import Role
from departments.services import membership_set
from reports.models import ImportColumnMapping, ReportedValue
from tests.factories import UserFactory


def _messy_workbook() -> bytes:
    """An instructions sheet, then a return with a title, who filled it in, a 序号 column, a
    value column headed 季末完成 (not a header QualityHub knows), a 合计 row and a footnote."""
    book = Workbook()
    guide = book.active
    guide.title = "填报说明"
    guide.append(["填报说明"])
    guide.append(["1. 每季度结束后10日内报送；合格率保留两位小数。"])
    data = book.create_sheet("三季度")
    data.append(["2024年第三季度质量强区指标完成情况表"])
    data.merge_cells("A1:E1")
    data.append(["填报单位：自治区市场监督管理局", "", "填报人：张某", "联系电话：0471-1234567"])
    data.append(["序号", "指标名称", "计量单位", "季末完成", "备注"])
    data.append([1, "制造业产品质量合格率（%）", "%", 93.71, "抽检 1000 批次"])
    data.append([2, "消费品质量合格率", "%", 91.2, ""])
    data.append([3, "主席质量奖获奖企业", "家", 13, ""])
    data.append(["", "合计", "", 197.91, ""])
    data.append(["注：数据来源于自治区市场监管局。"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_office_maps_a_column_of_a_messy_workbook_and_imports_it(
    reload_catalog, live_server, page, artifacts, tmp_path
):
    olivia = UserFactory(username="olivia")
    membership_set(user=olivia, role=Role.OFFICE)
    path = tmp_path / "市场监管局三季度.xlsx"
    path.write_bytes(_messy_workbook())

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "olivia")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/reports/imports/")
    expect(page.locator("input[type=file]")).to_have_attribute("accept", ".xlsx,.xls,.csv,.json")
    page.set_input_files("input[type=file]", str(path))
    page.click("text=上传并检查")

    # The preview: the instructions sheet skipped, the data sheet found but one column unknown.
    expect(page.locator("h1")).to_contain_text("市场监管局三季度.xlsx")
    sheets = page.locator(".sheet")
    expect(sheets).to_have_count(2)
    expect(sheets.nth(0)).to_contain_text("说明页")
    expect(sheets.nth(1)).to_contain_text("季末完成")
    expect(sheets.nth(1)).to_contain_text("序号")
    expect(page.locator("#errors")).to_contain_text("没有识别出数值列")
    page.screenshot(path=artifacts / "import-1-unrecognised.png", full_page=True)

    # The office says 季末完成 holds the values, and the file is checked again.
    page.select_option("#mapping select[aria-label=季末完成]", "value")
    page.click("text=按所选对应重新检查")
    expect(page.locator(".messages")).to_contain_text("已按指定的列重新检查")
    data_sheet = page.locator(".sheet").nth(1)
    expect(data_sheet).to_contain_text("长表")
    expect(data_sheet).to_contain_text("按办公室指定")
    expect(data_sheet).to_contain_text("表上方写明的部门：自治区市场监督管理局")
    expect(page.locator("#skipped")).to_contain_text("合计")
    changes = page.locator("#changes")
    expect(changes.locator("tbody tr")).to_have_count(3)
    expect(changes).to_contain_text("93.71 %")
    expect(page.locator("#errors")).to_have_count(0)
    page.screenshot(path=artifacts / "import-2-preview.png", full_page=True)

    # Confirmed, the values are written, and the indicator's page shows them.
    page.click("text=确认导入")
    expect(page.locator(".messages")).to_contain_text("导入完成")
    page.screenshot(path=artifacts / "import-3-done.png", full_page=True)
    value = ReportedValue.objects.get(
        indicator__code="MFG_PRODUCT_PASS_RATE", department__code="AMR", period="2024Q3"
    )
    assert str(value.value.normalize()) == "93.71" and value.note == "抽检 1000 批次"
    assert "工作表“三季度”第 4 行" in value.changes.get().comment
    assert ImportColumnMapping.objects.filter(header="季末完成", field="value").exists()
    page.goto(f"{live_server.url}/reports/indicators/MFG_PRODUCT_PASS_RATE/?department=AMR")
    expect(page.locator("body")).to_contain_text("93.71")
    page.screenshot(path=artifacts / "import-4-indicator.png", full_page=True)
