"""Data quality on entry (docs/data-quality.md): the expected range of a department's figure,
the note it needs outside that range, the flag the reviewer sees, and the follow-up mark."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.exchange import writing
from reports.exchange.checking import parse_values_file
from reports.exchange.parsing import ImportFileError
from reports.exchange.services import import_values
from reports.exchange.writing import ImportedValue
from reports.models import ImportJob, ReportedValue, ValueBounds
from reports.periods import Period
from reports.reporting.forms import DepartmentReportForm
from reports.reporting.rules import (
    ExpectedRange,
    RuleViolation,
    expected_bounds,
    outside_bounds_reason,
)
from reports.reporting.selectors import department_form, expected_range, expected_ranges
from reports.reporting.services import (
    reported_value_followup_set,
    reported_value_save_draft,
    reported_value_write,
    row_submit,
    value_bounds_delete,
    value_bounds_set,
)
from tests.factories import reported_value
from tests.reports.conftest import QUARTER, form_data

pytestmark = pytest.mark.django_db

#: The department's approved history, 2024Q3–2026Q2: around 35.
HISTORY = [33, 34, 35, 36, 35, 34, 36, 35]
REASON = "数值 1234 超出该部门历史预期范围（约 30–40），请在说明中写明原因。"


def _earlier_quarters(n: int) -> list[str]:
    quarter, out = Period.parse(QUARTER), []
    for _ in range(n):
        quarter = quarter.previous()
        out.append(quarter.id)
    return out[::-1]


@pytest.fixture
def history(people, agri_brands):
    """农牧厅's approved figures of 区域公用品牌 for the eight quarters before QUARTER."""
    department = people.owner.membership.department
    for period, value in zip(_earlier_quarters(len(HISTORY)), HISTORY, strict=True):
        reported_value(
            indicator=agri_brands,
            department=department,
            period=period,
            value=value,
            note="历史数据",
            state="approved",
            reporter=people.owner,
            office=people.office,
        )
    return department


# --- The rule: median ± 3 × 1.4826 × MAD ----------------------------------------------------------


def test_the_bounds_are_the_median_plus_or_minus_three_scaled_mads():
    # median 35, MAD 1: 35 ± 4.4478, rounded outwards to whole numbers
    assert expected_bounds(HISTORY, decimals=0) == (Decimal(30), Decimal(40))
    assert expected_bounds(HISTORY, decimals=1) == (Decimal("30.5"), Decimal("39.5"))
    assert expected_bounds([Decimal("33.5"), 34, 35, 36], decimals=1) == (
        Decimal("31.1"),
        Decimal("37.9"),
    )


def test_ints_decimals_and_floats_are_all_accepted():
    mixed = [33, Decimal("34"), 35.0, "36", Decimal("35.000000"), 34, 36, 35]
    assert expected_bounds(mixed, decimals=0) == (Decimal(30), Decimal(40))


def test_fewer_than_four_figures_give_no_bounds():
    assert expected_bounds([], decimals=0) is None
    assert expected_bounds([35, 36, 34], decimals=0) is None
    assert expected_bounds([35, 36, None, 34], decimals=0) is None
    assert expected_bounds([35, 36, 34, 35], decimals=0) is not None


def test_only_the_latest_twelve_figures_count():
    # Twelve figures around 100 after a long run around 10: the old run is forgotten.
    assert expected_bounds([10] * 20 + [99, 100, 101] * 4, decimals=0) == (
        Decimal(95),
        Decimal(105),
    )


def test_a_series_that_barely_moves_uses_the_mean_deviation_instead_of_a_zero_mad():
    low, high = expected_bounds([35, 35, 35, 35, 35, 40], decimals=0)
    assert (low, high) == (Decimal(31), Decimal(39))
    assert expected_bounds([35, 35, 35, 35], decimals=0) == (Decimal(35), Decimal(35))


def test_the_bounds_stay_inside_the_indicators_valid_range():
    low, high = expected_bounds([99, 100, 98, 100, 97], decimals=1, valid_low=0, valid_high=100)
    assert high == Decimal(100) and low < Decimal(99)


def test_the_reason_names_the_figure_and_the_range():
    assert outside_bounds_reason(1234, Decimal(30), Decimal(40)) == REASON
    assert outside_bounds_reason(Decimal("1234.000000"), Decimal(30), Decimal(40)) == REASON
    assert outside_bounds_reason(35, Decimal(30), Decimal(40)) is None
    assert outside_bounds_reason(40, 30, 40) is None  # the ends are inside
    assert "不低于 30" in outside_bounds_reason(29, Decimal(30), None, set_by_office=True)
    assert outside_bounds_reason(10**6, Decimal(30), None) is None
    assert outside_bounds_reason(None, Decimal(30), Decimal(40)) is None


# --- Where the range comes from --------------------------------------------------------------


def test_the_range_comes_from_the_approved_history_without_the_period_written(history, agri_brands):
    expected = expected_range(agri_brands, history, QUARTER)
    assert (expected.low, expected.high, expected.set_by_office) == (30, 40, False)
    assert expected.figures == 8
    # The range of a period in the history leaves that period's own figure out.
    last = _earlier_quarters(1)[0]
    assert expected_range(agri_brands, history, last).figures == 7


def test_drafts_and_submissions_are_not_history(people, agri_brands):
    department = people.owner.membership.department
    for period, value in zip(_earlier_quarters(5), [33, 34, 35, 36, 35], strict=True):
        reported_value(
            indicator=agri_brands,
            department=department,
            period=period,
            value=value,
            note="x",
            state="submitted",
            reporter=people.owner,
        )
    assert expected_range(agri_brands, department, QUARTER) is None


def test_the_offices_range_wins_over_the_history(people, history, agri_brands):
    bounds = value_bounds_set(
        indicator=agri_brands,
        department=history,
        low=Decimal(100),
        high=None,
        note="新增品牌认定",
        acting_user=people.office,
    )
    expected = expected_range(agri_brands, history, QUARTER)
    assert (expected.low, expected.high, expected.set_by_office) == (100, None, True)
    assert "办公室" in expected.reason(35) and expected.reason(1234) is None
    value_bounds_delete(bounds, acting_user=people.office)
    assert expected_range(agri_brands, history, QUARTER).set_by_office is False


def test_the_offices_range_is_checked_and_set_by_the_office_only(people, agri_brands, history):
    with pytest.raises(RuleViolation, match="下限不能大于上限"):
        value_bounds_set(
            indicator=agri_brands,
            department=history,
            low=Decimal(5),
            high=Decimal(4),
            acting_user=people.office,
        )
    with pytest.raises(RuleViolation, match="至少填写"):
        value_bounds_set(
            indicator=agri_brands,
            department=history,
            low=None,
            high=None,
            acting_user=people.office,
        )
    with pytest.raises(PermissionDenied):
        value_bounds_set(
            indicator=agri_brands,
            department=history,
            low=Decimal(1),
            high=None,
            acting_user=people.owner,
        )
    assert not ValueBounds.objects.exists()


def test_the_admin_sets_a_range_through_the_service(people, login, agri_brands, history):
    client = login(people.admin)
    url = reverse("admin:reports_valuebounds_add")
    data = {
        "indicator": agri_brands.pk,
        "department": history.pk,
        "low": "50",
        "high": "40",
        "note": "",
    }
    page = client.post(url, data).content.decode()
    assert "下限不能大于上限" in page and not ValueBounds.objects.exists()
    response = client.post(url, {**data, "high": "", "note": "新标准"})
    assert response.status_code == 302
    bounds = ValueBounds.objects.get()
    assert (bounds.low, bounds.high, bounds.changed_by) == (50, None, people.admin)


# --- The department's form --------------------------------------------------------------------


def test_a_figure_far_outside_the_history_needs_a_note_and_is_flagged_for_the_reviewer(
    people, login, history, agri_brands
):
    """The case to show: history around 35, 1234 typed in the department's form."""
    client = login(people.owner)
    url = reverse("reports:form") + f"?period={QUARTER}"

    page = client.post(url, form_data((agri_brands, "1234", ""))).content.decode()
    note_cell = page.split(f'name="note_{agri_brands.pk}"')[1].split("</td>")[0]
    assert REASON in note_cell  # beside the note field
    assert not ReportedValue.objects.filter(period=QUARTER, indicator=agri_brands).exists()

    response = client.post(url, form_data((agri_brands, "1234", "测试")))
    assert response.status_code == 302
    value = ReportedValue.objects.get(period=QUARTER, indicator=agri_brands)
    assert value.value == 1234 and value.note == "测试"
    assert (value.outlier, value.expected_low, value.expected_high) == (True, 30, 40)

    row_submit(value, acting_user=people.owner)
    inbox = login(people.office).get(reverse("reports:inbox")).content.decode()
    row = inbox.split(f'data-indicator="{agri_brands.code}"')[1].split("</tr>")[0]
    assert "超出预期范围" in row and "约 30–40" in row
    detail = login(people.office).get(reverse("reports:value_detail", args=[value.pk]))
    assert "超出预期范围" in detail.content.decode() and 'id="followup"' in detail.content.decode()


def test_a_figure_inside_the_range_is_saved_without_a_note_and_not_flagged(
    people, history, agri_brands
):
    value, _changed = reported_value_save_draft(
        indicator=agri_brands,
        department=history,
        period=QUARTER,
        value=Decimal(37),
        note="",
        acting_user=people.owner,
        expected_version=0,
    )
    assert (value.outlier, value.expected_low, value.expected_high) == (False, 30, 40)


def test_the_service_refuses_the_figure_without_a_note_whatever_calls_it(
    people, history, agri_brands
):
    with pytest.raises(RuleViolation) as refused:
        reported_value_save_draft(
            indicator=agri_brands,
            department=history,
            period=QUARTER,
            value=Decimal(1234),
            note="  ",
            acting_user=people.owner,
            expected_version=0,
        )
    assert refused.value.field == "note" and str(refused.value) == REASON


def test_the_form_reads_the_ranges_of_all_rows_in_one_go(people, history):
    sheet = department_form(history, Period.parse(QUARTER))
    rows = sheet.value_rows
    assert len(rows) >= 2
    data = form_data(*[(r.indicator, "1", "x") for r in rows])
    form = DepartmentReportForm(sheet, data)
    with CaptureQueriesContext(connection) as queries:
        form.is_valid()
    assert len(queries) <= 2  # the office's ranges and the history, for every row at once


# --- The office's and the import's writes -----------------------------------------------------


def test_an_office_write_outside_the_range_needs_no_note_but_is_flagged(
    people, history, agri_brands
):
    value, _changed = reported_value_write(
        indicator=agri_brands,
        department=history,
        period=QUARTER,
        value=1234,
        acting_user=people.office,
        via="admin",
        expected_version=0,
    )
    assert (value.outlier, value.expected_low, value.expected_high) == (True, 30, 40)
    value, _changed = reported_value_write(
        indicator=agri_brands,
        department=history,
        period=QUARTER,
        value=36,
        acting_user=people.office,
        via="admin",
        expected_version=value.version,
    )
    assert value.outlier is False


def _csv(value: str) -> bytes:
    return f"指标,部门,期间,数值\nREGIONAL_PUBLIC_BRANDS,AGRI,{QUARTER},{value}\n".encode()


def test_the_import_preview_flags_a_figure_outside_the_range_for_confirmation(
    people, login, history
):
    preview = parse_values_file(_csv("1234"), "x.csv")
    assert preview.ok
    [flag] = preview.flags
    assert flag["kind"] == "outlier" and "约 30–40" in flag["message"]
    with pytest.raises(ImportFileError):
        import_values(preview, acting_user=people.office)
    assert not parse_values_file(_csv("36"), "x.csv").flags

    client = login(people.office)
    client.post(reverse("reports:imports"), {"file": SimpleUploadedFile("x.csv", _csv("1234"))})
    job = ImportJob.objects.get()
    page = client.get(reverse("reports:import_job", args=[job.pk])).content.decode()
    flags = page.split('id="flags"')[1].split("</table>")[0]
    assert "超出预期范围" in flags and "1234" in flags
    client.post(reverse("reports:import_job", args=[job.pk]))  # not confirmed: not written
    assert not ReportedValue.objects.filter(period=QUARTER, department=history).exists()
    client.post(reverse("reports:import_job", args=[job.pk]), {"accept_flags": "on"})
    value = ReportedValue.objects.get(period=QUARTER, department=history)
    assert (value.value, value.outlier, value.expected_low, value.expected_high) == (
        1234,
        True,
        30,
        40,
    )


def test_both_import_paths_store_the_same_flags(people, history, agri_brands):
    """The set-based write (PostgreSQL) and the row-by-row one flag alike: new and updated
    rows, with the file's own figures counting as history."""
    periods = [*_earlier_quarters(2), QUARTER]
    rows = [
        ImportedValue(2, agri_brands.pk, history.pk, periods[0], Decimal(35), "", ""),
        ImportedValue(3, agri_brands.pk, history.pk, periods[1], Decimal(900), "", ""),
        ImportedValue(4, agri_brands.pk, history.pk, QUARTER, Decimal(36), "", ""),
    ]
    fields = ("period", "outlier", "expected_low", "expected_high")
    writing.reported_values_import(rows, acting_user=people.office, filename="a.csv")
    set_based = list(
        ReportedValue.objects.filter(department=history, period__in=periods)
        .order_by("period")
        .values_list(*fields)
    )
    assert set_based[1][:2] == (periods[1], True) and not set_based[2][1]
    ReportedValue.objects.filter(department=history, period=QUARTER).delete()
    ReportedValue.objects.filter(department=history, period__in=periods[:2]).update(
        value=Decimal(34), outlier=False, expected_low=None, expected_high=None
    )
    writing._import_row_by_row(rows, people.office, "a.csv", None, "import")
    row_by_row = list(
        ReportedValue.objects.filter(department=history, period__in=periods)
        .order_by("period")
        .values_list(*fields)
    )
    assert row_by_row == set_based


def test_an_import_reads_the_ranges_of_all_rows_at_once(people, history, agri_brands):
    rows = [(agri_brands, history.pk, p) for p in [*_earlier_quarters(8), QUARTER]]
    with CaptureQueriesContext(connection) as queries:
        ranges = expected_ranges(rows)
    assert len(queries) == 2 and len(ranges) == 9
    assert isinstance(ranges[(agri_brands.pk, history.pk, QUARTER)], ExpectedRange)


# --- The reviewer's follow-up mark ----------------------------------------------------------


@pytest.fixture
def submitted(people, history, agri_brands):
    return reported_value(
        indicator=agri_brands,
        department=history,
        period=QUARTER,
        value=1234,
        note="测试",
        state="submitted",
        reporter=people.owner,
    )


def test_the_office_marks_a_value_for_follow_up_and_the_history_records_it(
    people, login, submitted
):
    client = login(people.office)
    url = reverse("reports:value_followup", args=[submitted.pk])
    response = client.post(url, {"followup": "1", "comment": "下季度核实"})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.followup and submitted.version == 2  # the mark leaves the version alone
    change = submitted.changes.order_by("-id").first()
    assert (change.action, change.comment, change.changed_by) == (
        "followup",
        "下季度核实",
        people.office,
    )
    assert change.get_action_display() == "标记跟进"

    inbox = client.get(reverse("reports:inbox")).content.decode()
    assert "跟进中" in inbox.split('id="inbox-values"')[1].split("</table>")[0]
    assert (
        f"{reverse('reports:value_detail', args=[submitted.pk])}"
        in inbox.split('id="followups"')[1]
    )
    detail = client.get(reverse("reports:value_detail", args=[submitted.pk])).content.decode()
    assert "取消跟进" in detail and "标记跟进" in detail.split('id="history"')[1]

    client.post(url, {"followup": "0"})
    submitted.refresh_from_db()
    assert not submitted.followup
    assert submitted.changes.order_by("-id").first().action == "unfollowup"
    # Marking again what is already marked records nothing.
    count = submitted.changes.count()
    client.post(url, {"followup": "0"})
    assert submitted.changes.count() == count


def test_only_the_office_marks_values_for_follow_up(people, login, submitted):
    url = reverse("reports:value_followup", args=[submitted.pk])
    for user in (people.owner, people.reviewer, people.outsider):
        assert login(user).post(url, {"followup": "1"}).status_code == 404
    assert login(people.office).get(url).status_code == 405
    assert login(None).post(url, {"followup": "1"}).status_code == 302  # to the login page
    with pytest.raises(PermissionDenied):
        reported_value_followup_set(submitted, followup=True, acting_user=people.owner)
    submitted.refresh_from_db()
    assert not submitted.followup and not submitted.changes.filter(action="followup").exists()
    owner_page = login(people.owner).get(reverse("reports:value_detail", args=[submitted.pk]))
    assert 'id="followup"' not in owner_page.content.decode()


def test_a_bad_follow_up_post_is_a_message_not_an_error(people, login, submitted):
    client = login(people.office)
    url = reverse("reports:value_followup", args=[submitted.pk])
    response = client.post(url, {"followup": "maybe", "comment": "x" * 3000}, follow=True)
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert not submitted.followup


def test_the_inbox_costs_the_same_queries_with_more_flagged_values(
    people, login, submitted, agri_rate, django_assert_num_queries
):
    client = login(people.office)
    url = reverse("reports:inbox")
    reported_value_followup_set(submitted, followup=True, acting_user=people.office)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    other, _changed = reported_value_write(
        indicator=agri_rate,
        department=submitted.department,
        period=QUARTER,
        value=Decimal(97),
        acting_user=people.office,
        via="admin",
        expected_version=0,
    )
    reported_value_followup_set(other, followup=True, acting_user=people.office)
    with django_assert_num_queries(len(few)):
        page = client.get(url).content.decode()
    assert page.split('id="followups"')[1].count("<tr data-indicator") == 2
