"""A department whose resolution to today's department is unconfirmed is marked 「待确认」, with
the reason, wherever it is shown as responsible; a coordinating office is marked 「协调机构」; a
confirmed department carries no mark. The data is built here, not read from the catalogue."""

import csv
import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from api.services import api_token_create
from departments.choices import DepartmentKind, DepartmentStatus
from departments.marks import department_marks, marks_of
from indicators.models import Responsibility
from reports.assessment.render import render_csv, render_html, render_xlsx
from reports.assessment.selectors import final_assessment
from reports.periods import Period
from reports.scorecards import render as scorecard_render
from reports.scorecards.data import scorecard_data
from tests.api.conftest import ApiClient
from tests.factories import (
    DepartmentFactory,
    DocumentFactory,
    IndicatorFactory,
    TargetFactory,
    reported_value,
    scorecard,
)

from .conftest import QUARTER

pytestmark = pytest.mark.django_db

MOVED = "2023年改革后自治区的新名称和挂牌日期未能查到。"
KEPT = "职责的承接部门未能确认。"
YEAR = 2026


@pytest.fixture
def marked(catalog):
    """A plan naming four departments for one indicator: a historical one whose step to today's
    is unconfirmed (``moved``, now ``successor``), a current one whose own resolution is
    unconfirmed (``kept``), a coordinating office and a confirmed department."""
    successor = DepartmentFactory(code="T_FIN_NEW", name_zh="测试地方金融管理局")
    moved = DepartmentFactory(
        code="T_FIN_OLD",
        name_zh="测试地方金融监督管理局",
        status=DepartmentStatus.HISTORICAL,
        successor=successor,
        unconfirmed=MOVED,
    )
    kept = DepartmentFactory(code="T_KEPT", name_zh="测试待确认部门", unconfirmed=KEPT)
    office = DepartmentFactory(
        code="T_COORD",
        name_zh="测试质量强区工作领导小组办公室",
        kind=DepartmentKind.COORDINATING_OFFICE,
    )
    plain = DepartmentFactory(code="T_PLAIN", name_zh="测试已确认部门")
    document = DocumentFactory(issued_year=2025, horizon_years=[YEAR])
    indicator = IndicatorFactory(code="T_MARKED", name_zh="测试标记指标")
    TargetFactory(indicator=indicator, document=document, year=YEAR)
    for department, role in ((moved, "lead"), (kept, "responsible"), (office, "support")):
        Responsibility.objects.create(
            indicator=indicator,
            department=department,
            department_as_written=department.name_zh,
            role=role,
            document=document,
            clause="一（一）",
            quote="测试",
        )
    Responsibility.objects.create(
        indicator=indicator,
        department=plain,
        department_as_written=plain.name_zh,
        role="responsible",
        document=document,
        clause="一（二）",
        quote="测试",
    )
    return SimpleNamespace(
        successor=successor,
        moved=moved,
        kept=kept,
        office=office,
        plain=plain,
        indicator=indicator,
        document=document,
    )


def unconfirmed_titles(html: str) -> list[str]:
    """The reasons (title attributes) of the 「待确认」 badges in ``html``."""
    return re.findall(r'class="state department-unconfirmed" title="([^"]*)"', html)


def kinds(html: str) -> list[str]:
    return re.findall(r'class="state department-kind">([^<]*)<', html)


def section(html: str, element_id: str) -> str:
    """The table with ``element_id``, up to its end."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</table>", start)]


# --- The marks -----------------------------------------------------------------------------------


def test_the_marks_follow_the_chain_of_successors_in_a_fixed_number_of_queries(
    marked, django_assert_num_queries
):
    with django_assert_num_queries(2):
        marks = department_marks()
    assert marks[marked.moved.pk].reasons == (MOVED,)
    assert marks[marked.moved.pk].text() == f"（待确认：{MOVED}）"
    assert not marks[marked.successor.pk]  # today's department itself is confirmed
    assert marks[marked.kept.pk].unconfirmed
    assert marks[marked.office.pk].coordinating and not marks[marked.office.pk].unconfirmed
    assert marks[marked.office.pk].text() == "（协调机构）"
    assert not marks[marked.plain.pk]
    assert marks_of([marked.moved])[marked.moved.pk] == marks[marked.moved.pk]


# --- Pages ---------------------------------------------------------------------------------------


def test_the_indicator_pages_responsibilities_carry_the_marks(people, login, marked):
    html = (
        login(people.office)
        .get(reverse("reports:indicator", args=[marked.indicator.code]))
        .content.decode()
    )
    table = section(html, "responsibilities")
    assert sorted(unconfirmed_titles(table)) == sorted([MOVED, KEPT])
    assert kinds(table) == ["协调机构"]
    row = next(r for r in table.split("<tr>") if marked.plain.name_zh in r)
    assert "department-" not in row


def test_the_department_form_marks_a_basis_named_under_an_unconfirmed_department(
    people, login, marked
):
    client = login(people.office)
    url = reverse("reports:form") + f"?period={QUARTER}&department="
    successor = client.get(url + marked.successor.code).content.decode()
    assert unconfirmed_titles(successor) == [MOVED]  # the basis; the heading is unmarked
    kept = client.get(url + marked.kept.code).content.decode()
    heading = kept[kept.index("<h1>") : kept.index("</h1>")]
    assert unconfirmed_titles(heading) == [KEPT]
    assert KEPT in unconfirmed_titles(kept[kept.index("</h1>") :])  # and its basis
    office = client.get(url + marked.office.code).content.decode()
    assert kinds(office[office.index("<h1>") : office.index("</h1>")]) == ["协调机构"]
    plain = client.get(url + marked.plain.code).content.decode()
    assert marked.indicator.name_zh in plain
    assert unconfirmed_titles(plain) == [] and kinds(plain) == []


def test_the_department_page_marks_its_heading(people, login, marked):
    client = login(people.office)

    def heading(department) -> str:
        html = client.get(reverse("reports:department", args=[department.code])).content.decode()
        return html[html.index("<h1>") : html.index("</h1>")]

    assert unconfirmed_titles(heading(marked.kept)) == [KEPT]
    assert kinds(heading(marked.office)) == ["协调机构"]
    assert "department-" not in heading(marked.plain)


def test_the_assessment_page_marks_the_departments_column(people, login, marked):
    html = (
        login(people.office).get(reverse("reports:assessment") + f"?year={YEAR}").content.decode()
    )
    start = html.index(f'data-indicator="{marked.indicator.code}"')
    row = html[start : html.index("</tr>", start)]
    assert sorted(unconfirmed_titles(row)) == sorted([MOVED, KEPT])
    assert kinds(row) == ["协调机构"]
    # Named by today's name, with the document's wording.
    assert f"{marked.successor.name_zh}（牵头；原文：{marked.moved.name_zh}）" in row
    assert f"{marked.plain.name_zh}（负责）</div>" in row


def test_the_assessment_files_write_the_marks_out(marked):
    assessment = final_assessment(YEAR)
    row = next(r for r in assessment.rows if r.indicator.code == marked.indicator.code)
    expected = [
        f"{marked.successor.name_zh}（牵头；原文：{marked.moved.name_zh}；待确认：{MOVED}）",
        f"{marked.kept.name_zh}（负责；待确认：{KEPT}）",
        f"{marked.plain.name_zh}（负责）",
        f"{marked.office.name_zh}（配合；协调机构）",
    ]
    assert sorted(d.text for d in row.departments) == sorted(expected)

    csv_row = next(
        r
        for r in csv.DictReader(io.StringIO(render_csv(assessment).decode("utf-8")))
        if r["indicator_code"] == marked.indicator.code
    )
    assert sorted(csv_row["departments"].split("、")) == sorted(expected)

    sheet = load_workbook(io.BytesIO(render_xlsx(assessment))).active
    cells = [r for r in sheet.iter_rows(values_only=True) if marked.indicator.code in r]
    assert sorted(cells[0][13].split("、")) == sorted(expected)

    printed = render_html(assessment)  # the page the PDF is printed from: no tooltips
    for text in expected:
        assert text in printed


def test_the_scorecard_header_carries_the_marks(marked, people, login):
    quarter = Period.parse(QUARTER)
    kept = scorecard_data(marked.kept, quarter)
    assert f"（待确认：{KEPT}）" in scorecard_render.render_html(kept)
    title = load_workbook(io.BytesIO(scorecard_render.render_xlsx(kept))).active["A1"].value
    assert title.startswith(f"{marked.kept.name_zh}（待确认：{KEPT}） · ")
    office = scorecard_data(marked.office, quarter)
    assert "（协调机构）" in scorecard_render.render_html(office)
    plain = scorecard_render.render_html(scorecard_data(marked.plain, quarter))
    assert "待确认" not in plain and "协调机构" not in plain

    stored = scorecard(department=marked.kept, period=QUARTER)
    html = (
        login(people.office)
        .get(reverse("reports:scorecard_detail", args=[stored.pk]))
        .content.decode()
    )
    assert unconfirmed_titles(html[html.index("<h1>") : html.index("</h1>")]) == [KEPT]


def test_the_completeness_page_marks_the_departments(people, login, marked):
    html = (
        login(people.office)
        .get(reverse("reports:completeness") + f"?period={QUARTER}")
        .content.decode()
    )

    def row(department) -> str:
        start = html.index(f'data-department="{department.code}"')
        return html[start : html.index("</tr>", start)]

    assert unconfirmed_titles(row(marked.kept)) == [KEPT]
    assert "department-" not in row(marked.plain)
    assert f'data-department="{marked.office.code}"' not in html  # support only: nothing due


def test_the_admin_list_shows_which_resolutions_are_unconfirmed(people, login, marked):
    html = (
        login(people.admin)
        .get(reverse("admin:departments_department_changelist") + "?q=T_")
        .content.decode()
    )

    def row(department) -> str:
        start = html.index(f">{department.code}</a>")
        return html[start : html.index("</tr>", start)]

    assert "icon-yes" in row(marked.moved) and "icon-yes" in row(marked.kept)
    assert "icon-no" in row(marked.plain)


# --- The API -------------------------------------------------------------------------------------


def api_client(user) -> ApiClient:
    _token, key = api_token_create(user=user, name="tests")
    return ApiClient(key)


def test_the_api_gives_each_departments_kind_and_unconfirmed_resolution(people, marked):
    client = api_client(people.office)
    rows = {
        d["code"]: d
        for d in client.get("/api/v1/departments/", {"page_size": 1000}).json()["results"]
    }
    moved = rows[marked.moved.code]
    assert moved["unconfirmed"] == MOVED
    assert moved["resolution_unconfirmed"] is True
    assert moved["unconfirmed_reasons"] == [MOVED]
    assert moved["kind"] == "department"
    assert rows[marked.successor.code]["resolution_unconfirmed"] is False
    assert rows[marked.office.code]["kind"] == "coordinating_office"
    assert rows[marked.plain.code]["unconfirmed"] == ""
    assert rows[marked.plain.code]["unconfirmed_reasons"] == []

    one = client.get(f"/api/v1/departments/{marked.moved.code}/").json()
    assert one["unconfirmed_reasons"] == [MOVED]

    responsibilities = client.get(
        "/api/v1/responsibilities/", {"indicator": marked.indicator.code, "page_size": 100}
    ).json()["results"]
    by_department = {r["department"]: r for r in responsibilities}
    assert by_department[marked.moved.code]["resolution_unconfirmed"] is True
    assert by_department[marked.moved.code]["unconfirmed_reasons"] == [MOVED]
    assert by_department[marked.moved.code]["current_department"] == marked.successor.code
    assert by_department[marked.office.code]["department_kind"] == "coordinating_office"
    assert by_department[marked.plain.code]["resolution_unconfirmed"] is False


def test_the_api_assessment_marks_its_departments(people, marked):
    client = api_client(people.office)
    rows = client.get("/api/v1/assessment/", {"year": YEAR, "page_size": 1000}).json()["results"]
    row = next(r for r in rows if r["indicator"] == marked.indicator.code)
    named = {d["department"]: d for d in row["departments"]}
    assert named[marked.successor.code]["resolution_unconfirmed"] is True
    assert named[marked.successor.code]["unconfirmed_reasons"] == [MOVED]
    assert named[marked.office.code]["kind"] == "coordinating_office"
    assert named[marked.plain.code]["resolution_unconfirmed"] is False
    assert named[marked.plain.code]["unconfirmed_reasons"] == []


def test_the_inbox_and_the_value_page_mark_the_department(people, login, marked):
    rv = reported_value(
        indicator=marked.indicator,
        department=marked.kept,
        period=f"{YEAR}Q2",
        value="50",
        state="submitted",
    )
    client = login(people.office)
    inbox = client.get(reverse("reports:inbox")).content.decode()
    row = next(r for r in inbox.split("<tr") if f'data-department="{marked.kept.code}"' in r)
    assert unconfirmed_titles(row) == [KEPT]
    page = client.get(reverse("reports:value_detail", args=[rv.pk])).content.decode()
    assert unconfirmed_titles(page) == [KEPT]
