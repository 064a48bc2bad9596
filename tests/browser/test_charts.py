"""An indicator chart as the office sees it: quarterly and annual values on one time axis, a
three-year gap, two target years and a projection held inside the valid range."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import ReportingAssignment
from reports.gaps.services import gaps_compute
from reports.models import GapResult
from tests.factories import (
    DocumentFactory,
    IndicatorFactory,
    TargetFactory,
    UserFactory,
    reported_value,
)

ANNUAL = {"2016": "66", "2017": "68", "2018": "70", "2023": "91"}
#: 2019's quarters, then nothing for 2020–2022, then 2023–2024.
QUARTERLY = {
    "2019Q1": "71",
    "2019Q2": "72",
    "2019Q3": "72.5",
    "2019Q4": "73",
    "2023Q1": "88",
    "2023Q2": "90",
    "2023Q3": "92",
    "2023Q4": "93",
    "2024Q1": "94",
    "2024Q2": "95",
    "2024Q3": "96",
    "2024Q4": "97",
}


@pytest.fixture
def pass_rate(reload_catalog):
    """A pass rate (0–100 %) of 市场监管局 with targets for 2025 and 2030; its trend since the
    2018 baseline (70 → 97) compounds to about 102 % by the end of 2025."""
    indicator = IndicatorFactory(name_zh="抽检合格率（图表测试）", min_value=0, max_value=100)
    TargetFactory(
        indicator=indicator,
        document=DocumentFactory(title_zh="图表测试规划（2019）", issued_year=2019),
        year=2025,
        value=99,
    )
    TargetFactory(
        indicator=indicator,
        document=DocumentFactory(title_zh="图表测试规划（2024）", issued_year=2024),
        year=2030,
        value="99.5",
    )
    amr = Department.objects.get(code="AMR")
    ReportingAssignment.objects.create(
        indicator=indicator, department=amr, role="responsible", basis="图表测试"
    )
    for period, value in ANNUAL.items():  # entered by the office from published figures
        reported_value(
            indicator=indicator, department=amr, period=period, value=value, state="entered"
        )
    for period, value in QUARTERLY.items():
        # The climb after the three-year gap lies outside the expected range: it is explained.
        reported_value(
            indicator=indicator,
            department=amr,
            period=period,
            value=value,
            state="approved",
            note="2023年起按新口径统计",
        )
    gaps_compute()
    latest = GapResult.objects.get(indicator=indicator, department=amr, period="2024Q4")
    assert latest.projection is not None and latest.projection > 100  # what the chart must cap
    return indicator


TRACES = """() => document.getElementById('chart-series').data.map(t => ({
    name: t.name, x: t.x, y: t.y, showlegend: t.showlegend}))"""


@pytest.mark.django_db(transaction=True)
def test_the_indicator_chart_is_on_a_time_axis_with_gaps_targets_and_a_capped_projection(
    pass_rate, live_server, page, artifacts
):
    olivia = UserFactory(username="olivia")
    membership_set(user=olivia, role=Role.OFFICE)
    page.set_default_timeout(60_000)  # the page loads plotly.js (4 MB) from the test server
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "olivia")
    page.fill("#id_password", "pw-for-tests")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("全区总览")
    page.goto(
        live_server.url + reverse("reports:indicator", args=[pass_rate.code]) + "?department=AMR"
    )
    chart = page.locator("#chart-series")
    expect(chart.locator(".main-svg").first).to_be_visible()
    page.wait_for_function("document.getElementById('chart-series')._fullLayout !== undefined")
    page.screenshot(path=artifacts / "chart-1-indicator-page.png", full_page=True)
    chart.screenshot(path=artifacts / "chart-2-time-axis.png")

    traces = {t["name"]: t for t in page.evaluate(TRACES)}
    quarterly, annual = traces["实际值"], traces["实际值（年度）"]
    # 2019–2022 missing: the line breaks (no value at the first missing year's end)
    assert annual["x"] == ["2016-12-31", "2017-12-31", "2018-12-31", "2019-12-31", "2023-12-31"]
    assert annual["y"] == [66, 68, 70, None, 91]
    # one break in the quarters, at the first missing one
    assert quarterly["y"].count(None) == 1
    assert quarterly["x"][quarterly["y"].index(None)] == "2020-03-31"
    assert traces["目标 ≥ 99（2025年）"]["x"] == ["2016-12-31", "2025-12-31"]
    assert traces["目标 ≥ 99.5（2030年）"]["x"] == ["2025-12-31", "2030-12-31"]
    projection = traces["按趋势预测"]
    assert projection["x"][0] == "2024-12-31" and projection["x"][-1] == "2025-12-31"
    assert max(projection["y"]) == 100

    legend = chart.locator(".legendtext").all_text_contents()
    assert len(legend) == len(set(legend)) == 5, legend
    expect(chart.locator(".annotation-text")).to_contain_text("102.42%，超出有效范围，封顶于 100%")
    # The x axis is dates: 2016 and 2030 are both labelled, years apart.
    ticks = chart.locator(".xtick text").all_text_contents()
    assert "2016" in ticks and "2030" in ticks

    # Hover on 2024Q3 (the last but one quarterly point): value with unit, period, state, source.
    point = chart.locator(".scatterlayer .trace").first.locator(".points path").nth(-2)
    box = point.bounding_box()  # plotly's drag layer takes the events: move the mouse there
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    hover = chart.locator(".hoverlayer .hovertext")
    expect(hover).to_contain_text("2024年第三季度")
    expect(hover).to_contain_text("96%")
    expect(hover).to_contain_text("已审核通过")
    expect(hover).to_contain_text("网页填报")
    chart.screenshot(path=artifacts / "chart-3-hover.png")
