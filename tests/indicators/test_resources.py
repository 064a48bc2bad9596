"""Catalogue imports in the admin (django-import-export), with Chinese or English headers."""

import pytest
import tablib
from django.urls import reverse

from departments.models import Department
from departments.resources import DepartmentResource
from indicators.models import Indicator
from indicators.resources import IndicatorResource, TargetResource

pytestmark = pytest.mark.django_db


def test_the_export_template_has_chinese_headers(catalog):
    dataset = IndicatorResource().export(Indicator.objects.none())
    assert dataset.headers[:3] == ["代码", "名称", "英文名称"]


def test_a_department_file_with_chinese_headers_imports_and_twice_changes_nothing(catalog):
    data = tablib.Dataset(headers=["代码", "名称", "简称", "英文名称", "状态", "继承部门"])
    data.append(["NEW_DEPT", "内蒙古自治区数据局", "数据局", "Data Bureau", "current", ""])
    result = DepartmentResource().import_data(data, dry_run=True)
    assert not result.has_errors() and not Department.objects.filter(code="NEW_DEPT").exists()
    DepartmentResource().import_data(data, dry_run=False)
    assert Department.objects.get(code="NEW_DEPT").short_name_zh == "数据局"
    again = DepartmentResource().import_data(data, dry_run=False)
    assert again.totals["skip"] == 1 and again.totals["update"] == 0


def test_english_headers_are_accepted(catalog):
    data = tablib.Dataset(
        headers=["code", "name_zh", "short_name_zh", "name_en", "status", "successor"]
    )
    data.append(["NEW_DEPT2", "内蒙古自治区某局", "某局", "", "current", ""])
    assert not DepartmentResource().import_data(data, dry_run=True).has_errors()


def test_a_target_row_with_an_unknown_indicator_is_an_error_and_nothing_is_written(catalog):
    data = tablib.Dataset(
        headers=["指标", "文件", "目标年份", "比较方式", "目标值", "条款", "原文"]
    )
    data.append(["MFG_PRODUCT_PASS_RATE", "outline-2023", 2030, ">=", "98", "x", "x"])
    data.append(["NO_SUCH", "outline-2023", 2030, ">=", "98", "x", "x"])
    before = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE").targets.count()
    result = TargetResource().import_data(data, dry_run=False, raise_errors=False)
    assert result.has_errors() or result.has_validation_errors()
    assert Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE").targets.count() == before


def test_the_admin_offers_import_and_export(catalog, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert reverse("admin:indicators_indicator_import") in page
    assert client.get(reverse("admin:indicators_indicator_import")).status_code == 200


def test_catalogue_exports_neutralise_formula_text_and_its_import_takes_it_off(catalog):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    Indicator.objects.filter(pk=indicator.pk).update(name_en="=HYPERLINK(1)")
    dataset = IndicatorResource().export(Indicator.objects.filter(pk=indicator.pk))
    assert dataset.dict[0]["英文名称"] == "'=HYPERLINK(1)"
    Indicator.objects.filter(pk=indicator.pk).update(name_en="before")
    assert not IndicatorResource().import_data(dataset, dry_run=False).has_errors()
    assert Indicator.objects.get(pk=indicator.pk).name_en == "=HYPERLINK(1)"
