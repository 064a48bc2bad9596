"""Every URL of the app × every kind of user, with the expected response and no stray effect.

Alice reports for 农牧厅 (the owner), Bob reviews for it, Charlie reports for 知识产权局 (another
department), Olivia is the leadership-group office, root is an admin; and an anonymous visitor.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Indicator, Task
from reports.choices import ValueState
from reports.exchange.services import import_job_check, import_job_create
from reports.models import QualitativeReport, ReportedValue
from reports.reporting.services import reported_value_save_draft, row_submit
from tests.factories import qualitative_report, reported_value, scorecard
from tests.reports.conftest import QUARTER, form_data

pytestmark = pytest.mark.django_db

USERS = ("owner", "reviewer", "outsider", "office", "admin", "anonymous")
LOGIN = "login"


@pytest.fixture
def world(people, agri_rate):
    """A submitted 农牧厅 value with evidence, a submitted 知识产权局 value, a task report, a
    scorecard and an import job, all made through the services."""
    agri = people.owner.membership.department
    ipa = people.outsider.membership.department
    rv, _ = reported_value_save_draft(
        indicator=agri_rate,
        department=agri,
        period=QUARTER,
        value=Decimal("98.4"),
        note="",
        evidence=SimpleUploadedFile("x.pdf", b"%PDF-1.4 evidence"),
        acting_user=people.owner,
        expected_version=0,
    )
    rv = row_submit(rv, acting_user=people.owner)
    ipa_value = reported_value(
        indicator=Indicator.objects.get(code="GEOGRAPHICAL_INDICATIONS"),
        department=ipa,
        period=QUARTER,
        value="420",
        state="submitted",
        reporter=people.outsider,
    )
    report = qualitative_report(
        task=Task.objects.filter(responsibilities__department__code="AGRI").first(),
        department=agri,
        period="2025Q4",
        status="in_progress",
        narrative="x",
        state="submitted",
        reporter=people.owner,
    )
    ipa_report = qualitative_report(
        task=Task.objects.filter(responsibilities__department__code="IPA").first(),
        department=ipa,
        period="2025Q4",
        status="in_progress",
        narrative="y",
        reporter=people.outsider,
    )
    snapshot = scorecard(department=agri, period=QUARTER, created_by=people.owner)
    ipa_scorecard = scorecard(department=ipa, period=QUARTER, created_by=people.outsider)
    job = import_job_create(
        upload=SimpleUploadedFile(
            "x.csv", b"indicator,department,period,value\nMFG_PRODUCT_PASS_RATE,AMR,2024Q3,93\n"
        ),
        department=None,
        acting_user=people.office,
    )
    import_job_check(job)
    run, scorecard_ = snapshot.run, snapshot
    return {
        "value": rv,
        "ipa_value": ipa_value,
        "report": report,
        "run": run,
        "scorecard": scorecard_,
        "ipa_report": ipa_report,
        "ipa_scorecard": ipa_scorecard,
        "job": job,
    }


# (name, method, url builder, data builder, expected status per user kind)
CASES = {
    "home": (
        "get",
        lambda w: reverse("home"),
        None,
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "form_get": (
        "get",
        lambda w: reverse("reports:form") + f"?period={QUARTER}&department=AGRI",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "form_post_forged_department": (
        "post",
        lambda w: reverse("reports:form") + f"?period={QUARTER}&department=AGRI",
        lambda w: {
            **form_data((w["value"].indicator, "11", "forged", w["value"].version)),
            "department": "AGRI",
        },
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 403,
            "admin": 403,
            "anonymous": LOGIN,
        },
    ),
    "value_detail": (
        "get",
        lambda w: reverse("reports:value_detail", args=[w["value"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "other_departments_value_detail": (
        "get",
        lambda w: reverse("reports:value_detail", args=[w["ipa_value"].pk]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "value_evidence": (
        "get",
        lambda w: reverse("reports:value_evidence", args=[w["value"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "value_review": (
        "post",
        lambda w: reverse("reports:value_review", args=[w["value"].pk]),
        lambda w: {"action": "approve"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "value_followup": (
        "post",
        lambda w: reverse("reports:value_followup", args=[w["value"].pk]),
        lambda w: {"followup": "1", "comment": "核实"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "value_followup_get": (
        "get",
        lambda w: reverse("reports:value_followup", args=[w["value"].pk]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 405,
            "admin": 405,
            "anonymous": LOGIN,
        },
    ),
    "value_review_get": (
        "get",
        lambda w: reverse("reports:value_review", args=[w["value"].pk]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 405,
            "admin": 405,
            "anonymous": LOGIN,
        },
    ),
    "qualitative_detail": (
        "get",
        lambda w: reverse("reports:qualitative_detail", args=[w["report"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "qualitative_review": (
        "post",
        lambda w: reverse("reports:qualitative_review", args=[w["report"].pk]),
        lambda w: {"action": "approve"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "inbox": (
        "get",
        lambda w: reverse("reports:inbox"),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "inbox_bulk_approve_forged_ids": (
        "post",
        lambda w: reverse("reports:inbox"),
        lambda w: {
            "value_ids": [w["value"].pk, w["ipa_value"].pk],
            "qualitative_ids": [w["report"].pk],
        },
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "periods": (
        "get",
        lambda w: reverse("reports:periods"),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "periods_close": (
        "post",
        lambda w: reverse("reports:periods"),
        lambda w: {"period": QUARTER, "deadline": "2026-10-15"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "completeness": (
        "get",
        lambda w: reverse("reports:completeness") + f"?period={QUARTER}",
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "scorecards": (
        "get",
        lambda w: reverse("reports:scorecards") + f"?period={QUARTER}",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "scorecards_render": (
        "post",
        lambda w: reverse("reports:scorecards") + f"?period={QUARTER}",
        lambda w: {"department": "AGRI"},
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "scorecard_run": (
        "get",
        lambda w: reverse("reports:scorecard_run", args=[w["run"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "scorecard_detail": (
        "get",
        lambda w: reverse("reports:scorecard_detail", args=[w["scorecard"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "scorecard_snapshot": (
        "get",
        lambda w: reverse("reports:scorecard_snapshot", args=[w["scorecard"].pk]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "scorecard_pdf": (
        "get",
        lambda w: reverse("reports:scorecard_file", args=[w["scorecard"].pk, "pdf"]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "overview": (
        "get",
        lambda w: reverse("reports:overview"),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "indicator_page": (
        "get",
        lambda w: (
            reverse("reports:indicator", args=["AGRI_PRODUCT_SAFETY_PASS_RATE"])
            + "?department=AGRI"
        ),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "assessment": (
        "get",
        lambda w: reverse("reports:assessment") + "?year=2025",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "assessment_of_a_department": (
        "get",
        lambda w: reverse("reports:assessment") + "?year=2025&department=AGRI",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "assessment_file": (
        "get",
        lambda w: reverse("reports:assessment_file", args=["csv"]) + "?year=2025&department=AGRI",
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "indicator_download": (
        "get",
        lambda w: reverse(
            "reports:indicator_download", args=["AGRI_PRODUCT_SAFETY_PASS_RATE", "csv"]
        ),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "department_page": (
        "get",
        lambda w: reverse("reports:department", args=["AGRI"]),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "imports": (
        "get",
        lambda w: reverse("reports:imports"),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "import_template": (
        "get",
        lambda w: reverse("reports:import_template", args=["values", "xlsx"]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "import_upload": (
        "post",
        lambda w: reverse("reports:imports"),
        lambda w: {
            "file": __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "v.csv",
                "指标,部门,期间,数值\nAGRI_PRODUCT_SAFETY_PASS_RATE,AGRI,2026Q3,11\n".encode(),
            )
        },
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "import_job": (
        "get",
        lambda w: reverse("reports:import_job", args=[w["job"].pk]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "other_departments_qualitative_detail": (
        "get",
        lambda w: reverse("reports:qualitative_detail", args=[w["ipa_report"].pk]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "other_departments_value_review": (
        "post",
        lambda w: reverse("reports:value_review", args=[w["ipa_value"].pk]),
        lambda w: {"action": "return", "comment": "forged"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "missing_value_detail": (
        "get",
        lambda w: reverse("reports:value_detail", args=[987654321]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 404,
            "admin": 404,
            "anonymous": LOGIN,
        },
    ),
    "other_departments_scorecard_xlsx": (
        "get",
        lambda w: reverse("reports:scorecard_file", args=[w["ipa_scorecard"].pk, "xlsx"]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "other_departments_page": (
        "get",
        lambda w: reverse("reports:department", args=["IPA"]),
        None,
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "import_job_discard": (
        "post",
        lambda w: reverse("reports:import_job", args=[w["job"].pk]),
        lambda w: {"action": "discard"},
        {
            "owner": 404,
            "reviewer": 404,
            "outsider": 404,
            "office": 302,
            "admin": 302,
            "anonymous": LOGIN,
        },
    ),
    "indicator_download_xlsx": (
        "get",
        lambda w: reverse(
            "reports:indicator_download", args=["AGRI_PRODUCT_SAFETY_PASS_RATE", "xlsx"]
        ),
        None,
        {
            "owner": 200,
            "reviewer": 200,
            "outsider": 200,
            "office": 200,
            "admin": 200,
            "anonymous": LOGIN,
        },
    ),
    "admin_value_change": (
        "get",
        lambda w: reverse("admin:reports_reportedvalue_change", args=[w["value"].pk]),
        None,
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 302,
            "admin": 200,
            "anonymous": 302,
        },
    ),
    "admin_index": (
        "get",
        lambda w: reverse("admin:index"),
        None,
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 302,
            "admin": 200,
            "anonymous": 302,
        },
    ),
    "admin_reported_values": (
        "get",
        lambda w: reverse("admin:reports_reportedvalue_changelist"),
        None,
        {
            "owner": 302,
            "reviewer": 302,
            "outsider": 302,
            "office": 302,
            "admin": 200,
            "anonymous": 302,
        },
    ),
}


@pytest.mark.parametrize("user_kind", USERS)
@pytest.mark.parametrize("case", list(CASES))
def test_access_matrix(case, user_kind, people, login, world):
    method, url_of, data_of, expected = CASES[case]
    client = login(getattr(people, user_kind))
    url = url_of(world)
    before = {
        "value": ReportedValue.objects.get(pk=world["value"].pk),
        "ipa": ReportedValue.objects.get(pk=world["ipa_value"].pk),
        "report": QualitativeReport.objects.get(pk=world["report"].pk),
    }
    response = client.get(url) if method == "get" else client.post(url, data_of(world))
    want = expected[user_kind]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, (case, user_kind)

    # Whatever was sent, nothing outside the user's role changed.
    value = ReportedValue.objects.get(pk=world["value"].pk)
    ipa = ReportedValue.objects.get(pk=world["ipa_value"].pk)
    report = QualitativeReport.objects.get(pk=world["report"].pk)
    office = user_kind in ("office", "admin")
    if not office:
        assert (value.state, value.value) == (before["value"].state, before["value"].value)
        assert (ipa.state, ipa.value) == (before["ipa"].state, before["ipa"].value)
        assert report.state == before["report"].state
    assert not ReportedValue.objects.filter(department__code="AGRI", note="forged").exists()
    if not office:  # only the office marks a value for follow-up
        assert not value.followup and not ipa.followup
    if case == "form_post_forged_department" and user_kind == "outsider":
        # Charlie's post could only ever touch 知识产权局's own rows.
        assert not ReportedValue.objects.filter(department__code="AGRI", value=Decimal("11"))
    if office and case in ("value_review", "inbox_bulk_approve_forged_ids"):
        assert value.state == ValueState.APPROVED
    if case == "indicator_download" and user_kind == "outsider":
        # Charlie (知识产权局) downloads the indicator's series: none of 农牧厅's rows.
        assert "98.4" not in response.content.decode()
    if case == "scorecards_render" and user_kind == "outsider":
        # A department user can only ever start a rendering of its own department.
        from reports.models import ScorecardRun

        started = ScorecardRun.objects.filter(created_by=people.outsider).latest("created_at")
        assert started.department.code == "IPA" and started.pk != world["ipa_scorecard"].run_id


def test_every_url_of_the_app_is_in_the_matrix():
    """A new view must be added to the matrix above."""
    from django.urls import get_resolver

    names = {name for name in get_resolver("reports.urls").reverse_dict if isinstance(name, str)}
    covered = {
        "form",
        "value_detail",
        "value_evidence",
        "value_review",
        "value_followup",
        "qualitative_detail",
        "qualitative_review",
        "inbox",
        "periods",
        "completeness",
        "scorecards",
        "scorecard_run",
        "scorecard_detail",
        "scorecard_snapshot",
        "scorecard_file",
        "overview",
        "indicator",
        "indicator_download",
        "department",
        "imports",
        "import_job",
        "import_template",
        "assessment",
        "assessment_file",
    }
    assert names == covered


@pytest.mark.parametrize(
    "case", [name for name, spec in CASES.items() if spec[0] == "post"] + ["logout"]
)
def test_every_form_post_is_refused_without_the_csrf_token(case, people, login, world):
    user = people.owner if case == "form_post_forged_department" else people.office
    client = login(user, enforce_csrf_checks=True)
    if case == "logout":
        url, data = reverse("logout"), {}
    else:
        _method, url_of, data_of, _expected = CASES[case]
        url, data = url_of(world), data_of(world)
    assert client.post(url, data).status_code == 403
    value = ReportedValue.objects.get(pk=world["value"].pk)
    assert value.state == ValueState.SUBMITTED and value.value == Decimal("98.4")
