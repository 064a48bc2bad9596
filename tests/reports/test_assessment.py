"""The final assessment of an ended plan: the table, its page, its downloads and its command."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import Department
from indicators.choices import Comparator
from indicators.models import Indicator, ReportingAssignment, Target
from reports.assessment.render import CSV_COLUMNS
from reports.assessment.selectors import clause_key, final_assessment
from tests.conftest import run_manage
from tests.factories import (
    DocumentFactory,
    IndicatorFactory,
    TargetFactory,
    qualitative_report,
    reported_value,
)

pytestmark = pytest.mark.django_db


def rows_of(assessment, code: str) -> dict[str, object]:
    """The rows of one indicator, by document code."""
    return {r.target.document.code: r for r in assessment.rows if r.indicator.code == code}


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


@pytest.fixture
def amr(catalog):
    return Department.objects.get(code="AMR")


@pytest.fixture
def mfg(catalog):
    return Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")


# --- The table -----------------------------------------------------------------------------------


def test_every_2025_target_of_both_documents_is_a_row(catalog):
    assessment = final_assessment(2025, today=dt.date(2026, 3, 1))
    expected = set(
        Target.objects.filter(year=2025).values_list("document__code", "indicator__code")
    )
    got = [(r.target.document.code, r.indicator.code) for r in assessment.rows]
    assert len(got) == len(expected) == len(set(got))
    assert set(got) == expected
    assert [s.document.code for s in assessment.sections] == ["action-plan-2023", "outline-2023"]
    assert assessment.ended


def test_manufacturing_pass_rate_is_assessed_in_both_documents(mfg):
    rows = rows_of(final_assessment(2025), mfg.code)
    assert set(rows) == {"outline-2023", "action-plan-2023"}
    for row in rows.values():
        assert row.last_value == Decimal("93.71") and row.last_period == "2023"
        assert row.target.value == Decimal("96.5")
        assert row.gap == Decimal("2.79")
        assert row.percent_of_target == Decimal("97.11")
        assert row.met is False


def test_a_figure_after_the_deadline_is_not_the_last_value(mfg, amr):
    reported_value(indicator=mfg, department=amr, period="2026Q1", value="97", state="entered")
    row = rows_of(final_assessment(2025), mfg.code)["outline-2023"]
    assert (row.last_value, row.last_period, row.met) == (Decimal("93.71"), "2023", False)


def test_a_figure_at_the_deadline_meets_the_target_and_is_achieved(mfg, amr):
    reported_value(indicator=mfg, department=amr, period="2025Q3", value="95", state="entered")
    reported_value(indicator=mfg, department=amr, period="2025Q4", value="96.8", state="entered")
    row = rows_of(final_assessment(2025), mfg.code)["outline-2023"]
    assert (row.last_value, row.last_period) == (Decimal("96.8"), "2025Q4")
    assert row.met is True and row.status == "achieved"
    assert row.gap == Decimal("-0.3")  # negative: the target is exceeded


def test_an_unmet_target_at_the_deadline_is_off_track(mfg, amr):
    """The method: a target year that has ended without the target met is off track."""
    reported_value(indicator=mfg, department=amr, period="2025Q4", value="94.5", state="entered")
    row = rows_of(final_assessment(2025), mfg.code)["action-plan-2023"]
    assert row.met is False and row.status == "off_track"
    assert row.gap == Decimal("2")


def test_only_approved_figures_count(mfg, amr):
    reported_value(indicator=mfg, department=amr, period="2025Q4", value="99", state="submitted")
    row = rows_of(final_assessment(2025), mfg.code)["outline-2023"]
    assert row.last_value == Decimal("93.71")


def test_the_region_figure_is_the_region_rules_not_any_departments(mfg, amr):
    """The region's figure is the region department's (AMR reports the pass rate), so another
    department's figure for the same period is not the region's."""
    other = Department.objects.get(code="MIIT")
    reported_value(indicator=mfg, department=other, period="2025Q4", value="99", state="entered")
    row = rows_of(final_assessment(2025), mfg.code)["outline-2023"]
    assert row.last_value == Decimal("93.71")
    # Its own table does not list the target (no document names it for the pass rate), and the
    # region department's own table shows the region department's figure.
    assert rows_of(final_assessment(2025, department=other), mfg.code) == {}
    assert rows_of(final_assessment(2025, department=amr), mfg.code)["outline-2023"].last_value == (
        Decimal("93.71")
    )


def test_a_department_sees_the_targets_it_is_named_for_with_its_own_figures(amr, mfg):
    table = final_assessment(2025, department=amr)
    codes = {r.indicator.code for r in table.rows}
    assert mfg.code in codes
    assert "DRUG_SAMPLING_PASS_RATE" not in codes  # the drug administration's
    assert all(any(d.department_id == amr.pk for d in r.departments) for r in table.rows)
    # 工信厅's own published figure for the innovative SMEs, in the plan that names it.
    miit = Department.objects.get(code="MIIT")
    smes = rows_of(final_assessment(2025, department=miit), "INNOVATIVE_SMES")
    assert (smes["action-plan-2023"].last_value, smes["action-plan-2023"].met) == (629, True)
    drugs = Department.objects.get(code="MPA")
    assert "DRUG_SAMPLING_PASS_RATE" in {
        r.indicator.code for r in final_assessment(2025, department=drugs).rows
    }


def test_departments_are_named_by_todays_name_with_the_documents_wording(catalog):
    """2016's 自治区质监局 is today's market regulation administration; the wording is kept."""
    row = rows_of(final_assessment(2020), "P16_INDUSTRIAL_PRODUCT_SPOT_CHECK_PASS_RATE")
    text = row["plan-2016"].departments_text
    assert text == "内蒙古自治区市场监督管理局（负责；原文：自治区质监局）"


def test_a_target_whose_document_names_no_department_shows_the_offices_assignment(mfg):
    row = rows_of(final_assessment(2025), mfg.code)["outline-2023"]
    assert row.departments_text == "内蒙古自治区市场监督管理局（办公室指定；负责）"


def test_2020_qualitative_targets_show_their_last_approved_status(catalog, amr):
    indicator = Indicator.objects.get(code="P16_MANDATORY_STANDARD_COMPLIANCE")
    qualitative_report(
        indicator=indicator,
        department=amr,
        period="2020",
        status="in_progress",
        state="approved",
    )
    row = rows_of(final_assessment(2020), indicator.code)["plan-2016"]
    assert (row.last_period, row.status, row.met) == ("2020", "in_progress", False)
    assert row.status_label == "推进中"
    assert row.last_value is None and row.gap is None
    untouched = rows_of(final_assessment(2020), "P16_CO2_PER_GDP")["plan-2016"]
    assert (untouched.status, untouched.met, untouched.status_label) == ("", None, "未报告")


def test_a_2030_target_is_assessed_once_loaded(catalog, amr):
    plan = DocumentFactory(code="plan-15th", issued_year=2026, horizon_years=[2030])
    indicator = IndicatorFactory(unit="%", code="T_2030_RATE")
    lower = IndicatorFactory(unit="天", code="T_2030_DAYS", max_value=None)
    TargetFactory(indicator=indicator, document=plan, year=2030, value=Decimal("95"))
    TargetFactory(
        indicator=lower, document=plan, year=2030, value=Decimal("10"), comparator=Comparator.LTE
    )
    for ind in (indicator, lower):
        ReportingAssignment.objects.create(
            indicator=ind, department=amr, role="responsible", basis="测试"
        )
    reported_value(
        indicator=indicator, department=amr, period="2030Q4", value="90", state="entered"
    )
    reported_value(indicator=lower, department=amr, period="2030Q4", value="12.5", state="entered")

    assessment = final_assessment(2030, today=dt.date(2031, 2, 1))
    assert assessment.ended
    rate = rows_of(assessment, "T_2030_RATE")["plan-15th"]
    days = rows_of(assessment, "T_2030_DAYS")["plan-15th"]
    assert (rate.indicator, rate.gap, rate.met, rate.status) == (indicator, 5, False, "off_track")
    assert rate.percent_of_target == Decimal("94.74")
    # A lower-is-better target: the gap is how far above it the figure is.
    assert (days.gap, days.percent_of_target, days.met) == (Decimal("2.5"), Decimal("80"), False)
    assert not final_assessment(2030, today=dt.date(2030, 6, 1)).ended


def test_clauses_are_in_the_documents_order():
    clauses = ["十（三）", "二（一）2", "一（二）", "二（一）10", "八（二十三）", "四（十）"]
    assert sorted(clauses, key=clause_key) == [
        "一（二）",
        "二（一）2",
        "二（一）10",
        "四（十）",
        "八（二十三）",
        "十（三）",
    ]


def test_the_table_is_read_in_a_fixed_number_of_queries(catalog, amr):
    """One query per kind of row, however many targets and figures a year has."""

    def queries(department=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            final_assessment(2025, department=department)
        return len(captured)

    before, before_amr = queries(), queries(amr)
    plan = DocumentFactory(issued_year=2023)
    for n in range(3):
        target = TargetFactory(document=plan, year=2025, value=Decimal("50"))
        ReportingAssignment.objects.create(
            indicator=target.indicator, department=amr, role="responsible", basis="测试"
        )
        reported_value(
            indicator=target.indicator, department=amr, period="2025Q4", value=n, state="entered"
        )
    assert len(final_assessment(2025, department=amr).rows) > 3
    assert (queries(), queries(amr)) == (before, before_amr)
    assert before <= 12 and before_amr <= 8


# --- The page and its downloads ------------------------------------------------------------------


def test_the_office_sees_both_documents_region_wide(people, login):
    response = login(people.office).get(reverse("reports:assessment") + "?year=2025")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-document="outline-2023"' in page and 'data-document="action-plan-2023"' in page
    assert page.count('data-indicator="MFG_PRODUCT_PASS_RATE"') == 2
    assert "93.71" in page and "2.79" in page and "未实现" in page
    assert "最近审核通过值" in page and "责任部门" in page


def test_the_office_filters_to_one_department(people, login):
    response = login(people.office).get(
        reverse("reports:assessment") + "?year=2025&department=AGRI"
    )
    assert response.status_code == 200
    assert response.context["department"].code == "AGRI"
    assert all(
        any(d.department_id == response.context["department"].pk for d in r.departments)
        for r in response.context["assessment"].rows
    )


def test_a_department_user_sees_only_its_own_table(people, login):
    client = login(people.owner)  # 农牧厅
    response = client.get(reverse("reports:assessment"))
    assert response.status_code == 200
    assert response.context["department"].code == "AGRI"
    assert response.context["departments"] == []  # no choice of department
    assert client.get(reverse("reports:assessment") + "?department=AMR").status_code == 404
    url = reverse("reports:assessment_file", args=["csv"]) + "?year=2025&department=AMR"
    assert client.get(url).status_code == 404


def test_the_default_year_is_the_last_ended_one_and_a_bad_year_is_said(people, login):
    client = login(people.office)
    assert client.get(reverse("reports:assessment")).context["year"] == 2025
    response = client.get(reverse("reports:assessment") + "?year=abc")
    assert response.status_code == 200 and response.context["year"] == 2025
    assert "“abc”年没有目标" in response.content.decode()
    bad = reverse("reports:assessment_file", args=["xlsx"]) + "?year=1999"
    assert client.get(bad).status_code == 404
    assert client.get(reverse("reports:assessment_file", args=["doc"])).status_code == 404


def test_the_xlsx_has_chinese_headers_and_every_target(people, login):
    url = reverse("reports:assessment_file", args=["xlsx"]) + "?year=2025"
    response = login(people.office).get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "文件"))
    assert rows[header][:4] == ("文件", "条款", "指标代码", "指标")
    body = [r for r in rows[header + 1 :] if r and r[0]]
    assert len(body) == Target.objects.filter(year=2025).count()
    mfg = [r for r in body if r[2] == "MFG_PRODUCT_PASS_RATE"]
    assert len(mfg) == 2
    assert all((r[7], r[9], r[10]) == (93.71, "未实现", 2.79) for r in mfg)


def test_the_csv_download_is_the_commands_table(people, login, tmp_path):
    url = reverse("reports:assessment_file", args=["csv"]) + "?year=2025"
    downloaded = login(people.office).get(url).content
    call_command("export_assessment", year=2025, format="csv", output=tmp_path / "a.csv")
    assert downloaded == (tmp_path / "a.csv").read_bytes()


def test_the_pdf_is_printed(people, login):
    url = reverse("reports:assessment_file", args=["pdf"]) + "?year=2020"
    response = login(people.office).get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


# --- The command ---------------------------------------------------------------------------------


def test_command_writes_one_row_per_target_with_the_columns_named(catalog, tmp_path):
    call_command("export_assessment", year=2025, format="csv", output=tmp_path / "a.csv")
    data = (tmp_path / "a.csv").read_bytes()
    assert data.decode().splitlines()[0] == ",".join(CSV_COLUMNS)
    rows = read_csv(data)
    assert len(rows) == Target.objects.filter(year=2025).count()
    mfg = [r for r in rows if r["indicator_code"] == "MFG_PRODUCT_PASS_RATE"]
    assert {r["document"] for r in mfg} == {"outline-2023", "action-plan-2023"}
    for r in mfg:
        assert (r["last_value"], r["target_value"], r["gap"], r["met"]) == (
            "93.71",
            "96.5",
            "2.79",
            "false",
        )
        assert (r["last_period"], r["percent_of_target"], r["target_year"]) == (
            "2023",
            "97.11",
            "2025",
        )


def test_command_xlsx_and_refusals(catalog, tmp_path):
    call_command("export_assessment", year=2020, format="xlsx", output=tmp_path / "a.xlsx")
    assert load_workbook(tmp_path / "a.xlsx").active["A1"].value.startswith("2020")
    with pytest.raises(CommandError, match="2019 年没有目标"):
        call_command("export_assessment", year=2019)
    with pytest.raises(CommandError, match="NOPE"):
        call_command("export_assessment", year=2025, department="NOPE")


@pytest.mark.django_db(transaction=True)
def test_manage_py_export_assessment_on_the_loaded_catalogue(reload_catalog):
    """The command as the office runs it, in its own process, on the loaded catalogue."""
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )
    result = run_manage(
        "export_assessment", "--year", "2025", "--format", "csv", env={"DATABASE_URL": url}
    )
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == Target.objects.filter(year=2025).count()
    mfg = [r for r in rows if r["indicator_code"] == "MFG_PRODUCT_PASS_RATE"]
    assert [(r["last_value"], r["target_value"], r["gap"], r["met"]) for r in mfg] == [
        ("93.71", "96.5", "2.79", "false")
    ] * 2


def test_after_the_deadline_a_single_unmet_figure_is_off_track_not_insufficient_data(mfg):
    """The published 2023 figure 93.71 against 96.5 for 2025: one figure and no trend, but once
    the year is over no later figure can count."""
    ended = rows_of(final_assessment(2025, today=dt.date(2026, 3, 1)), mfg.code)
    running = rows_of(final_assessment(2025, today=dt.date(2025, 6, 1)), mfg.code)
    for code in ("outline-2023", "action-plan-2023"):
        assert (ended[code].met, ended[code].status) == (False, "off_track")
        assert (running[code].met, running[code].status) == (False, "no_data")
