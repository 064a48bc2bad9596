"""The region department and the region parts: set in the admin through the indicator service,
checked there and in the fixtures."""

import copy

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.models import Department
from indicators.catalog import catalog_problems, read_catalog
from indicators.choices import Aggregation
from indicators.models import Indicator
from indicators.services import indicator_save

pytestmark = pytest.mark.django_db

FIELDS = (
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


def _save(indicator: Indicator, **changes):
    fields = {name: getattr(indicator, name) for name in FIELDS}
    return indicator_save(indicator=indicator, acting_user=None, **{**fields, **changes})


def _messages(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_department_that_does_not_report_the_indicator_is_refused_in_chinese(catalog):
    stations = Indicator.objects.get(code="BASE_STATIONS_5G")
    with pytest.raises(ValidationError) as excinfo:
        _save(stations, region_department=Department.objects.get(code="DOF"))
    message = _messages(excinfo)["region_department"][0]
    assert "对该指标没有填报职责" in message and "通信管理局" in message


def test_a_historical_department_is_refused_with_its_successor(catalog):
    stations = Indicator.objects.get(code="BASE_STATIONS_5G")
    with pytest.raises(ValidationError) as excinfo:
        _save(stations, region_department=Department.objects.get(code="H_QTSB"))
    assert "是历史部门" in _messages(excinfo)["region_department"][0]


def test_a_region_department_belongs_to_the_one_department_rule_only(catalog):
    stations = Indicator.objects.get(code="BASE_STATIONS_5G")
    with pytest.raises(ValidationError) as excinfo:
        _save(stations, aggregation=Aggregation.MIN)
    assert "只有“取一个部门的数值”方式" in _messages(excinfo)["region_department"][0]


def test_a_sum_must_say_what_each_department_reports(catalog):
    rate = Indicator.objects.get(code="P16_LARGE_MEDIUM_PROJECT_FIRST_ACCEPTANCE_RATE")
    with pytest.raises(ValidationError) as excinfo:
        _save(rate, aggregation=Aggregation.SUM)
    assert "逐个写明每个填报部门所报的部分" in _messages(excinfo)["region_parts"][0]
    saved = _save(
        rate,
        aggregation=Aggregation.SUM,
        region_parts="住建厅：房屋建筑和市政工程；水利厅：水利工程。",
    )
    assert saved.obj.aggregation == Aggregation.SUM


def test_the_admin_sets_the_region_department_through_the_service(catalog, admin_client):
    stations = Indicator.objects.get(code="BASE_STATIONS_5G")
    url = reverse("admin:indicators_indicator_change", args=[stations.pk])
    form = {
        **{
            name: "" if getattr(stations, name) is None else getattr(stations, name)
            for name in FIELDS
            if name != "region_department"
        },
        **{
            f"{prefix}-{key}": 0
            for prefix in ("aliases", "targets", "responsibilities")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    refused = admin_client.post(
        url, {**form, "region_department": Department.objects.get(code="DOF").pk}
    )
    errors = refused.context["adminform"].form.errors
    assert "对该指标没有填报职责" in errors["region_department"][0]
    miit = Department.objects.get(code="MIIT")
    assert admin_client.post(url, {**form, "region_department": miit.pk}).status_code == 302
    stations.refresh_from_db()
    assert stations.region_department == miit


def test_the_fixture_checks_refuse_a_sum_without_parts_and_a_department_that_does_not_report():
    catalog = read_catalog(settings.CATALOG_DIR)
    assert catalog_problems(catalog, settings.CATALOG_SOURCES_DIR) == []
    broken = copy.deepcopy(catalog)
    rows = {row["code"]: row for row in broken.indicators}
    rows["BASE_STATIONS_5G"]["region_department"] = "DOF"
    rows["INNOVATIVE_SMES"].pop("region_department")
    rows["INNOVATIVE_SMES"]["aggregation"] = "sum"
    problems = catalog_problems(broken, settings.CATALOG_SOURCES_DIR)
    assert any("BASE_STATIONS_5G: region_department DOF does not report it" in p for p in problems)
    assert any("INNOVATIVE_SMES: aggregation sum needs region_parts" in p for p in problems)


def test_loading_again_keeps_a_region_department_the_office_chose(catalog):
    from indicators.services import catalog_load

    rates = Indicator.objects.get(code="P16_SERVICE_SECTOR_GROWTH_CONTRIBUTION")
    assert rates.region_department.code == "DRC"  # the fixtures' choice
    construction = Indicator.objects.get(code="CONSTRUCTION_FIRST_ACCEPTANCE_PASS_RATE")
    dhurd = Department.objects.get(code="DHURD")
    _save(construction, region_department=dhurd)
    report = catalog_load()
    construction.refresh_from_db()
    assert construction.region_department == dhurd
    assert report.counts["indicators"]["updated"] == 0
