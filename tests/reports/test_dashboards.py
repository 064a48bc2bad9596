"""The office's overview, indicator pages and department pages, and demo data."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator
from reports.gaps.services import gaps_compute
from reports.models import GapResult, ReportedValue
from tests.factories import reported_value

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("reports:overview")


@pytest.fixture
def history(catalog):
    """Three approved quarters of 制造业产品质量合格率 for 市场监管局, and the gap results."""
    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for period, value in (("2024Q2", "93.9"), ("2024Q3", "94.2"), ("2024Q4", "94.4")):
        reported_value(indicator=mfg, department=amr, period=period, value=value, state="approved")
    gaps_compute()
    return mfg


def _figures(page: str) -> dict:
    raw = re.search(r'<script id="figures" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def test_the_overview_shows_counts_a_heatmap_and_the_series_furthest_behind(history, people, login):
    page = login(people.office).get(OVERVIEW + "?period=2024Q4").content.decode()
    figures = _figures(page)
    assert figures["counts"]["data"][0]["type"] == "bar"
    heatmap = figures["heatmap"]["data"][0]
    assert heatmap["type"] == "heatmap" and "制造业产品质量合格率" in heatmap["y"]
    assert "差距" in heatmap["hovertemplate"]
    behind = figures["behind"]
    assert any(shape.get("x0") == 100 for shape in behind["layout"]["shapes"])  # target line
    assert "制造业产品质量合格率" in page.split('id="behind"')[1]


def test_the_overview_filters_by_document_category_and_department(history, people, login):
    client = login(people.office)
    plan_2016 = client.get(OVERVIEW + "?period=2024Q4&document=plan-2016").content.decode()
    assert "制造业产品质量合格率" not in _figures(plan_2016)["heatmap"]["data"][0]["y"]
    outline = client.get(OVERVIEW + "?period=2024Q4&document=outline-2023").content.decode()
    assert "制造业产品质量合格率" in _figures(outline)["heatmap"]["data"][0]["y"]
    brands = client.get(OVERVIEW + "?period=2024Q4&category=brands").content.decode()
    assert "制造业产品质量合格率" not in brands.split('id="status-counts"')[1]
    agri = client.get(OVERVIEW + "?period=2024Q4&department=AGRI").content.decode()
    assert "市场监管局" not in _figures(agri)["heatmap"]["data"][0]["x"]


def test_the_overview_is_for_the_office_only(history, people, login):
    assert login(people.owner).get(OVERVIEW).status_code == 404
    assert login(people.office).get(OVERVIEW).status_code == 200


def test_the_overview_query_count_does_not_grow_with_the_data(history, people, login):
    from django.core.cache import cache

    client = login(people.office)
    cache.clear()
    with CaptureQueriesContext(connection) as first:
        client.get(OVERVIEW + "?period=2024Q4")
    cached = CaptureQueriesContext(connection)
    with cached:
        client.get(OVERVIEW + "?period=2024Q4")
    assert len(cached) <= 8, "a cached overview needs only the session, user and filters"
    # Ten times as many department values: the uncached page makes the same queries.
    amr = Department.objects.get(code="AMR")
    for indicator in Indicator.objects.filter(targets__isnull=False).distinct()[:10]:
        ReportedValue.objects.get_or_create(
            indicator=indicator,
            department=amr,
            period="2024Q4",
            defaults={"value": Decimal("1"), "state": "approved"},
        )
    gaps_compute()
    cache.clear()
    with CaptureQueriesContext(connection) as again:
        client.get(OVERVIEW + "?period=2024Q4")
    assert len(again) == len(first)


def test_the_indicator_page_shows_targets_departments_chart_and_values(history, people, login):
    page = (
        login(people.office)
        .get(reverse("reports:indicator", args=[history.code]) + "?department=AMR")
        .content.decode()
    )
    assert "制造业产品质量合格率达到96.5％" in page and "一（二）" in page
    assert "办公室指定" in page and "内蒙古自治区市场监督管理局" in page
    raw = re.search(
        r'<script id="figure-series" type="application/json">(.*?)</script>', page, re.S
    )
    figure = json.loads(raw.group(1))["series"]
    names = [trace.get("name", "") for trace in figure["data"]]
    assert "实际值" in names and any(n.startswith("目标") for n in names)
    assert "按趋势预测" in names
    assert "94.4" in page.split('id="values"')[1]


def test_an_indicator_page_of_2016_shows_the_historical_wording_and_todays_department(
    catalog, people, login
):
    page = (
        login(people.office)
        .get(reverse("reports:indicator", args=["P16_AGRI_STANDARDIZATION_DEMO_ZONES"]))
        .content.decode()
    )
    table = page.split('id="responsibilities"')[1].split("</table>")[0]
    assert "自治区农牧业厅" in table and "内蒙古自治区农牧厅" in table
    assert "自治区质监局" in table and "内蒙古自治区市场监督管理局" in table


def test_reporters_see_only_their_departments_data_on_indicator_pages(history, people, login):
    ipa = Department.objects.get(code="IPA")
    # IPA does not report this indicator: its figure is one the office entered.
    reported_value(
        indicator=history, department=ipa, period="2024Q4", value="77.7", state="entered"
    )
    client = login(people.owner)  # 农牧厅
    page = client.get(reverse("reports:indicator", args=[history.code]) + "?department=AMR")
    html = page.content.decode()
    assert page.status_code == 200 and "仅显示本部门的数据" in html
    assert "94.4" not in html and "77.7" not in html
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    reverse("reports:indicator_download", args=[history.code, "csv"])
                ).content.decode()
            )
        )
    )
    assert rows == []
    office_rows = list(
        csv.DictReader(
            io.StringIO(
                login(people.office)
                .get(reverse("reports:indicator_download", args=[history.code, "csv"]))
                .content.decode()
            )
        )
    )
    assert {r["department_code"] for r in office_rows} >= {"AMR", "IPA"}


def test_the_department_page_has_statuses_completeness_and_scorecards(history, people, login):
    client = login(people.office)
    page = client.get(reverse("reports:department", args=["AMR"]) + "?period=2024Q4")
    html = page.content.decode()
    assert "制造业产品质量合格率" in html.split('id="statuses"')[1]
    assert html.split('id="record"')[1].count("<tr>") >= 4
    assert login(people.owner).get(reverse("reports:department", args=["AMR"])).status_code == 404
    assert login(people.owner).get(reverse("reports:department", args=["AGRI"])).status_code == 200


def test_demo_history_is_marked_everywhere_and_removed_by_one_command(history, people, login):
    call_command("demo_history", start="2025Q1", end="2025Q2")
    demo = ReportedValue.objects.filter(source="demo")
    assert (
        demo.exists()
        and not demo.filter(
            period__in=["2024Q2", "2024Q3", "2024Q4"], indicator=history, department__code="AMR"
        ).exists()
    )
    assert GapResult.objects.filter(is_demo=True).exists()
    client = login(people.office)
    overview = client.get(OVERVIEW + "?period=2025Q2").content.decode()
    assert 'id="demo-notice"' in overview
    page = client.get(reverse("reports:indicator", args=[history.code]) + "?department=AMR")
    html = page.content.decode()
    assert 'id="demo-notice"' in html and "演示数据" in html.split('id="values"')[1]
    export = client.get(reverse("reports:indicator_download", args=[history.code, "csv"]))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["demo"] for r in rows if r["source"] == "demo"} == {"演示数据"}
    real_before = ReportedValue.objects.exclude(source="demo").count()
    call_command("demo_history", remove=True)
    assert not ReportedValue.objects.filter(source="demo").exists()
    assert ReportedValue.objects.exclude(source="demo").count() == real_before
    assert not GapResult.objects.filter(is_demo=True).exists()


def test_plotly_js_is_served_from_the_apps_static_files(history, people, login):
    from django.contrib.staticfiles import finders

    page = login(people.office).get(OVERVIEW).content.decode()
    assert "/static/plotly/plotly.min.js" in page and "cdn" not in page.lower()
    assert finders.find("plotly/plotly.min.js")


def test_indicator_and_department_pages_do_not_query_per_row(history, people, login):
    from django.core.cache import cache

    client = login(people.office)
    amr = Department.objects.get(code="AMR")
    pages = [
        reverse("reports:indicator", args=[history.code]) + "?department=AMR",
        reverse("reports:department", args=["AMR"]) + "?period=2024Q4",
    ]

    def counts():
        cache.clear()
        result = []
        for url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    before = counts()
    for year in range(2016, 2024):
        for quarter in range(1, 5):
            ReportedValue.objects.get_or_create(
                indicator=history,
                department=amr,
                period=f"{year}Q{quarter}",
                defaults={"value": Decimal("90"), "state": "approved"},
            )
    gaps_compute()
    assert counts() == before


def test_charts_follow_the_language_and_each_language_has_its_own_cached_copy(
    history, people, login
):
    client = login(people.office)
    chinese = _figures(client.get(OVERVIEW + "?period=2024Q4").content.decode())
    assert chinese["counts"]["layout"]["title"]["text"] == "全区指标状态"
    client.post(reverse("set_language"), {"language": "en", "next": OVERVIEW})
    english = _figures(client.get(OVERVIEW + "?period=2024Q4").content.decode())
    assert english["counts"]["layout"]["title"]["text"] == "Region-wide indicator status"
    assert "Gap: " in english["heatmap"]["data"][0]["hovertemplate"]
    page = client.get(
        reverse("reports:indicator", args=[history.code]) + "?department=AMR"
    ).content.decode()
    raw = re.search(
        r'<script id="figure-series" type="application/json">(.*?)</script>', page, re.S
    )
    names = [t.get("name", "") for t in json.loads(raw.group(1))["series"]["data"]]
    assert "Actual" in names and "Projection on the trend" in names
    # and the Chinese copy in the cache was neither served to nor replaced by the English one
    other = login(people.admin)
    again = _figures(other.get(OVERVIEW + "?period=2024Q4").content.decode())
    assert again["counts"]["layout"]["title"]["text"] == "全区指标状态"
