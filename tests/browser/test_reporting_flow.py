"""A quarter's reporting in a real browser: enter, fix a mistake, submit, return, resubmit,
approve, and the value is then locked."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import Indicator
from reports.choices import ValueState
from reports.models import ReportedValue
from tests.factories import UserFactory, reporting_period

QUARTER = "2026Q3"
PASSWORD = "pw-for-tests"


@pytest.fixture
def accounts(reload_catalog):
    alice = UserFactory(username="alice")
    membership_set(user=alice, role=Role.REPORTER, department=Department.objects.get(code="AGRI"))
    olivia = UserFactory(username="olivia")
    membership_set(user=olivia, role=Role.OFFICE)
    reporting_period(QUARTER, deadline=dt.date(2099, 1, 15), office=olivia)
    return alice, olivia


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def log_out(page):
    page.click("text=退出")
    expect(page.locator("h1")).to_have_text("登录")


@pytest.mark.django_db(transaction=True)
def test_reporter_and_office_take_a_value_from_draft_to_locked(
    accounts, live_server, page, artifacts
):
    rate = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    brands = Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS")
    rate_input = f"input[name=value_{rate.pk}]"
    brands_input = f"input[name=value_{brands.pk}]"

    # The reporter lands on the quarter's form and makes a typing mistake.
    log_in(page, live_server, "alice")
    expect(page.locator("h1")).to_contain_text("2026年第三季度")
    page.fill(rate_input, "abc")
    page.fill(brands_input, "12")
    page.fill(f"textarea[name=note_{brands.pk}]", "新认定2个区域公用品牌")
    page.click("button[value=save]")
    row = page.locator("#row-AGRI_PRODUCT_SAFETY_PASS_RATE")
    expect(row.locator(".errorlist")).to_contain_text("“abc”不是数字")
    expect(page.locator(rate_input)).to_have_value("abc")
    expect(page.locator(brands_input)).to_have_value("12")
    expect(page.locator(f"textarea[name=note_{brands.pk}]")).to_have_value("新认定2个区域公用品牌")
    page.screenshot(path=artifacts / "reporting-1-error.png", full_page=True)

    # Corrects it, saves, submits.
    page.fill(rate_input, "９８．２％")
    page.click("button[value=save]")
    expect(page.locator(".messages")).to_contain_text("已保存草稿")
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("已提交 2 项")
    expect(page.locator(rate_input)).to_have_count(0)
    log_out(page)

    # The office returns the rate with a comment.
    log_in(page, live_server, "olivia")
    expect(page.locator("h1")).to_contain_text("全区总览")  # the office lands on the overview
    page.click("header nav >> text=待审核")
    expect(page.locator("h1")).to_contain_text("待审核")
    expect(page.locator("#inbox-values tbody tr")).to_have_count(2)
    page.locator(
        "#inbox-values tr[data-indicator=AGRI_PRODUCT_SAFETY_PASS_RATE] >> text=审核"
    ).click()
    expect(page.locator("#current-value")).to_contain_text("98.2")
    page.fill("#id_comment", "请核实：与上季度抽检批次口径是否一致")
    page.click("button[value=return]")
    expect(page.locator(".messages")).to_contain_text("已退回")
    log_out(page)

    # The reporter sees the comment, corrects and resubmits.
    log_in(page, live_server, "alice")
    expect(row.locator(".comment")).to_contain_text("请核实：与上季度抽检批次口径是否一致")
    page.fill(rate_input, "98.4")
    page.fill(f"textarea[name=note_{rate.pk}]", "已按统一口径重新核算")
    page.click("button[value=submit]")
    expect(page.locator(".messages")).to_contain_text("已提交 1 项")
    log_out(page)

    # The office approves both at once.
    log_in(page, live_server, "olivia")
    page.click("header nav >> text=待审核")
    page.locator("#inbox-values thead input[type=checkbox]").check()
    page.click("text=批量审核通过所选")
    expect(page.locator(".messages")).to_contain_text("已审核通过 2 项")
    log_out(page)

    # The value is locked: no field, approved state.
    log_in(page, live_server, "alice")
    expect(page.locator(rate_input)).to_have_count(0)
    expect(row.locator(".state")).to_have_text("已审核通过")
    page.screenshot(path=artifacts / "reporting-2-approved.png", full_page=True)

    value = ReportedValue.objects.get(indicator=rate, period=QUARTER)
    assert value.state == ValueState.APPROVED and str(value.value.normalize()) == "98.4"
    actions = list(value.changes.values_list("action", flat=True))
    assert actions == ["create", "submit", "return", "update", "submit", "approve"]
