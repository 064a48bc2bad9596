"""A reporter whose figure was returned sees it in the header's count, opens the list and marks
the notice read, in a real browser."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import Indicator
from notices.models import Notice
from tests.factories import UserFactory, reported_value, reporting_period

QUARTER = "2026Q3"
PASSWORD = "pw-for-tests"


@pytest.fixture
def accounts(reload_catalog):
    alice = UserFactory(username="alice", email="alice@example.org")
    membership_set(user=alice, role=Role.REPORTER, department=Department.objects.get(code="AGRI"))
    olivia = UserFactory(username="olivia", email="olivia@example.org")
    membership_set(user=olivia, role=Role.OFFICE)
    reporting_period(QUARTER, deadline=dt.date(2099, 1, 15), office=olivia)
    return alice, olivia


@pytest.mark.django_db(transaction=True)
def test_a_reporter_sees_a_returned_figure_in_the_header_and_marks_it_read(
    accounts, live_server, page, artifacts
):
    alice, olivia = accounts
    # Committed for real (a transactional test): the workflow's signal runs after the commit.
    value = reported_value(
        indicator=Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE"),
        department=Department.objects.get(code="AGRI"),
        period=QUARTER,
        value="98.2",
        state="returned",
        comment="请核实：与上季度抽检批次口径是否一致",
        reporter=alice,
        office=olivia,
    )
    assert Notice.objects.filter(recipient=alice, kind="returned").count() == 1

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    badge = page.locator("#notices-unread")
    expect(badge).to_have_text("1")

    page.click("header a.notices")
    expect(page.locator("h1")).to_have_text("通知")
    row = page.locator("#notices tbody tr.unread")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("已被退回")
    expect(row).to_contain_text("退回意见：请核实：与上季度抽检批次口径是否一致")
    page.screenshot(path=artifacts / "notices-1-unread.png", full_page=True)

    row.locator("button.mark-read").click()
    expect(page.locator("#notices tbody tr.read")).to_have_count(1)
    expect(page.locator("#notices-unread")).to_have_count(0)
    page.screenshot(path=artifacts / "notices-2-read.png", full_page=True)

    # "查看" goes to the returned figure's page.
    page.locator("#notices tbody tr.read button[name=open]").click()
    expect(page).to_have_url(f"{live_server.url}/reports/values/{value.pk}/")
    assert Notice.objects.get(recipient=alice, kind="returned").read_at is not None
