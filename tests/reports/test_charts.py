"""The indicator chart on a time axis: dates at period ends, gaps kept, targets to their year,
the projection inside the valid range, one legend entry per thing."""

import datetime as dt

import pytest
from django.utils import translation

from reports.dashboards import charts


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def point(period, value, *, demo=False, state="已审核通过", source="网页填报"):
    return {"period": period, "value": value, "is_demo": demo, "state": state, "source": source}


#: Annual 2019–2021, the quarters of 2022, three missing years, then 2026Q1–Q3.
POINTS = [
    point("2019", 80.0),
    point("2020", 82.0),
    point("2021", 84.0),
    point("2022Q1", 85.0),
    point("2022Q2", 85.5),
    point("2022Q3", 86.0),
    point("2022Q4", 86.4),
    point("2026Q1", 90.0),
    point("2026Q2", 92.0),
    point("2026Q3", 94.0),
]
TARGETS = [
    {"year": 2025, "value": 90.0, "comparator": "≥", "label": "≥ 90（2025年）", "documents": ["A"]},
    {"year": 2030, "value": 99.0, "comparator": "≥", "label": "≥ 99（2030年）", "documents": ["B"]},
]
#: What the engine stores for 2026Q3: 94 compounding at the observed rate to the end of 2030.
PROJECTION = {"from_period": "2026Q3", "from_value": 94.0, "year": 2030, "value": 136.2}


def figure(points=POINTS, targets=TARGETS, projection=PROJECTION, valid_range=(0.0, 100.0)):
    return charts.indicator_series(
        name="测试合格率",
        unit="%",
        points=points,
        targets=targets,
        projection=projection,
        valid_range=valid_range,
    ).to_plotly_json()


def traces(fig, name):
    return [t for t in fig["data"] if t.get("name") == name]


def test_points_sit_at_period_end_dates_on_a_date_axis():
    fig = figure()
    assert fig["layout"]["xaxis"]["type"] == "date"
    quarterly = traces(fig, "实际值")[0]
    annual = traces(fig, "实际值（年度）")[0]
    assert list(annual["x"]) == ["2019-12-31", "2020-12-31", "2021-12-31"]
    dates = [x for x in quarterly["x"] if x is not None]
    assert dates[:4] == ["2022-03-31", "2022-06-30", "2022-09-30", "2022-12-31"]
    assert dates[-3:] == ["2026-03-31", "2026-06-30", "2026-09-30"]
    assert charts.period_end_date("2024Q3") == "2024-09-30"
    assert charts.period_end_date("2024S1") == "2024-06-30"


def test_an_annual_value_sits_at_year_end_not_before_the_first_quarter():
    fig = figure(points=[point("2023Q1", 1.0), point("2023Q4", 2.0), point("2023", 3.0)])
    quarterly = [x for x in traces(fig, "实际值")[0]["x"] if x]
    annual = traces(fig, "实际值（年度）")[0]["x"]
    assert annual[0] == "2023-12-31"
    assert annual[0] >= max(quarterly) > min(quarterly)
    # the quarterly trace comes first: quarter, then the year ending on the same day
    names = [t["name"] for t in fig["data"]]
    assert names.index("实际值") < names.index("实际值（年度）")


def test_missing_quarters_break_the_line():
    quarterly = traces(figure(), "实际值")[0]
    assert quarterly["connectgaps"] is False
    ys = list(quarterly["y"])
    gap = ys.index(None)
    assert ys[gap - 1] == 86.4 and ys[gap + 1] == 90.0 and ys.count(None) == 1
    assert quarterly["x"][gap] == "2023-03-31"  # the first missing quarter
    # consecutive quarters and consecutive years are joined
    assert None not in traces(figure(), "实际值（年度）")[0]["y"]


def test_a_missing_year_breaks_the_annual_line():
    fig = figure(points=[point("2019", 1.0), point("2020", 2.0), point("2023", 3.0)])
    # with no quarters, the annual values are the main line
    assert list(traces(fig, "实际值")[0]["y"]) == [1.0, 2.0, None, 3.0]


def test_each_target_line_runs_to_the_end_of_its_year():
    fig = figure()
    first = traces(fig, "目标 ≥ 90（2025年）")[0]
    second = traces(fig, "目标 ≥ 99（2030年）")[0]
    assert list(first["x"]) == ["2019-12-31", "2025-12-31"]
    assert list(first["y"]) == [90.0, 90.0]
    # the 2030 target takes over where the 2025 target ended
    assert list(second["x"]) == ["2025-12-31", "2030-12-31"]
    assert "2030年目标：≥ 99%" in second["customdata"][0][0]


def test_the_projection_is_capped_at_the_valid_range_and_ends_with_the_target_year():
    fig = figure()
    projection = traces(fig, "按趋势预测")[0]
    ys = list(projection["y"])
    assert max(ys) <= 100.0
    assert ys[0] == 94.0 and ys[-1] == 100.0  # it reaches the cap and stays there
    assert projection["x"][0] == "2026-09-30"
    assert projection["x"][-1] == "2030-12-31"
    assert "封顶" in projection["customdata"][-1][1]
    assert "136.2%" in fig["layout"]["annotations"][0]["text"]
    # the uncapped part follows the compounding trend the engine projected
    rate = (136.2 / 94.0) ** (1 / 4.25)
    assert ys[1] == pytest.approx(94.0 * rate**0.25)


def test_a_projection_below_the_floor_is_capped_at_the_floor():
    projection = {"from_period": "2026", "from_value": 5.0, "year": 2028, "value": -3.0}
    path = charts.projection_path(projection, (0.0, 100.0))
    assert min(value for _d, value, _c, _l in path) == 0.0
    assert path[-1][0] == "2028-12-31" and path[-1][2] is True


def test_a_projection_inside_the_range_is_not_annotated():
    fig = figure(projection={**PROJECTION, "value": 98.0})
    assert not fig["layout"].get("annotations")
    assert max(traces(fig, "按趋势预测")[0]["y"]) == pytest.approx(98.0)


def test_a_projection_for_a_target_year_already_over_is_not_drawn():
    fig = figure(projection={"from_period": "2026Q3", "from_value": 94.0, "year": 2025, "value": 1})
    assert not traces(fig, "按趋势预测")


def test_legend_names_are_unique_and_one_target_set_twice_is_one_entry():
    twice = [
        {"year": 2025, "value": 96.5, "comparator": "≥", "label": "≥ 96.5（2025年）",
         "documents": ["纲要"]},
        {"year": 2025, "value": 96.5, "comparator": "≥", "label": "≥ 96.5（2025年）",
         "documents": ["行动方案"]},
    ]  # fmt: skip
    points = [*POINTS, point("2026Q4", 95.0, demo=True), point("2027", 96.0, demo=True)]
    fig = figure(points=points, targets=twice)
    shown = [t["name"] for t in fig["data"] if t.get("showlegend") is not False]
    assert len(shown) == len(set(shown))
    assert shown.count("演示数据（非真实）") == 1
    assert len(traces(fig, "演示数据（非真实）")) == 2  # quarterly and annual, one entry
    (target,) = traces(fig, "目标 ≥ 96.5（2025年）")
    assert "纲要；行动方案" in target["customdata"][0][0]


def test_hover_gives_value_unit_period_state_and_source():
    fig = figure(points=[point("2024Q3", 94.2, state="已审核通过", source="批量导入")])
    (trace,) = traces(fig, "实际值")
    assert list(trace["customdata"][0]) == ["2024年第三季度", "94.2%", "已审核通过", "批量导入"]
    for word in ("数值", "状态", "来源", "%{customdata[0]}"):
        assert word in trace["hovertemplate"]


def test_dates_are_real_calendar_dates():
    for trace in figure()["data"]:
        for x in trace["x"]:
            if x is not None:
                dt.date.fromisoformat(x)


def test_the_scorecard_sparkline_spaces_points_by_time_and_breaks_at_missing_quarters():
    import re

    from reports.scorecards.render import sparkline_svg

    svg = sparkline_svg(
        [("2022Q3", 1.0), ("2022Q4", 2.0), ("2025Q3", 3.0), ("2025Q4", 4.0)], None, width=146
    )
    lines = re.findall(r'<polyline[^>]*points="([^"]+)"', svg)
    assert len(lines) == 2  # two runs, no line across the three missing years
    xs = [float(pair.split(",")[0]) for line in lines for pair in line.split()]
    # 140 px for 3.25 years: one quarter is 140 / 13 px; 2022Q4 to 2025Q3 is 11 quarters
    assert xs[1] - xs[0] == pytest.approx(140 / 13, abs=0.1)
    assert xs[2] - xs[1] == pytest.approx(11 * 140 / 13, abs=0.1)


@pytest.mark.django_db
def test_the_indicator_chart_hover_names_the_state_and_source_of_each_point(catalog):
    import json

    from departments.models import Department
    from indicators.models import Indicator
    from reports.dashboards.selectors import _indicator_chart, indicator_detail
    from reports.gaps.services import gaps_compute
    from tests.factories import reported_value

    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for period, value in (("2024Q3", "94.2"), ("2024Q4", "94.4")):
        reported_value(indicator=mfg, department=amr, period=period, value=value, state="approved")
    reported_value(indicator=mfg, department=amr, period="2025Q1", value="95", state="submitted")
    gaps_compute()
    targets = indicator_detail(mfg)["targets"]

    def hover(department):
        chart = _indicator_chart(mfg, department=department, targets=targets)
        data = json.loads(chart["figure"])["series"]["data"]
        (trace,) = [t for t in data if t["name"] == "实际值"]
        return {row[0]: row[1:] for row in trace["customdata"] if row[0]}

    own = hover(amr)
    assert own["2024年第四季度"] == ["94.4%", "已审核通过", "网页填报"]
    assert "2025年第一季度" not in own  # submitted, not yet counted
    region = hover(None)
    value, state, source = region["2024年第三季度"]
    assert (value, state) == ("94.2%", "已审核通过")
    assert source.startswith("全区汇总（") and f"{amr}（网页填报）" in source


def test_the_axis_starts_with_the_whole_year_of_the_first_point():
    fig = figure(points=[point("2023", 93.7), point("2024Q2", 93.9)], projection=None)
    # to the 2030 target, a little beyond its year end so its star is not cut
    assert fig["layout"]["xaxis"]["range"] == ["2023-01-01", "2031-02-14"]
