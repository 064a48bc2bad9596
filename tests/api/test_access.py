"""Nobody reads through the API what their role does not cover (the site's rule): a department
user's lists hold nothing of another department, and each of its rows answers 404 to them —
reads and writes alike. The catalogue is open to every role, as the site's indicator pages are.
"""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from departments.choices import Role
from departments.services import membership_set
from indicators.models import Task
from reports.gaps.services import gaps_compute
from reports.models import GapResult
from tests.factories import UserFactory, qualitative_report, reported_value, scorecard

from .conftest import QUARTER

pytestmark = pytest.mark.django_db

#: The resources that hold one department's rows, and the field naming the department.
SCOPED = ("values", "qualitative-reports", "gaps", "scorecards", "scorecard-runs")
CATALOGUE = ("documents", "indicators", "targets", "tasks", "departments", "responsibilities")


@pytest.fixture
def rows(people, agri_rate, ipa_count):
    """Something of each kind for 农牧厅 (AGRI), and a figure of 知识产权局 (IPA)."""
    agri = people.owner.membership.department
    ipa = people.outsider.membership.department
    value = reported_value(
        indicator=agri_rate, department=agri, period=QUARTER, value="98.4", state="submitted"
    )
    approved = reported_value(
        indicator=agri_rate,
        department=agri,
        period="2026Q2",
        value="97",
        state="approved",
        reporter=people.owner,
        office=people.office,
    )
    ipa_value = reported_value(
        indicator=ipa_count, department=ipa, period=QUARTER, value="420", state="approved"
    )
    task = Task.objects.filter(responsibilities__department__code="AGRI").first()
    report = qualitative_report(
        task=task, department=agri, period="2025Q4", status="in_progress", state="submitted"
    )
    gaps_compute()
    gap = GapResult.objects.filter(department=agri).first()
    snapshot = scorecard(department=agri, period=QUARTER, created_by=people.owner)
    return {
        "values": [value.pk, approved.pk],
        "qualitative-reports": [report.pk],
        "gaps": [gap.pk],
        "scorecards": [snapshot.pk],
        "scorecard-runs": [snapshot.run_id],
        "ipa_value": ipa_value.pk,
    }


def _all(client, url) -> list[dict]:
    """Every item of a paged list."""
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        body = response.json()
        items += body["results"]
        url = body["next"] and urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
    return items


def test_a_reporter_sees_nothing_of_another_department(people, api, rows):
    outsider, owner, office = api(people.outsider), api(people.owner), api(people.office)
    for resource in SCOPED:
        url = f"/api/v1/{resource}/"
        theirs = {item["id"] for item in _all(outsider, url)}
        assert not theirs & set(rows[resource]), resource
        # Asking for the department by name changes nothing.
        assert not _all(outsider, f"{url}?department=AGRI") or resource == "scorecard-runs"
        for pk in rows[resource]:
            assert outsider.get(f"{url}{pk}/").status_code == 404, resource
            assert owner.get(f"{url}{pk}/").status_code == 200, resource
            assert office.get(f"{url}{pk}/").status_code == 200, resource
        assert set(rows[resource]) <= {item["id"] for item in _all(owner, url)}, resource
    # Their own figure they do see; the office sees every department's.
    assert outsider.get(f"/api/v1/values/{rows['ipa_value']}/").status_code == 200
    assert owner.get(f"/api/v1/values/{rows['ipa_value']}/").status_code == 404
    assert {v["department"] for v in _all(office, "/api/v1/values/")} >= {"AGRI", "IPA"}
    # The region-wide gaps are the office's.
    assert all(g["department"] == "IPA" for g in _all(outsider, "/api/v1/gaps/"))
    assert any(g["department"] is None for g in _all(office, "/api/v1/gaps/"))


def test_another_departments_rows_and_their_sub_resources_are_404(people, api, rows):
    outsider = api(people.outsider)
    value, report = rows["values"][0], rows["qualitative-reports"][0]
    scorecard_pk = rows["scorecards"][0]
    for url in (
        f"/api/v1/values/{value}/history/",
        f"/api/v1/qualitative-reports/{report}/history/",
        f"/api/v1/scorecards/{scorecard_pk}/pdf/",
        f"/api/v1/scorecards/{scorecard_pk}/xlsx/",
        "/api/v1/assessment/?department=AGRI",
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    owner_pdf = api(people.owner).get(f"/api/v1/scorecards/{scorecard_pk}/pdf/")
    assert owner_pdf.status_code == 200 and owner_pdf["Content-Type"] == "application/pdf"


def test_writes_to_another_departments_rows_are_404(people, api, rows):
    outsider = api(people.outsider)
    value, report = rows["values"][0], rows["qualitative-reports"][0]
    for base in (f"/api/v1/values/{value}/", f"/api/v1/qualitative-reports/{report}/"):
        assert (
            outsider.patch(base, {"value": "1", "status": "done", "version": 1}).status_code == 404
        )
        for step, body in (
            ("submit", {}),
            ("approve", {}),
            ("return", {"comment": "x"}),
            ("reopen", {"reason": "x"}),
        ):
            assert outsider.post(f"{base}{step}/", body).status_code == 404, (base, step)


def test_the_catalogue_is_the_same_for_every_role(people, api, rows):
    outsider, office = api(people.outsider), api(people.office)
    for resource in CATALOGUE:
        url = f"/api/v1/{resource}/?page_size=1000"
        assert _all(outsider, url) == _all(office, url), resource
    indicator = outsider.get("/api/v1/indicators/AGRI_PRODUCT_SAFETY_PASS_RATE/").json()
    assert indicator["targets"], "an indicator comes with its targets"
    periods = outsider.get("/api/v1/periods/")
    assert periods.status_code == 200


def test_a_user_without_a_role_and_an_anonymous_caller_get_nothing(people, rows):
    nobody = UserFactory(username="no-role")
    browser = Client()
    browser.force_login(nobody)
    for resource in (*SCOPED, *CATALOGUE):
        assert browser.get(f"/api/v1/{resource}/").status_code == 404
        assert Client().get(f"/api/v1/{resource}/").status_code == 401
    response = Client(headers={"Authorization": "Token qh_not-a-key"}).get("/api/v1/values/")
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_a_users_role_changes_what_their_token_reads(people, api, rows):
    client = api(people.outsider)
    assert client.get(f"/api/v1/values/{rows['values'][0]}/").status_code == 404
    membership_set(
        user=people.outsider, role=Role.REPORTER, department=people.owner.membership.department
    )
    assert client.get(f"/api/v1/values/{rows['values'][0]}/").status_code == 200
