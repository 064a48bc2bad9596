"""Successions after 2018: the step's year and source, the unconfirmed mark along a chain, and
the rows of a department that became historical following today's department (issue 14)."""

import copy
import importlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
import yaml
from django.apps import apps as global_apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.choices import DepartmentKind, DepartmentStatus
from departments.models import Department, Membership
from departments.resources import DepartmentResource
from departments.selectors import unconfirmed_reasons
from departments.services import department_save
from indicators.catalog import catalog_problems, read_catalog
from indicators.models import Indicator, ReportingAssignment, Task
from reports.models import QualitativeReport, ReportedValue, ReportedValueChange, ValueBounds
from reports.reporting.services import (
    catalogue_load,
    reported_value_write,
    values_follow_successors,
)
from tests.factories import UserFactory, department_member, office_user

pytestmark = pytest.mark.django_db

SOURCE = "正北方网（内蒙古日报社），2024-01-26，http://www.northnews.cn/news/2024/0126/2276080.html"
QUOTE = "按照自治区机构改革工作部署,2024年1月26日上午,内蒙古自治区政务服务与数据管理局正式挂牌。"


def _save(department=None, **fields):
    return department_save(department=department, acting_user=None, **fields).obj


def _fields(department: Department, **changes) -> dict:
    names = (
        "code",
        "name_zh",
        "short_name_zh",
        "name_en",
        "kind",
        "status",
        "successor",
        "successor_year",
        "successor_source",
        "successor_quote",
        "unconfirmed",
        "note",
        "sources",
    )
    return {name: getattr(department, name) for name in names} | changes


def _retire(department: Department, successor: Department, **changes) -> Department:
    """``department`` becomes historical, its duty passed to ``successor`` in 2024."""
    fields = _fields(
        department,
        status=DepartmentStatus.HISTORICAL,
        successor=successor,
        successor_year=2024,
        successor_source=SOURCE,
        successor_quote=QUOTE,
    )
    return _save(department, **(fields | changes))


# --- The catalogue's check and the loader ------------------------------------------------------


def _problems_of(rows: list[dict]) -> list[str]:
    catalog = read_catalog(Path(settings.CATALOG_DIR))
    catalog.departments = copy.deepcopy(catalog.departments) + rows
    return [
        p
        for p in catalog_problems(catalog, Path(settings.CATALOG_SOURCES_DIR))
        if p.startswith("department T_")
    ]


def _row(code: str, **keys) -> dict:
    return {"code": code, "name_zh": f"测试{code}局", "status": "current", **keys}


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"successor_year": 1999}, "is not a year from 2000 to 2100"),
        ({"successor_year": "2024"}, "is not a year from 2000 to 2100"),
        ({"successor_year": 2024, "status": "current", "successor": None}, "without a successor"),
        ({"successor_year": 2024}, "needs successor_source and successor_quote"),
        ({"successor_year": 2018, "successor_source": SOURCE}, "go together"),
        ({"kind": "committee"}, "kind 'committee'"),
        ({"unconfirmed": ["a list"]}, "unconfirmed must be text"),
    ],
)
def test_the_catalogue_check_refuses_a_bad_succession(keys, problem):
    row = _row("T_OLD", status="historical", successor="AMR") | keys
    problems = _problems_of([row])
    assert any(problem in p for p in problems), problems


def test_the_catalogue_check_accepts_a_sourced_step_and_a_pre_2018_step_without_source():
    rows = [
        _row(
            "T_OLD",
            status="historical",
            successor="AMR",
            successor_year=2024,
            successor_source=SOURCE,
            successor_quote="这句原文不在种子文件中。",  # from outside the seeds: not looked up
        ),
        _row("T_OLDER", status="historical", successor="AMR", successor_year=2018),
        _row("T_OFFICE", kind="coordinating_office", unconfirmed="日期未找到。"),
    ]
    assert _problems_of(rows) == []


def test_the_loader_stores_the_new_keys(catalog, tmp_path):
    directory = tmp_path / "catalog"
    shutil.copytree(settings.CATALOG_DIR, directory)
    path = directory / "departments.yaml"
    rows = [
        _row("T_NEW", name_zh="内蒙古自治区测试新局"),
        _row(
            "T_OLD",
            name_zh="内蒙古自治区测试旧局",
            status="historical",
            successor="T_NEW",
            successor_year=2024,
            successor_source=SOURCE,
            successor_quote=QUOTE,
            unconfirmed="The regional date is not found.",
        ),
        _row("T_OFFICE", name_zh="测试工作领导小组办公室", kind="coordinating_office"),
    ]
    with path.open("a", encoding="utf-8") as file:
        file.write("\n" + yaml.safe_dump(rows, allow_unicode=True, sort_keys=False))
    catalogue_load(directory=directory)
    old = Department.objects.get(code="T_OLD")
    assert (old.successor.code, old.successor_year) == ("T_NEW", 2024)
    assert (old.successor_source, old.successor_quote) == (SOURCE, QUOTE)
    assert old.unconfirmed == "The regional date is not found."
    assert old.kind == DepartmentKind.DEPARTMENT
    assert Department.objects.get(code="T_OFFICE").kind == DepartmentKind.COORDINATING_OFFICE


# --- The service's checks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"successor_year": 1990}, "successor_year", "2000 至 2100"),
        ({"successor_year": "二〇二四"}, "successor_year", "2000 至 2100"),
        ({"successor_source": ""}, "successor_source", "同时填写"),
        ({"successor_source": "", "successor_quote": ""}, "successor_source", "须写明出处"),
        ({"kind": "committee"}, "kind", "协调机构"),
    ],
)
def test_the_department_service_refuses_a_bad_succession_in_chinese(changes, field, message):
    new = _save(code="T_NEW", name_zh="内蒙古自治区测试新局")
    old = _save(code="T_OLD", name_zh="内蒙古自治区测试旧局")
    with pytest.raises(ValidationError) as excinfo:
        _retire(old, new, **changes)
    assert message in " ".join(excinfo.value.message_dict[field])


def test_a_year_needs_a_successor():
    with pytest.raises(ValidationError) as excinfo:
        _save(code="T_NEW", name_zh="内蒙古自治区测试新局", successor_year=2024)
    assert "继承部门" in excinfo.value.message_dict["successor_year"][0]


# --- The unconfirmed mark along a chain --------------------------------------------------------


def test_resolution_unconfirmed_follows_the_chain():
    today = _save(code="T_TODAY", name_zh="内蒙古自治区测试今局")
    middle = _save(code="T_MID", name_zh="内蒙古自治区测试中局")
    first = _save(code="T_FIRST", name_zh="内蒙古自治区测试初局")
    middle = _retire(middle, today, unconfirmed="改名日期未找到。")
    first = _retire(first, middle)
    assert not today.resolution_unconfirmed and today.unconfirmed_reasons == []
    assert middle.resolution_unconfirmed and first.resolution_unconfirmed
    assert first.unconfirmed_reasons == ["改名日期未找到。"]
    first = _save(first, **_fields(first, unconfirmed="继承部门未确认。"))
    assert first.unconfirmed_reasons == ["继承部门未确认。", "改名日期未找到。"]
    reasons = unconfirmed_reasons()
    assert reasons[first.pk] == first.unconfirmed_reasons
    assert reasons[middle.pk] == ["改名日期未找到。"] and today.pk not in reasons


def test_the_chain_stops_at_a_cycle():
    a = _save(code="T_A", name_zh="内蒙古自治区测试甲局")
    b = _save(code="T_B", name_zh="内蒙古自治区测试乙局", unconfirmed="未确认。")
    # A cycle the services refuse, written past them to check that the walk ends.
    Department.objects.filter(pk=a.pk).update(status=DepartmentStatus.HISTORICAL, successor=b)
    Department.objects.filter(pk=b.pk).update(status=DepartmentStatus.HISTORICAL, successor=a)
    a.refresh_from_db()
    assert a.unconfirmed_reasons == ["未确认。"]
    assert unconfirmed_reasons()[a.pk] == ["未确认。"]


# --- Rows follow the successor -----------------------------------------------------------------


@pytest.fixture
def retiring(catalog):
    """A department with a member, an assignment, an expected range and two reported values."""
    old = _save(code="T_OLD", name_zh="内蒙古自治区测试旧局")
    new = _save(code="T_NEW", name_zh="内蒙古自治区测试新局")
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    ReportingAssignment.objects.create(
        indicator=indicator, department=old, role="lead", basis="测试"
    )
    ValueBounds.objects.create(indicator=indicator, department=old, low=80, high=100)
    member = department_member(old)
    values = [
        reported_value_write(
            indicator=indicator,
            department=old,
            period=period,
            value=Decimal(value),
            acting_user=office_user(),
            via="admin",
            expected_version=0,
        )[0]
        for period, value in (("2024Q3", "93"), ("2024Q4", "94"))
    ]
    return old, new, indicator, member, values


def test_values_follow_a_new_successor_keeping_the_department_they_were_reported_under(
    retiring, django_assert_num_queries
):
    old, new, indicator, member, values = retiring
    history = list(ReportedValueChange.objects.order_by("pk").values())
    _retire(old, new)
    member.membership.refresh_from_db()
    assert member.membership.department == new  # members follow at once
    result = values_follow_successors()
    assert result.moved["reported values"] == 2 and result.stayed == []
    assert result.moved["reporting assignments"] == 1 and result.moved["value bounds"] == 1
    for value in values:
        moved = ReportedValue.objects.get(pk=value.pk)
        assert (moved.department, moved.department_as_reported) == (new, old)
        assert moved.value == value.value and moved.version == value.version + 1
    assert list(ReportedValueChange.objects.order_by("pk").values()) == history
    assert ReportingAssignment.objects.get(indicator=indicator, role="lead", department=new)
    assert ValueBounds.objects.get(indicator=indicator, department=new).low == 80
    # Nothing is left to move: one query.
    with django_assert_num_queries(1):
        assert values_follow_successors().total == 0


def test_qualitative_reports_follow_too_and_a_taken_place_stays(retiring):
    old, new, _indicator, _member, _values = retiring
    task = Task.objects.order_by("pk").first()
    # Rows as any write leaves them (their writes are tested with the workflow).
    moving = QualitativeReport.objects.create(task=task, department=old, period="2024Q3")
    staying = QualitativeReport.objects.create(task=task, department=old, period="2024Q4")
    QualitativeReport.objects.create(task=task, department=new, period="2024Q4")
    _retire(old, new)
    result = values_follow_successors()
    assert result.moved["qualitative reports"] == 1
    assert [s.pk for s in result.stayed] == [staying.pk]
    moving.refresh_from_db()
    assert (moving.department, moving.department_as_reported) == (new, old)
    staying.refresh_from_db()
    assert (staying.department, staying.department_as_reported) == (old, None)


def test_a_second_step_keeps_the_first_department(retiring):
    old, new, _indicator, _member, values = retiring
    _retire(old, new)
    values_follow_successors()
    newest = _save(code="T_NEWEST", name_zh="内蒙古自治区测试最新局")
    _retire(Department.objects.get(pk=new.pk), newest)
    values_follow_successors()
    moved = ReportedValue.objects.get(pk=values[0].pk)
    assert (moved.department, moved.department_as_reported) == (newest, old)


def test_a_value_whose_place_is_taken_stays_and_is_reported(retiring):
    old, new, indicator, _member, values = retiring
    taken = reported_value_write(
        indicator=indicator,
        department=new,
        period="2024Q4",
        value=Decimal("95"),
        acting_user=office_user(),
        via="admin",
        expected_version=0,
    )[0]
    _retire(old, new)
    result = values_follow_successors()
    assert [(s.model, s.pk) for s in result.stayed] == [("reports.ReportedValue", values[1].pk)]
    assert ReportedValue.objects.get(pk=values[1].pk).department == old
    assert ReportedValue.objects.get(pk=values[0].pk).department == new
    assert ReportedValue.objects.get(pk=taken.pk).value == Decimal("95")


def test_a_catalogue_change_moves_the_rows_after_its_commit(
    retiring, django_capture_on_commit_callbacks
):
    old, new, _indicator, _member, values = retiring
    with django_capture_on_commit_callbacks(execute=True):
        _retire(old, new)
    assert ReportedValue.objects.get(pk=values[0].pk).department == new


def test_the_data_migration_moves_what_is_there(retiring):
    old, new, _indicator, member, values = retiring
    # A department made historical before the receiver existed: written past the service.
    Department.objects.filter(pk=old.pk).update(status=DepartmentStatus.HISTORICAL, successor=new)
    migration = importlib.import_module("reports.migrations.0014_values_follow_successors")
    migration.follow_successors(global_apps, None)
    moved = ReportedValue.objects.get(pk=values[0].pk)
    assert (moved.department, moved.department_as_reported) == (new, old)
    assert Membership.objects.get(user=member).department == new
    assert ReportingAssignment.objects.filter(department=new).exists()


# --- The admin ---------------------------------------------------------------------------------


def test_the_admin_shows_and_saves_the_new_fields(catalog, client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    new = _save(code="T_NEW", name_zh="内蒙古自治区测试新局")
    old = _save(code="T_OLD", name_zh="内蒙古自治区测试旧局", unconfirmed="未确认。")
    changelist = client.get(reverse("admin:departments_department_changelist"))
    assert changelist.status_code == 200
    url = reverse("admin:departments_department_change", args=[old.pk])
    assert client.get(url).status_code == 200
    form = {
        "code": "T_OLD",
        "name_zh": old.name_zh,
        "kind": "department",
        "status": "historical",
        "successor": new.pk,
        "successor_year": "2024",
        "successor_source": "",
        "successor_quote": "",
        "unconfirmed": "未确认。",
        "sources": "[]",
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
    }
    response = client.post(url, form)
    assert response.status_code == 200 and "须写明出处" in response.content.decode()
    for year in ("abc", "-1", "99999999999"):
        assert client.post(url, {**form, "successor_year": year}).status_code == 200
    response = client.post(url, {**form, "successor_source": SOURCE, "successor_quote": QUOTE})
    assert response.status_code == 302
    old.refresh_from_db()
    assert (old.successor, old.successor_year, old.successor_quote) == (new, 2024, QUOTE)


# --- The admin's import ------------------------------------------------------------------------


def test_a_department_import_reads_the_new_columns(catalog):
    data = tablib.Dataset(
        headers=["代码", "名称", "类别", "状态", "继承部门", "职责移交年份", "移交出处", "移交原文"]
    )
    data.append(["T_NEW", "内蒙古自治区测试新局", "协调机构", "现行", "", "", "", ""])
    data.append(["T_OLD", "内蒙古自治区测试旧局", "", "历史", "T_NEW", "2024", SOURCE, QUOTE])
    result = DepartmentResource().import_data(data, dry_run=False)
    assert not result.has_validation_errors()
    old = Department.objects.get(code="T_OLD")
    assert (old.successor.code, old.successor_year, old.successor_quote) == ("T_NEW", 2024, QUOTE)
    assert Department.objects.get(code="T_NEW").kind == DepartmentKind.COORDINATING_OFFICE


@pytest.mark.parametrize(("column", "cell"), [("类别", "委员会"), ("职责移交年份", "2024年")])
def test_a_department_import_refuses_a_bad_kind_or_year_in_chinese(catalog, column, cell):
    data = tablib.Dataset(headers=["代码", "名称", column])
    data.append(["T_NEW", "内蒙古自治区测试新局", cell])
    result = DepartmentResource().import_data(data, dry_run=False)
    [invalid] = result.invalid_rows
    assert invalid.number == 2 and invalid.error_dict[column]
    assert not Department.objects.filter(code="T_NEW").exists()
