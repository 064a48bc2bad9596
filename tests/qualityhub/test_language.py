import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from departments.models import Department
from indicators.catalog import catalog_problems, read_catalog
from indicators.models import Indicator, Task
from indicators.units import unit_en, unit_label
from tests.factories import (
    UserFactory,
    department_member,
    office_user,
    qualitative_report,
    reported_value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return client


def test_chinese_is_shown_even_to_a_browser_that_prefers_english(staff_client):
    url = reverse("admin:indicators_indicator_changelist")
    response = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "指标" in page and "English" in page  # the switch offers English


def test_english_is_available_through_the_language_switch(staff_client):
    response = staff_client.post(
        reverse("set_language"), {"language": "en", "next": "/admin/"}, follow=False
    )
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = staff_client.get(reverse("admin:indicators_indicator_changelist")).content.decode()
    assert "Select Indicator to change" in page
    assert "中文" in page
    page = staff_client.get(reverse("admin:indicators_target_changelist")).content.decode()
    assert "Comparator" in page and "Target year" in page


def test_periods_and_the_two_senses_of_quarter_read_right_in_english(staff_client):
    from django.utils import translation

    from indicators.choices import Frequency
    from reports.periods import Period

    with translation.override("en"):
        assert Period.parse("2024Q3").label == "2024 Q3"
        assert Period.parse("2024S1").label == "2024 H1" and Period.parse("2024").label == "2024"
        assert str(Frequency.QUARTERLY.label) == "Quarterly"
    with translation.override("zh-hans"):
        assert Period.parse("2024Q3").label == "2024年第三季度"
        assert str(Frequency.QUARTERLY.label) == "季度"
    staff_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = staff_client.get(reverse("reports:overview") + "?period=2026Q3").content.decode()
    assert "2026 Q3" in page and "Quarter<input" in page and "2026年第三季度" not in page


# --- Names, units and history in the interface's language ---------------------------------------

BRANDS_ZH = "具有影响力的区域公用品牌"
BRANDS_EN = "Influential regional public brands"
AGRI_ZH = "内蒙古自治区农牧厅"
AGRI_EN = "Department of Agriculture and Animal Husbandry of Inner Mongolia Autonomous Region"


def _text(page: str) -> str:
    """What a reader sees: no tags, attributes, scripts or styles; whitespace folded."""
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def approved_brands():
    """12 regional brands reported by 农牧厅 for 2026Q2: created, submitted and approved."""
    return reported_value(
        indicator=Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS"),
        department=Department.objects.get(code="AGRI"),
        period="2026Q2",
        value="12",
        state="approved",
    )


def test_english_value_history_shows_english_names_units_actions_and_states(
    client, approved_brands
):
    client.force_login(office_user())
    url = reverse("reports:value_detail", args=[approved_brands.pk])
    page = _text(_english(client).get(url).content.decode())
    assert BRANDS_EN in page and AGRI_EN in page
    assert BRANDS_ZH not in page and AGRI_ZH not in page
    assert "12 units" in page and "12 个" not in page
    history = page[page.index("Change history") :]
    assert "Created" in history and "Submitted" in history and "Approved" in history
    assert "— → Draft" in history and "Draft → Submitted" in history
    assert "Submitted → Approved" in history
    for raw in (" create ", " submit ", " approve ", "draft →", "submitted →"):
        assert raw not in history


def test_chinese_value_history_shows_chinese_actions_and_states(client, approved_brands):
    client.force_login(office_user())
    page = _text(
        client.get(reverse("reports:value_detail", args=[approved_brands.pk])).content.decode()
    )
    history = page[page.index("修改记录") :]
    assert "创建" in history and "提交" in history and "审核通过" in history
    assert "草稿 → 已提交" in history and "已提交 → 已审核通过" in history
    for raw in ("create", "submit", "approve", "draft", "submitted", "approved"):
        assert raw not in history


def test_qualitative_history_shows_labels_not_codes(client):
    agri = Department.objects.get(code="AGRI")
    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    report = qualitative_report(
        department=agri, period="2025Q4", task=task, status="in_progress", state="approved"
    )
    client.force_login(office_user())
    url = reverse("reports:qualitative_detail", args=[report.pk])
    page = _text(client.get(url).content.decode())
    history = page[page.index("修改记录") :]
    assert "提交" in history and "审核通过" in history and "已提交 → 已审核通过" in history
    assert "推进中" in history and "in_progress" not in history and "submit" not in history
    page = _text(_english(client).get(url).content.decode())
    history = page[page.index("Change history") :]
    assert "Submitted → Approved" in history and "In progress" in history


def test_english_indicator_page_shows_english_names_and_units(client, approved_brands):
    client.force_login(office_user())
    url = reverse("reports:indicator", args=["REGIONAL_PUBLIC_BRANDS"])
    page = _text(_english(client).get(url).content.decode())
    assert f"<h1>{BRANDS_EN}</h1>" in _english(client).get(url).content.decode()
    assert "Unit：units" in page and "≥ 50 units" in page
    assert AGRI_EN in page and "Inner Mongolia Intellectual Property Administration" in page
    assert "Outline for Building a Quality-Strong Region" in page
    assert BRANDS_ZH not in page.replace(f"“培育{BRANDS_ZH}50个”", "")  # the quote stays Chinese
    assert AGRI_ZH not in page


def test_english_department_form_shows_english_names_units_and_states(client, approved_brands):
    client.force_login(department_member(Department.objects.get(code="AGRI")))
    page = _text(_english(client).get(reverse("reports:form") + "?period=2026Q3").content.decode())
    assert f"{AGRI_EN} · 2026 Q3" in page
    assert BRANDS_EN in page and BRANDS_ZH not in page
    assert "Number of geographical indications 2026 Q3 items" in page  # 件
    assert "Not reported" in page and "未填报" not in page


def test_the_same_pages_stay_chinese_in_chinese_mode(client, approved_brands):
    client.force_login(department_member(Department.objects.get(code="AGRI")))
    page = _text(client.get(reverse("reports:form") + "?period=2026Q3").content.decode())
    assert f"{AGRI_ZH} · 2026年第三季度" in page and BRANDS_ZH in page
    assert "未填报" in page and BRANDS_EN not in page and AGRI_EN not in page


@pytest.mark.parametrize(
    ("unit", "english"),
    [
        ("%", "%"),
        ("个", "units"),
        ("万件", "10,000 items"),
        ("万个", "10,000 units"),
        ("亿元", "100 million yuan"),
        ("家", "organisations"),
        ("项", "items"),
        ("万户", "10,000 households"),
        ("万千瓦时", "10,000 kWh"),
        ("立方米", "立方米"),  # not in the table: shown as stored
        ("", ""),
    ],
)
def test_units_read_in_the_interfaces_language(unit, english):
    with translation.override("en"):
        assert unit_label(unit) == english
    with translation.override("zh-hans"):
        assert unit_label(unit) == unit


def test_every_catalogue_unit_has_an_english_reading():
    units = set(Indicator.objects.exclude(unit="").values_list("unit", flat=True))
    assert units, "the catalogue was not loaded"
    assert {u for u in units if unit_en(u) == u and u not in ("%",)} == set()


def test_names_fall_back_to_chinese_where_there_is_no_english():
    department = Department(code="X", name_zh="某部门", short_name_zh="某", name_en="")
    indicator = Indicator(code="X", name_zh="某指标", name_en="")
    with translation.override("en"):
        assert department.display_name == "某部门" and str(department) == "某"
        assert indicator.display_name == "某指标" and str(indicator) == "某指标"
        department.name_en = indicator.name_en = "Something"
        assert str(department) == department.display_name == "Something"
        assert str(indicator) == "Something"
    with translation.override("zh-hans"):
        assert str(department) == "某" and department.display_name == "某部门"
        assert str(indicator) == indicator.display_name == "某指标"


def test_chinese_admin_names_third_party_apps_and_models_in_chinese(client):
    client.force_login(UserFactory(username="root-zh", is_staff=True, is_superuser=True))
    page = _text(client.get("/admin/").content.decode())
    assert "登录防护" in page and "登录尝试" in page and "登录日志" in page
    assert "认证和授权" in page
    for english in ("Axes", "AXES", "Access attempts", "Access logs", "Access failures"):
        assert english not in page
    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in page
    page = _text(client.get("/admin/axes/accesslog/").content.decode())
    assert "尝试时间" in page and "退出时间" in page and "用户名" in page
    for english in ("Attempt Time", "Logout Time", "IP Address", "User Agent", "access log"):
        assert english not in page
    page = _text(client.get("/admin/axes/accessattempt/").content.decode())
    assert "已锁定" in page and "Locked Out" not in page


def test_chinese_admin_names_permissions_in_chinese(client):
    client.force_login(UserFactory(username="root-perm", is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:auth_group_add")).content.decode()
    assert "登录防护 | 登录尝试 | 可增加登录尝试" in page
    assert "Can add" not in page and "Can view" not in page


def test_chinese_history_in_the_admin_shows_action_labels(client, approved_brands):
    client.force_login(UserFactory(username="root-hist", is_staff=True, is_superuser=True))
    page = _text(
        client.get(reverse("admin:reports_reportedvaluechange_changelist")).content.decode()
    )
    assert "创建" in page and "提交" in page and "审核通过" in page
    assert " create " not in page and " approve " not in page
    assert "全部 创建 修改 提交 审核通过 退回 重新打开" in page  # the filter, by label
    url = reverse("admin:reports_reportedvaluechange_changelist") + "?action__exact=approve"
    html = client.get(url).content.decode()
    results = html[html.index('id="result_list"') :]
    results = results[: results.index("</table>")]
    assert results.count("<tr") == 2  # the header and the one approval
    assert "审核通过" in _text(results) and "创建" not in _text(results)


def test_the_catalogue_refuses_english_names_that_do_not_say_where_they_come_from():
    fixtures = settings.BASE_DIR / "fixtures"
    catalog = read_catalog(fixtures / "catalog")
    assert catalog_problems(catalog, fixtures / "sources") == []
    department, indicator, other = catalog.departments[0], *catalog.indicators[:2]
    del department["name_en_basis"]
    indicator["name_en_basis"] = "official"  # but no document quoted for it
    other["name_en_source"] = {"document": "outline-2023", "clause": "一", "quote": "x"}
    problems = "\n".join(catalog_problems(catalog, fixtures / "sources"))
    assert f"department {department['code']}: name_en_basis None" in problems
    assert f"indicator {indicator['code']}: an official name_en needs a name_en_source" in problems
    assert f"indicator {other['code']}: name_en_source is for an official name_en only" in problems
