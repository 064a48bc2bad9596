"""Two people editing the same value: exactly one wins, the other is told, history is honest."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from departments.models import Department
from indicators.models import Indicator
from reports.models import ReportedValue
from reports.reporting.services import StaleValueError, reported_value_save_draft
from tests.reports.conftest import QUARTER, form_data

URL = reverse("reports:form") + f"?period={QUARTER}"


@pytest.mark.django_db
def test_the_second_save_from_a_stale_form_is_refused_and_shows_the_newer_value(
    people, login, agri_rate
):
    alice, bob = login(people.owner), login(people.reviewer)
    alice.post(URL, form_data((agri_rate, "97.8", "")))
    rv = ReportedValue.objects.get(indicator=agri_rate)
    # Both open the form at version 1.
    assert f'name="version_{agri_rate.pk}" value="1"' in alice.get(URL).content.decode()
    assert f'name="version_{agri_rate.pk}" value="1"' in bob.get(URL).content.decode()

    alice.post(URL, form_data((agri_rate, "98.1", "", 1)))
    response = bob.post(URL, form_data((agri_rate, "97.9", "复核后更正", 1)))
    page = response.content.decode()

    assert response.status_code == 200
    assert "该数值已被alice修改（当前值：98.1；您填写的：97.9）" in page
    assert 'value="97.9"' in page and "复核后更正" in page  # Bob's typing is kept
    rv.refresh_from_db()
    assert rv.value == Decimal("98.1") and rv.version == 2
    history = list(rv.changes.values_list("changed_by__username", "old_value", "new_value"))
    assert history == [
        ("alice", None, Decimal("97.8")),
        ("alice", Decimal("97.8"), Decimal("98.1")),
    ]
    # Bob's page now carries the new version, so his next save is accepted.
    assert f'name="version_{agri_rate.pk}" value="2"' in page
    bob.post(URL, form_data((agri_rate, "97.9", "复核后更正", 2)))
    rv.refresh_from_db()
    assert rv.value == Decimal("97.9") and rv.changes.last().changed_by == people.reviewer


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_on_postgresql_let_exactly_one_win(reload_catalog, people):
    indicator = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    department = Department.objects.get(code="AGRI")
    rv, _ = reported_value_save_draft(
        indicator=indicator,
        department=department,
        period=QUARTER,
        value=Decimal("97"),
        note="",
        acting_user=people.owner,
        expected_version=0,
    )
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, value):
        try:
            barrier.wait(timeout=10)
            reported_value_save_draft(
                indicator=indicator,
                department=department,
                period=QUARTER,
                value=Decimal(value),
                note="",
                acting_user=user,
                expected_version=rv.version,
            )
            outcomes[user.username] = "saved"
        except StaleValueError as exc:
            outcomes[user.username] = str(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(people.owner, "98.5")),
        threading.Thread(target=save, args=(people.reviewer, "96.5")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(v == "saved" for v in outcomes.values()) == [False, True]
    rv.refresh_from_db()
    winner = next(name for name, v in outcomes.items() if v == "saved")
    loser_message = next(v for v in outcomes.values() if v != "saved")
    assert rv.version == 2 and rv.updated_by.username == winner
    assert f"{rv.value.normalize():f}" in loser_message
    assert rv.changes.count() == 2 and rv.changes.last().changed_by.username == winner


@pytest.mark.django_db(transaction=True)
def test_two_first_entries_racing_on_postgresql_one_wins_and_one_is_told(reload_catalog, people):
    """A and B open the form on an empty field; both save at once: one figure is kept, the
    other person is told whose figure is there, and theirs is shown beside it."""
    assert connection.vendor == "postgresql"
    indicator = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    department = Department.objects.get(code="AGRI")
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, value):
        try:
            barrier.wait(timeout=10)
            reported_value_save_draft(
                indicator=indicator,
                department=department,
                period=QUARTER,
                value=Decimal(value),
                note="",
                acting_user=user,
                expected_version=0,  # both pages showed no value
            )
            outcomes[user.username] = "saved"
        except StaleValueError as exc:
            outcomes[user.username] = str(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=(people.owner, "48")),
        threading.Thread(target=save, args=(people.reviewer, "49")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(v == "saved" for v in outcomes.values()) == [False, True], outcomes
    rv = ReportedValue.objects.get(indicator=indicator, department=department, period=QUARTER)
    winner = next(name for name, v in outcomes.items() if v == "saved")
    loser = next(name for name in outcomes if name != winner)
    typed = {"alice": "48", "bob": "49"}
    assert rv.updated_by.username == winner and rv.version == 1
    assert f"{rv.value.normalize():f}" == typed[winner]
    message = outcomes[loser]
    assert f"当前值：{typed[winner]}" in message and f"您填写的：{typed[loser]}" in message
    assert rv.changes.count() == 1


@pytest.mark.django_db
def test_a_form_post_without_its_version_does_not_overwrite_a_newer_value(people, login, agri_rate):
    alice, bob = login(people.owner), login(people.reviewer)
    alice.post(URL, form_data((agri_rate, "97.8", "")))
    data = form_data((agri_rate, "91", "旧页面"))
    del data[f"version_{agri_rate.pk}"]
    page = bob.post(URL, data).content.decode()
    assert "当前值：97.8" in page and 'value="91"' in page
    rv = ReportedValue.objects.get(indicator=agri_rate)
    assert rv.value == Decimal("97.8") and rv.version == 1


@pytest.mark.django_db
def test_a_second_first_entry_through_the_form_is_told_and_keeps_its_typing(
    people, login, agri_rate
):
    alice, bob = login(people.owner), login(people.reviewer)
    # Both pages were opened on an empty field (version 0); Alice saves first.
    alice.post(URL, form_data((agri_rate, "48", "", 0)))
    page = bob.post(URL, form_data((agri_rate, "49", "我的数", 0))).content.decode()
    assert "当前值：48；您填写的：49" in page
    assert 'value="49"' in page and "我的数" in page
    assert ReportedValue.objects.get(indicator=agri_rate).value == Decimal("48")
