"""The department's quarterly form, through the test client."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.choices import ValueState
from reports.models import ReportedValue
from reports.reporting.services import row_approve, row_return
from tests.factories import reported_value, reporting_period
from tests.reports.conftest import QUARTER, form_data

pytestmark = pytest.mark.django_db

URL = reverse("reports:form") + f"?period={QUARTER}"


def test_the_form_lists_the_departments_rows_with_unit_target_and_previous_value(
    people, login, agri_rate
):
    reported_value(
        indicator=agri_rate,
        department=people.owner.membership.department,
        period="2026Q2",
        value="97.2",
        state="approved",
    )
    page = login(people.owner).get(URL).content.decode()
    assert "农畜产品质量安全例行监测合格率" in page
    assert "≥ 98" in page and "2025年" in page and "目标年已过" in page
    assert "97.2" in page  # last quarter's value
    assert "row-REGIONAL_PUBLIC_BRANDS" in page
    # 地理标志数量: 农牧厅 only supports it, so it is read-only.
    assert 'id="row-GEOGRAPHICAL_INDICATIONS"' in page
    assert f'name="value_{agri_rate.pk}"' in page


def test_bad_input_shows_a_chinese_error_and_keeps_everything_typed(
    people, login, agri_rate, agri_brands
):
    client = login(people.owner)
    response = client.post(
        URL, form_data((agri_rate, "abc", "抽检批次增加"), (agri_brands, "12", "新认定"))
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "“abc”不是数字" in page
    assert 'value="abc"' in page and "抽检批次增加" in page
    # The valid row was saved as a draft; the bad one was not.
    saved = ReportedValue.objects.get(indicator=agri_brands, period=QUARTER)
    assert saved.value == Decimal("12") and saved.state == ValueState.DRAFT
    assert not ReportedValue.objects.filter(indicator=agri_rate, period=QUARTER).exists()


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("93.71", "93.71"), ("93.71%", "93.71"), ("９３．７１", "93.71"), ("97", "97")],
)
def test_numbers_are_accepted_as_people_type_them(people, login, agri_rate, typed, stored):
    login(people.owner).post(URL, form_data((agri_rate, typed, "")))
    assert ReportedValue.objects.get(indicator=agri_rate).value == Decimal(stored)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("101", "应在 0 到 100 之间"), ("93.715", "最多保留 2 位小数"), ("1,2", "千位分隔符")],
)
def test_range_and_precision_errors_are_shown_next_to_the_field(
    people, login, agri_rate, typed, message
):
    page = login(people.owner).post(URL, form_data((agri_rate, typed, ""))).content.decode()
    assert message in page
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()


def test_a_whole_number_indicator_refuses_decimals(people, login, agri_brands):
    page = login(people.owner).post(URL, form_data((agri_brands, "12.5", ""))).content.decode()
    assert "应填写整数" in page


def test_a_value_moving_away_from_the_target_needs_a_note(people, login, agri_rate):
    reported_value(
        indicator=agri_rate,
        department=people.owner.membership.department,
        period="2026Q2",
        value="97.5",
        state="approved",
    )
    client = login(people.owner)
    page = client.post(URL, form_data((agri_rate, "96.9", ""))).content.decode()
    assert "偏离目标，请在说明中写明原因" in page
    client.post(URL, form_data((agri_rate, "96.9", "部分批次农残超标")))
    assert ReportedValue.objects.get(indicator=agri_rate, period=QUARTER).note == "部分批次农残超标"


def test_submit_is_refused_until_every_row_is_filled(people, login, agri_rate, agri_brands):
    client = login(people.owner)
    response = client.post(URL, form_data((agri_rate, "98.2", ""), action="submit"), follow=True)
    page = response.content.decode()
    assert "尚未填写，不能提交" in page and "具有影响力的区域公用品牌" in page
    assert ReportedValue.objects.get(indicator=agri_rate).state == ValueState.DRAFT
    version = ReportedValue.objects.get(indicator=agri_rate).version
    client.post(
        URL, form_data((agri_rate, "98.2", "", version), (agri_brands, "12", ""), action="submit")
    )
    states = set(ReportedValue.objects.filter(period=QUARTER).values_list("state", flat=True))
    assert states == {ValueState.SUBMITTED}


def test_submitted_and_approved_values_are_not_editable_fields(people, login, agri_rate):
    department = people.owner.membership.department
    rv = reported_value(
        indicator=agri_rate, department=department, period=QUARTER, value="98", state="submitted"
    )
    client = login(people.owner)
    assert f'name="value_{agri_rate.pk}"' not in client.get(URL).content.decode()
    client.post(URL, form_data((agri_rate, "50", "")))
    rv.refresh_from_db()
    assert rv.value == Decimal("98")
    row_approve(rv, acting_user=people.office)
    client.post(URL, form_data((agri_rate, "50", "")))
    rv.refresh_from_db()
    assert (rv.value, rv.state) == (Decimal("98"), ValueState.APPROVED)


def test_a_returned_value_is_editable_again_with_the_comment_shown(people, login, agri_rate):
    rv = reported_value(
        indicator=agri_rate,
        department=people.owner.membership.department,
        period=QUARTER,
        value="9.82",
        state="submitted",
    )
    row_return(rv, acting_user=people.office, comment="疑似小数点错位，请核实")
    page = login(people.owner).get(URL).content.decode()
    assert "疑似小数点错位，请核实" in page
    assert f'name="value_{agri_rate.pk}"' in page


def test_the_reviewer_of_the_same_department_can_save_and_submit(people, login, agri_rate):
    login(people.reviewer).post(URL, form_data((agri_rate, "98.1", "")))
    rv = ReportedValue.objects.get(indicator=agri_rate)
    assert rv.changes.get().changed_by == people.reviewer


def test_a_closed_period_is_read_only(people, login, agri_rate):
    reporting_period(QUARTER, deadline=dt.date(2026, 10, 15), status="closed")
    client = login(people.owner)
    page = client.get(URL).content.decode()
    assert "已截止填报" in page and f'name="value_{agri_rate.pk}"' not in page
    client.post(URL, form_data((agri_rate, "98", "")))
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()


def test_evidence_is_stored_and_downloadable_by_the_department_only(people, login, agri_rate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(people.owner)
    upload = SimpleUploadedFile("抽检报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    data = form_data((agri_rate, "98.3", ""))
    data[f"evidence_{agri_rate.pk}"] = upload
    client.post(URL, data)
    rv = ReportedValue.objects.get(indicator=agri_rate)
    assert rv.evidence_name == "抽检报告.pdf"
    url = reverse("reports:value_evidence", args=[rv.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert login(people.outsider).get(url).status_code == 404
    assert login(people.office).get(url).status_code == 200


def test_evidence_of_a_disallowed_type_is_refused_with_a_message(people, login, agri_rate):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form_data((agri_rate, "98.3", ""))
    data[f"evidence_{agri_rate.pk}"] = SimpleUploadedFile("run.exe", b"MZ")
    page = login(people.owner).post(URL, data).content.decode()
    assert "佐证材料只接受" in page
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()


def test_a_forged_department_parameter_is_ignored(people, login, agri_rate):
    client = login(people.outsider)  # 知识产权局
    response = client.get(URL + "&department=AGRI")
    assert "农牧厅" not in response.content.decode().split("<h1>")[1].split("</h1>")[0]
    client.post(
        URL + "&department=AGRI", {**form_data((agri_rate, "10", "")), "department": "AGRI"}
    )
    assert not ReportedValue.objects.filter(department__code="AGRI", period=QUARTER).exists()


def test_form_posts_require_the_csrf_token(people, login, agri_rate):
    client = login(people.owner, enforce_csrf_checks=True)
    assert client.post(URL, form_data((agri_rate, "98", ""))).status_code == 403
    assert not ReportedValue.objects.filter(indicator=agri_rate).exists()
    page = client.get(URL)
    token = page.cookies["csrftoken"].value
    response = client.post(URL, {**form_data((agri_rate, "98", "")), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReportedValue.objects.get(indicator=agri_rate).value == Decimal("98")


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("报告.pdf", b"%PDF-1.7\n...", True),
        ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", True),
        ("照片.png", b"\x89PNG\r\n\x1a\n\x00\x00", True),
        ("台账.xlsx", b"PK\x03\x04\x14\x00", True),
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", True),
        ("台账.csv", "批次,合格率\n1,98.3\n".encode("gbk"), True),
        ("报告.pdf", b"MZ\x90\x00\x03 renamed program", False),
        ("照片.png", b"<script>alert(1)</script>", False),
        ("台账.csv", b"MZ\x90\x00\x03\x00\x00\x00", False),
        ("台账.xlsx", b"%PDF-1.7", False),
    ],
)
def test_evidence_must_be_what_its_name_says(people, login, agri_rate, name, content, accepted):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form_data((agri_rate, "98.3", "抽检台账"))
    data[f"evidence_{agri_rate.pk}"] = SimpleUploadedFile(name, content)
    page = login(people.owner).post(URL, data, follow=True).content.decode()
    rv = ReportedValue.objects.filter(indicator=agri_rate).first()
    if accepted:
        assert rv is not None and rv.evidence_name == name
        assert rv.evidence.read() == content
    else:
        assert "的内容不是" in page and rv is None
        assert 'value="98.3"' in page and "抽检台账" in page  # what was typed is kept
