"""Every department a document names resolves to today's department, or is marked unconfirmed.

On the real catalogue (fixtures/catalog/departments.yaml, reasoning in
fixtures/notes/departments.md): names resolve through aliases and one successor step; no
department stays current once a successor is recorded; steps after the 2018 reform cite their
source; the issue-14 steps (政务服务局, 编办), the coordinating offices and the Action Plan's
closing duty are in place.
"""

import pytest

from departments.models import Department
from indicators.models import Document, Responsibility, Task

#: Bodies named only in the 2016 plan that stay current unmarked by the rename rule (same body
#: and name today; notes/departments.md, "Unconfirmed resolutions").
SAME_NAME_SINCE_2016 = {"DWR", "ORG"}


def _documents_naming(department: Department) -> set[str]:
    return {source["document"] for source in department.sources}


def _todays_department_is_confirmed(department: Department) -> bool:
    """Today's department is named by a document after the 2016 plan, or exists as a recorded
    successor, or is one of the bodies whose name the 2018 reform did not change."""
    today = department.current()
    return (
        bool(_documents_naming(today) - {"plan-2016"})
        or today.predecessors.exists()
        or today.code in SAME_NAME_SINCE_2016
    )


def _assert_resolves(name: str, expected: Department | None = None) -> Department:
    department = Department.objects.resolve(name)
    assert department is not None, f"{name!r} matches no department"
    if expected is not None:
        assert department == expected, name
    today = department.current()
    assert today.is_current, name
    assert len(department.chain()) <= 2, f"{name!r}: more than one successor step"
    assert department.resolution_unconfirmed or _todays_department_is_confirmed(department), (
        f"{name!r} resolves to {today.code}, which no later document names and nothing marks "
        "unconfirmed"
    )
    return department


@pytest.mark.django_db
def test_every_department_as_written_resolves_to_today_or_is_marked(catalog):
    responsibilities = Responsibility.objects.select_related("department")
    assert responsibilities.count() > 500
    for responsibility in responsibilities:
        _assert_resolves(responsibility.department_as_written, responsibility.department)


@pytest.mark.django_db
def test_every_name_of_a_department_a_document_names_resolves(catalog):
    named = [d for d in Department.objects.prefetch_related("aliases") if d.sources]
    assert len(named) > 60
    for department in named:
        for name in {
            department.code,
            department.name_zh,
            *(a.name for a in department.aliases.all()),
        }:
            _assert_resolves(name, department)


@pytest.mark.django_db
def test_no_department_is_current_once_a_successor_is_recorded(catalog):
    for department in Department.objects.select_related("successor"):
        if department.successor_id is not None:
            assert not department.is_current, department.code
            assert department.successor.is_current, f"{department.code}: chain not collapsed"
        else:
            assert department.is_current, department.code
            assert department.successor_year is None, department.code
    for department in Department.objects.filter(status="historical"):
        year = department.successor_year
        if year is not None and year > 2018:
            assert department.successor_source.strip(), department.code
            assert department.successor_quote.strip(), department.code
        assert bool(department.successor_source) == bool(department.successor_quote)


@pytest.mark.django_db
def test_no_document_names_a_department_after_its_successor_took_over(catalog):
    issued = {d.code: d.issued_on for d in Document.objects.all()}
    stepped = Department.objects.filter(successor_year__isnull=False)
    assert stepped.count() >= 3
    for department in stepped:
        for code in _documents_naming(department):
            if issued.get(code) is not None:
                assert issued[code].year <= department.successor_year, (department.code, code)


@pytest.mark.django_db
def test_government_services_bureau_resolves_to_the_data_administration_from_2024(catalog):
    gsb = Department.objects.resolve("政务服务局")
    assert gsb.code == "GSB" and gsb.status == "historical"
    assert gsb.current().code == "GSDB"
    assert gsb.current().name_zh == "内蒙古自治区政务服务与数据管理局"
    assert gsb.successor_year == 2024
    assert "northnews.cn" in gsb.successor_source
    assert "政务服务与数据管理局正式挂牌" in gsb.successor_quote
    assert not gsb.resolution_unconfirmed
    rows = Responsibility.objects.filter(department_as_written="政务服务局")
    assert rows.exists()
    assert all(row.current_department.code == "GSDB" for row in rows)


@pytest.mark.django_db
def test_bianban_resolves_to_the_party_office_and_is_marked_unconfirmed(catalog):
    for name in ("自治区编办", "编办"):
        department = Department.objects.resolve(name)
        assert department.code == "H_COPSR" and department.status == "historical"
        today = department.current()
        assert today.code == "COPSR"
        assert today.name_zh == "中共内蒙古自治区委员会机构编制委员会办公室"
        assert department.successor_year == 2018
        assert "内蒙古年鉴" in department.successor_source
        assert department.resolution_unconfirmed
        assert any("2018" in reason for reason in department.unconfirmed_reasons)
    assert Department.objects.resolve("自治区党委编办").code == "COPSR"
    row = Responsibility.objects.filter(department_as_written="自治区编办").first()
    assert row is not None and row.department.code == "H_COPSR"
    assert row.current_department.code == "COPSR"


@pytest.mark.django_db
def test_unconfirmed_rows_keep_their_place_and_carry_the_mark(catalog):
    for code in ("LFSB", "ZONE_ADMIN", "CCER_LG"):
        department = Department.objects.get(code=code)
        assert department.is_current and department.unconfirmed.strip(), code
    assert "专司监管职责" in Department.objects.get(code="LFSB").unconfirmed
    financial_office = Department.objects.get(code="H_FAO")  # 2016 金融办, through LFSB
    assert financial_office.current().code == "LFSB"
    assert financial_office.resolution_unconfirmed
    assert Department.objects.resolve("出口加工区管委会").resolution_unconfirmed


@pytest.mark.django_db
def test_coordinating_offices_of_the_2016_plan_are_catalogued(catalog):
    expected = {
        "QSLG_OFFICE": "自治区质量强区工作领导小组办公室",
        "GOV_INSPECTION": "自治区政府督查室",
    }
    for code, as_written in expected.items():
        office = Department.objects.resolve(as_written)
        assert office is not None and office.code == code
        assert office.kind == "coordinating_office"
        assert office.is_current
        assert office.resolution_unconfirmed
        assert {(s["document"], s["clause"]) for s in office.sources} == {("plan-2016", "三（三）")}
    assert set(
        Department.objects.filter(kind="coordinating_office").values_list("code", flat=True)
    ) == set(expected)


@pytest.mark.django_db
def test_the_action_plans_closing_duty_is_a_task_of_the_market_regulator(catalog):
    task = Task.objects.get(code="AP_G_END")
    assert task.document.code == "action-plan-2023" and task.clause == "三（结语）"
    assert task.quote.startswith("市场监管局要会同有关部门加强统筹协调")
    assert "政府质量工作考核" in task.quote
    (responsibility,) = Responsibility.objects.filter(task=task)
    assert responsibility.department_as_written == "市场监管局"
    assert responsibility.role == "lead"
    assert responsibility.current_department.code == "AMR"
