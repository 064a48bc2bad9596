"""The office opens the overview, filters by document, opens an indicator, sees its chart
with the target line."""

import pytest
from playwright.sync_api import expect

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import Indicator
from reports.gaps.services import gaps_compute
from tests.factories import UserFactory, reported_value


@pytest.mark.django_db(transaction=True)
def test_office_filters_the_overview_and_opens_an_indicator_chart(
    reload_catalog, live_server, page, artifacts
):
    olivia = UserFactory(username="olivia")
    membership_set(user=olivia, role=Role.OFFICE)
    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for period, value in (("2024Q2", "93.9"), ("2024Q3", "94.2"), ("2024Q4", "94.4")):
        reported_value(indicator=mfg, department=amr, period=period, value=value, state="approved")
    gaps_compute()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "olivia")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("全区总览")
    page.fill("input[name=period]", "2024Q4")
    page.select_option("select[name=document]", "outline-2023")
    page.click("#filters button[type=submit]")
    expect(page.locator("#chart-heatmap .main-svg").first).to_be_visible()
    expect(page.locator("select[name=document]")).to_have_value("outline-2023")
    page.screenshot(path=artifacts / "dashboard-1-overview.png", full_page=True)

    page.locator("#behind a", has_text="制造业产品质量合格率").click()
    expect(page.locator("h1")).to_have_text("制造业产品质量合格率")
    page.select_option("select[name=department]", "AMR")
    chart = page.locator("#chart-series")
    expect(chart.locator(".main-svg").first).to_be_visible()
    # The Outline and the Action Plan set the same 2025 target: one line, one legend entry.
    expect(chart.locator(".legendtext", has_text="目标")).to_have_count(1)
    expect(chart.locator(".legendtext", has_text="实际值").first).to_be_visible()
    # The target line is drawn at 96.5: both ends of a horizontal trace share the same y.
    targets = page.evaluate(
        """() => document.getElementById('chart-series').data
              .filter(t => (t.name || '').startsWith('目标')).map(t => t.y)"""
    )
    assert targets and all(ys == [96.5, 96.5] for ys in targets)
    page.screenshot(path=artifacts / "dashboard-2-indicator.png", full_page=True)
