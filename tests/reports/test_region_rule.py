"""The region-wide figure: one department's report of a regional statistic, never the sum of
several reports of it; the indicator page says how the figure was made."""

from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from departments.models import Department
from indicators.choices import REPORTING_ROLES, Aggregation, ResponsibilityRole, ValueKind
from indicators.models import Indicator, Responsibility
from indicators.selectors import catalogue_leads, region_departments, reporting_departments
from indicators.services import indicator_save
from reports.gaps import engine
from reports.gaps.services import aggregation_rules, gaps_compute, lead_departments
from reports.models import GapResult
from tests.factories import reported_value
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db

SHARED_COUNT = "BASE_STATIONS_5G"  # 二（三）1: five departments 按职责分工负责, one regional count


def _fields(indicator: Indicator, **changes) -> dict:
    fields = {
        name: getattr(indicator, name)
        for name in (
            "code",
            "name_zh",
            "name_en",
            "unit",
            "value_kind",
            "decimals",
            "min_value",
            "max_value",
            "frequency",
            "category",
            "aggregation",
            "region_department",
            "region_parts",
            "note",
        )
    }
    return {**fields, **changes}


def _report(indicator, figures: dict[str, str]) -> None:
    for code, value in figures.items():
        reported_value(
            indicator=indicator,
            department=Department.objects.get(code=code),
            period=QUARTER,
            value=value,
            state="approved",
        )


def _region(indicator) -> Decimal:
    return GapResult.objects.get(
        indicator=indicator, department__isnull=True, period=QUARTER
    ).actual


def test_three_departments_reporting_one_regional_count_give_that_count_not_the_sum(
    catalog, people, login
):
    stations = Indicator.objects.get(code=SHARED_COUNT)
    _report(stations, {"COMMS": "2.5", "MIIT": "2.5", "AMR": "2.5"})
    gaps_compute()

    assert _region(stations) == Decimal("2.5")  # one report, not 7.5

    page = login(people.office).get(reverse("reports:indicator", args=[SHARED_COUNT]))
    html = page.content.decode()
    comms, miit, amr = (str(Department.objects.get(code=c)) for c in ("COMMS", "MIIT", "AMR"))
    rule = html.split('id="region-rule"')[1].split("</p>")[0]
    assert "取一个部门的数值" in rule and comms in rule and "办公室指定" in rule
    assert "不相加" in rule
    parts = html.split('id="region-parts"')[1].split("</table>")[0]
    rows = {
        row.split("<td>")[1].split("<")[0].split("（")[0]: row
        for row in parts.split("<tr")[2:]
        if "<td>" in row
    }
    assert "2.5" in rows[comms] and "计入" in rows[comms] and "不计入" not in rows[comms]
    assert "不计入" in rows[miit] and "不计入" in rows[amr]
    assert "7.5" not in parts


def test_the_office_moves_the_region_figure_to_another_reporting_department(catalog, people):
    stations = Indicator.objects.get(code=SHARED_COUNT)
    _report(stations, {"COMMS": "2.5", "MIIT": "2.4"})
    indicator_save(
        indicator=stations,
        acting_user=people.office,
        **_fields(stations, region_department=Department.objects.get(code="MIIT")),
    )
    gaps_compute()
    assert _region(stations) == Decimal("2.4")


def test_without_a_declared_department_the_catalogues_lead_gives_the_region_figure(catalog, people):
    brands = Indicator.objects.get(
        code="REGIONAL_PUBLIC_BRANDS"
    )  # 农牧厅 assigned, 知识产权局 supports
    assert brands.region_department is None and brands.aggregation == Aggregation.LEAD
    assert region_departments([brands.pk])[brands.pk] == (
        Department.objects.get(code="AGRI").pk,
        False,
    )
    _report(brands, {"AGRI": "31"})
    gaps_compute()
    assert _region(brands) == Decimal("31")


def test_the_region_page_is_the_offices_only(catalog, people, login):
    stations = Indicator.objects.get(code=SHARED_COUNT)
    _report(stations, {"COMMS": "2.5"})
    gaps_compute()
    page = login(people.owner).get(reverse("reports:indicator", args=[SHARED_COUNT]))
    assert page.status_code == 200 and 'id="region-parts"' not in page.content.decode()


def test_an_indicator_without_a_rule_gets_no_region_figure_rather_than_a_sum():
    values = pd.DataFrame(
        {"indicator_id": [1, 1, 1], "unit_id": [7, 8, 9], "period": ["2024"] * 3, "value": 3.0}
    )
    rules = pd.DataFrame(columns=["indicator_id", "aggregation", "lead_unit_id"])
    assert engine.aggregate_region(values, rules).empty
    one = pd.DataFrame([(1, "lead", 8)], columns=["indicator_id", "aggregation", "lead_unit_id"])
    assert engine.aggregate_region(values, one)["value"].tolist() == [3.0]


# --- The loaded catalogue -----------------------------------------------------------------------


def _multi_department_indicators() -> dict[Indicator, list[Department]]:
    indicators = Indicator.objects.exclude(value_kind=ValueKind.QUALITATIVE).in_bulk()
    reporting = reporting_departments(*indicators)
    return {indicators[pk]: depts for pk, depts in reporting.items() if len(depts) > 1}


def test_no_region_figure_of_the_catalogue_adds_up_reports_of_one_regional_statistic(catalog):
    """Every department that reports an indicator reports the same figure: the region's figure
    is that figure, unless the catalogue declares that the departments report disjoint parts
    (``sum`` with each department's part written down)."""
    shared = _multi_department_indicators()
    assert len(shared) >= 10  # the Action Plan's shared rows and the 2016 plan's
    rows = [
        (indicator.pk, department.pk, "2024", 7.0)
        for indicator, departments in shared.items()
        for department in departments
    ]
    values = pd.DataFrame(rows, columns=["indicator_id", "unit_id", "period", "value"])
    region = engine.aggregate_region(values, aggregation_rules()).set_index("indicator_id")
    for indicator, departments in shared.items():
        if indicator.aggregation == Aggregation.SUM:
            names = [d.short_name_zh or d.name_zh for d in departments]
            missing = [n for n in names if n not in indicator.region_parts]
            assert not missing, f"{indicator.code}: the parts do not say what {missing} report"
            continue
        assert region.loc[indicator.pk, "value"] == 7.0, indicator.code


def test_no_sum_in_the_catalogue_is_a_shared_regional_statistic(catalog):
    """A ``sum`` must declare each department's part; a shared clause (按照职责分工负责) on one
    figure is not a declaration."""
    for indicator in Indicator.objects.filter(aggregation=Aggregation.SUM):
        assert indicator.region_parts.strip(), indicator.code
    with pytest.raises(Exception, match="各部门分项求和"):
        stations = Indicator.objects.get(code=SHARED_COUNT)
        indicator_save(
            indicator=stations,
            acting_user=None,
            **_fields(stations, aggregation=Aggregation.SUM, region_department=None),
        )


def test_where_several_departments_share_the_strongest_role_the_office_names_one(catalog):
    """The catalogue's lead is chosen by role and document; where that leaves several
    departments (a shared clause), the region department is declared, not left to chance."""
    rank = {ResponsibilityRole.LEAD: 0, ResponsibilityRole.RESPONSIBLE: 1}
    undecided = []
    for indicator in _multi_department_indicators():
        if indicator.aggregation != Aggregation.LEAD or indicator.region_department_id:
            continue
        held = [
            (rank.get(r.role, 2), -r.document.issued_year, r.current_department.pk)
            for r in Responsibility.objects.filter(
                indicator=indicator, role__in=list(REPORTING_ROLES)
            ).select_related("document", "department")
        ]
        held += [(1, -9999, a.department_id) for a in indicator.assignments.all()]
        best = min(held)[:2]
        if len({pk for *key, pk in held if tuple(key) == best}) > 1:
            undecided.append(indicator.code)
    assert undecided == []


def test_the_fixtures_region_departments_are_loaded(catalog):
    expected = {
        "BASE_STATIONS_5G": "COMMS",
        "ELDERLY_HOME_AGEING_RETROFITS": "DCA",
        "GI_PRODUCT_PROTECTION_DEMO_ZONES": "IPA",
        "INNOVATIVE_SMES": "MIIT",
        "WIND_POWER_EQUIPMENT_SUPPORT_CAPACITY": "MIIT",
        "P16_EXPORT_FOOD_AGRI_DEMO_ZONES": "AGRI",
        "RPT_GI_TRADEMARKS": "IPA",
    }
    loaded = dict(
        Indicator.objects.filter(code__in=expected).values_list("code", "region_department__code")
    )
    assert loaded == expected


def test_the_catalogues_lead_is_the_one_the_gap_engine_has_always_used(catalog):
    assert catalogue_leads() == lead_departments()
