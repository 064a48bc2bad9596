"""Departments and their spellings, written through the services: successors checked in
Chinese before the database's constraints would refuse them."""

import json

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from departments.models import Department, DepartmentAlias
from departments.resources import DepartmentResource
from departments.services import department_alias_save, department_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _save(**fields):
    return department_save(acting_user=None, **fields)


def _messages(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_historical_department_needs_a_successor_and_a_current_one_has_none(catalog):
    with pytest.raises(ValidationError) as excinfo:
        _save(code="OLD", name_zh="内蒙古自治区旧局", status="historical")
    assert "历史部门须指定继承部门" in _messages(excinfo)["successor"][0]
    amr = Department.objects.get(code="AMR")
    with pytest.raises(ValidationError) as excinfo:
        _save(code="NEW", name_zh="内蒙古自治区新局", status="current", successor=amr)
    assert "现行部门没有继承部门" in _messages(excinfo)["successor"][0]
    saved = _save(code="OLD", name_zh="内蒙古自治区旧局", status="historical", successor=amr)
    assert saved.outcome == "created" and saved.obj.current() == amr


def test_successors_may_not_form_a_cycle(catalog):
    amr = Department.objects.get(code="AMR")
    first = _save(code="A1", name_zh="甲局", status="historical", successor=amr).obj
    second = _save(code="A2", name_zh="乙局", status="historical", successor=first).obj
    with pytest.raises(ValidationError) as excinfo:
        _save(department=first, code="A1", name_zh="甲局", status="historical", successor=second)
    assert "继承关系不能成环" in _messages(excinfo)["successor"][0]
    with pytest.raises(ValidationError, match="继承关系不能成环"):
        _save(department=first, code="A1", name_zh="甲局", status="historical", successor=first)


def test_codes_names_and_aliases_stay_unambiguous(catalog):
    amr = Department.objects.get(code="AMR")
    with pytest.raises(ValidationError) as excinfo:
        _save(code="AMR", name_zh="市场监管局")  # the code is taken; the name is AMR's alias
    assert set(_messages(excinfo)) == {"code", "name_zh"}
    with pytest.raises(ValidationError, match="已属于其他部门"):
        department_alias_save(
            name="市场监管局", department=Department.objects.get(code="AGRI"), acting_user=None
        )
    alias = department_alias_save(name="自治区市监局", department=amr, acting_user=None)
    assert alias.outcome == "created" and Department.objects.resolve("自治区市监局") == amr


def test_a_department_import_names_bad_rows_by_the_file_row_and_writes_nothing(catalog):
    data = tablib.Dataset(headers=["代码", "名称", "简称", "英文名称", "状态", "继承部门"])
    data.append(["NEW_A", "内蒙古自治区甲局", "甲局", "", "现行", ""])
    data.append(["", "", "", "", "", ""])  # row 3: blank, still counted
    data.append(["NEW_B", "内蒙古自治区乙局", "乙局", "", "历史", ""])
    result = DepartmentResource().import_data(data, dry_run=False)
    [invalid] = result.invalid_rows
    assert invalid.number == 4
    assert invalid.error_dict["继承部门"] == [
        "第 4 行：历史部门须指定继承部门（承接其职责的部门）。"
    ]
    assert not Department.objects.filter(code__in=["NEW_A", "NEW_B"]).exists()


def test_a_department_import_may_name_a_successor_defined_on_an_earlier_row(catalog):
    data = tablib.Dataset(headers=["code", "name_zh", "status", "successor"])
    data.append(["NEW_A", "内蒙古自治区甲局", "current", ""])
    data.append(["NEW_B", "内蒙古自治区乙局", "historical", "内蒙古自治区甲局"])
    result = DepartmentResource().import_data(data, dry_run=False)
    assert not result.has_validation_errors()
    assert Department.objects.get(code="NEW_B").current().code == "NEW_A"


def test_a_department_saved_in_the_admin_is_checked_by_the_service(catalog):
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    department = Department.objects.get(code="AMR")
    url = reverse("admin:departments_department_change", args=[department.pk])
    form = {
        "code": "AMR",
        "name_zh": department.name_zh,
        "short_name_zh": department.short_name_zh,
        "name_en": department.name_en,
        "status": "current",
        "successor": Department.objects.get(code="AGRI").pk,
        "note": department.note,
        "sources": json.dumps(department.sources, ensure_ascii=False),
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
    }
    response = client.post(url, form)
    assert response.status_code == 200
    assert "现行部门没有继承部门" in response.content.decode()
    assert client.post(url, {**form, "successor": ""}).status_code == 302
    sources = department.sources
    department.refresh_from_db()
    assert department.sources == sources and department.successor is None
    assert DepartmentAlias.objects.filter(department=department).count() > 1  # inline untouched


@pytest.mark.parametrize("sources", [[float("inf")], [{"quote": "\x00"}], ["not a dict"], {}])
def test_sources_that_no_json_column_holds_are_refused_in_chinese(catalog, sources):
    with pytest.raises(ValidationError) as excinfo:
        _save(code="NEW", name_zh="内蒙古自治区新局", sources=sources)
    assert "出处须是列表" in _messages(excinfo)["sources"][0]
