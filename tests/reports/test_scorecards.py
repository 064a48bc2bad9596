"""Scorecards: content, snapshots that say when their data has changed, pages and downloads."""

import io
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import Department
from indicators.models import Indicator
from reports.choices import STATUS_ORDER, GapStatus
from reports.gaps.services import gaps_compute
from reports.models import ReportedValue, ReportingPeriod, Scorecard, ScorecardRun
from reports.periods import Period
from reports.scorecards.data import scorecard_data
from reports.scorecards.render import render_xlsx, sparkline_svg
from reports.scorecards.services import is_stale, scorecard_render, scorecard_run_progress
from reports.scorecards.tasks import scorecard_run_start

pytestmark = pytest.mark.django_db
QUARTER = Period.parse("2025Q4")


@pytest.fixture
def amr_figure(catalog):
    amr = Department.objects.get(code="AMR")
    for period, value in (("2025Q2", "92.9"), ("2025Q3", "93.2"), ("2025Q4", "93.71")):
        ReportedValue.objects.create(
            indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
            department=amr,
            period=period,
            value=Decimal(value),
            state="approved",
        )
    gaps_compute()
    return amr


def test_the_data_has_rows_counts_tasks_and_the_regional_place(amr_figure):
    data = scorecard_data(amr_figure, QUARTER)
    row = next(r for r in data["rows"] if r["code"] == "MFG_PRODUCT_PASS_RATE")
    assert row["actual"] == pytest.approx(93.71) and row["gap"] == pytest.approx(2.79)
    assert row["target"]["value"] == 96.5 and row["target"]["comparator"] == "≥"
    assert [p for p, _ in row["series"]] == ["2025Q2", "2025Q3", "2025Q4"]
    assert sum(data["counts"].values()) == len(data["rows"])
    assert data["tasks"], "AMR holds Action Plan tasks in 2025"
    assert data["rank"]["position"] >= 1 and data["rank"]["of"] >= 1


def test_overdue_items_are_listed_once_the_deadline_has_passed(amr_figure):
    ReportingPeriod.objects.create(period=QUARTER.id, deadline="2026-01-15")
    data = scorecard_data(amr_figure, QUARTER)
    names = {o["name"] for o in data["overdue"]}
    assert "制造业产品质量合格率" not in names  # approved
    assert "消费品质量合格率" in names


def test_the_sparkline_draws_the_series_and_a_dashed_target_line():
    svg = sparkline_svg([("2025Q1", 92.0), ("2025Q2", 93.0)], 96.5)
    assert svg.startswith("<svg") and "polyline" in svg and "stroke-dasharray" in svg
    assert sparkline_svg([], 96.5) == ""


def test_a_snapshot_keeps_what_it_showed_and_says_when_the_data_has_changed(
    amr_figure, people, login
):
    scorecard = scorecard_render(department=amr_figure, quarter=QUARTER)
    assert Path(scorecard.pdf.path).read_bytes().startswith(b"%PDF")
    assert "制造业产品质量合格率" in scorecard.html and "93.71" in scorecard.html
    assert not is_stale(scorecard)

    rv = ReportedValue.objects.get(period="2025Q4", indicator__code="MFG_PRODUCT_PASS_RATE")
    ReportedValue.objects.filter(pk=rv.pk).update(value=Decimal("95.1"))
    gaps_compute()
    scorecard.refresh_from_db()
    assert is_stale(scorecard)
    client = login(people.office)
    page = client.get(reverse("reports:scorecard_detail", args=[scorecard.pk])).content.decode()
    assert 'id="stale-notice"' in page
    snapshot = client.get(reverse("reports:scorecard_snapshot", args=[scorecard.pk]))
    assert "93.71" in snapshot.content.decode() and "95.1" not in snapshot.content.decode()
    pdf = client.get(reverse("reports:scorecard_file", args=[scorecard.pk, "pdf"]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]


def test_a_run_counts_its_progress(amr_figure, people):
    run = scorecard_run_start(quarter=QUARTER, acting_user=people.office, department=amr_figure)
    assert scorecard_run_progress(run) == {
        "run": run.pk,
        "period": "2025Q4",
        "total": 1,
        "done": 0,
        "failed": 0,
        "finished": False,
        "percent": 0,
    }
    scorecard_render(department=amr_figure, quarter=QUARTER, run=run)
    assert scorecard_run_progress(run)["finished"] is True


def test_the_progress_page_polls_the_run_state(amr_figure, people, login):
    run = ScorecardRun.objects.create(period="2025Q4", total=3, created_by=people.office)
    client = login(people.office)
    page = client.get(reverse("reports:scorecard_run", args=[run.pk])).content.decode()
    assert "<progress" in page and "format=json" in page
    state = client.get(reverse("reports:scorecard_run", args=[run.pk]) + "?format=json").json()
    assert state["total"] == 3 and state["done"] == 0


def test_the_office_starts_a_run_for_every_department_from_the_list(catalog, people, login):
    client = login(people.office)
    response = client.post(reverse("reports:scorecards") + "?period=2025Q4")
    run = ScorecardRun.objects.get()
    assert response["Location"] == reverse("reports:scorecard_run", args=[run.pk])
    assert run.total > 30 and run.department is None


def _cells(workbook, title):
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


def test_the_xlsx_holds_the_title_header_figures_and_counts(amr_figure):
    """The layout the scorecard xlsx has always had (before it was written by XlsxBook too)."""
    data = scorecard_data(amr_figure, QUARTER)
    workbook = load_workbook(io.BytesIO(render_xlsx(data)))
    assert workbook.sheetnames == ["记分卡", "定性任务"]
    cells = _cells(workbook, "记分卡")
    assert cells[0][0] == "内蒙古自治区市场监督管理局 · 2025年第四季度 质量强区指标记分卡"
    assert workbook["记分卡"]["A1"].font.b and workbook["记分卡"]["A1"].font.sz == 14
    assert all(v is None for v in cells[1])
    header = ["指标代码", "指标", "期间", "单位", "实际值", "目标", "目标年份", "差距", "状态"]
    assert cells[2] == header and workbook["记分卡"]["A3"].font.b
    rows = {r[0]: r for r in cells[3 : 3 + len(data["rows"])]}
    assert len(rows) == len(data["rows"])
    assert rows["MFG_PRODUCT_PASS_RATE"] == [
        "MFG_PRODUCT_PASS_RATE",
        "制造业产品质量合格率",
        "2025年第四季度",
        "%",
        93.71,
        "≥ 96.5",
        2025,
        pytest.approx(2.79),
        "偏离目标",
    ]
    counts = cells[3 + len(data["rows"]) + 1 :]
    assert counts[0][:2] == ["状态", "数量"]
    assert {r[0]: r[1] for r in counts[1:]} == {
        str(GapStatus(s).label): data["counts"][s] for s in STATUS_ORDER
    }
    assert workbook["记分卡"].column_dimensions["A"].width == 34
    tasks = _cells(workbook, "定性任务")
    assert tasks[0] == ["任务", "进展", "进展情况", "状态"]
    assert [r[0] for r in tasks[1:]] == [t["name"] for t in data["tasks"]]
    assert workbook["定性任务"].column_dimensions["C"].width == 60


def test_user_text_in_the_xlsx_is_never_a_formula(amr_figure):
    """A department, indicator, task or narrative beginning with = + - @ stays text."""
    data = scorecard_data(amr_figure, QUARTER)
    data["department"]["name"] = '=HYPERLINK("http://evil","局")'
    row = data["rows"][0]
    row["code"], row["name"], row["unit"] = "-2+3+cmd|' /C calc'!A0", "+SUM(1,2)", "@A1"
    task = data["tasks"][0]
    task["name"], task["narrative"], task["status"] = "=1+1", "@cmd", "+进展"
    workbook = load_workbook(io.BytesIO(render_xlsx(data)))
    cells = [c for sheet in workbook.worksheets for r in sheet.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert {
        "'-2+3+cmd|' /C calc'!A0",
        "'+SUM(1,2)",
        "'@A1",
        "'=1+1",
        "'@cmd",
        "'+进展",
    } <= values
    title = workbook["记分卡"]["A1"].value
    assert title.startswith("'=HYPERLINK(") and title.endswith("质量强区指标记分卡")
    figure = next(
        r for r in workbook["记分卡"].iter_rows() if r[0].value == "MFG_PRODUCT_PASS_RATE"
    )
    assert (figure[4].value, figure[4].data_type) == (93.71, "n")  # figures stay numbers


def test_the_office_renders_one_departments_scorecard(catalog, people, login):
    client = login(people.office)
    page = client.get(reverse("reports:scorecards") + "?period=2025Q4").content.decode()
    form = page.split('id="render-one"')[1].split("</form>")[0]
    assert 'value="AMR"' in form and 'name="department"' in form
    response = client.post(reverse("reports:scorecards") + "?period=2025Q4", {"department": "AMR"})
    run = ScorecardRun.objects.get()
    assert response["Location"] == reverse("reports:scorecard_run", args=[run.pk])
    assert (run.department.code, run.total, run.period) == ("AMR", 1, "2025Q4")


def test_a_department_outside_the_list_is_refused_with_a_message(catalog, people, login):
    client = login(people.office)
    response = client.post(
        reverse("reports:scorecards") + "?period=2025Q4", {"department": "NOPE"}, follow=True
    )
    assert "不是本季度有记分卡内容的部门" in response.content.decode()
    assert not ScorecardRun.objects.exists()


def test_a_department_user_renders_only_its_own_whatever_it_posts(catalog, people, login):
    client = login(people.owner)
    page = client.get(reverse("reports:scorecards") + "?period=2025Q4").content.decode()
    assert 'id="render-one"' not in page
    client.post(reverse("reports:scorecards") + "?period=2025Q4", {"department": "AMR"})
    assert ScorecardRun.objects.get().department.code == "AGRI"


def test_rows_without_data_are_counted_as_insufficient_data(catalog, people, login):
    """A quarter nobody has reported yet: every figure row of the scorecard is 数据不足, and the
    list of snapshots shows that count."""
    agri = Department.objects.get(code="AGRI")
    quarter = Period.parse("2026Q3")
    data = scorecard_data(agri, quarter)
    assert data["rows"] and data["counts"]["no_data"] == len(data["rows"])
    assert all(r["status_label"] == "数据不足" for r in data["rows"])
    snapshot = scorecard_render(department=agri, quarter=quarter)
    page = login(people.office).get(reverse("reports:scorecards") + "?period=2026Q3")
    row = page.content.decode().split('data-department="AGRI"')[1].split("</tr>")[0]
    cells = [c.split(">")[-1] for c in row.split("</td>")]
    assert cells[6] == str(len(data["rows"])) == str(snapshot.data["counts"]["no_data"])
    # The department's page lists the same rows as 数据不足 instead of leaving them out.
    page = login(people.office).get(reverse("reports:department", args=["AGRI"]) + "?period=2026Q3")
    statuses = page.content.decode().split('id="statuses"')[1].split("</table>")[0]
    assert statuses.count("数据不足") == len(data["rows"])
    assert all(r["name"] in statuses for r in data["rows"])


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_mode_the_page_returns_at_once_and_follows_the_rendering(
    reload_catalog, login, monkeypatch
):
    """Without workers (tasks in-process), the rendering runs in a thread of the web process:
    the office is sent to the progress page at once, and the page's JSON reaches 100 %."""
    from qualityhub.celery import app
    from tests.factories import office_user

    assert app.conf.task_always_eager
    monkeypatch.setenv("QUALITYHUB_RENDER_PAUSE", "2")  # each rendering takes at least 2 s
    client = login(office_user())
    started = time.monotonic()
    response = client.post(reverse("reports:scorecards") + "?period=2025Q4", {"department": "AGRI"})
    assert time.monotonic() - started < 2, "the page waited for the rendering"
    run = ScorecardRun.objects.get()
    assert response["Location"] == reverse("reports:scorecard_run", args=[run.pk])
    progress_url = reverse("reports:scorecard_run", args=[run.pk]) + "?format=json"
    assert client.get(progress_url).json()["done"] == 0
    deadline = time.monotonic() + 120
    while not (progress := client.get(progress_url).json())["finished"]:
        assert time.monotonic() < deadline, progress
        time.sleep(0.3)
    for thread in threading.enumerate():
        if thread.name.startswith("scorecard-run-"):
            thread.join(30)
    assert progress == {**progress, "done": 1, "failed": 0, "percent": 100}
    scorecard = Scorecard.objects.get(run=run)
    assert Path(scorecard.pdf.path).read_bytes().startswith(b"%PDF")
