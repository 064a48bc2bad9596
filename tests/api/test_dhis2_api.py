"""DHIS2's ``/api/dataValueSets`` (``api.dhis2``): what a DHIS2 client sends and reads.

The payloads are DHIS2's documented examples, from the DHIS2 Web API guide, "Data values",
https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/data.html (source:
github.com/dhis2/dhis2-docs, src/developer/web-api/data.md), with the section's anchor. Only the
identifiers are adapted to QualityHub's, the ones QualityHub exports (DHIS2 UIDs → indicator and
department codes, DHIS2's monthly periods → QualityHub quarters), as in
``tests/reports/test_dhis2.py``; every change is listed with the example.

The import summary is DHIS2 2.40's: a web message ``{httpStatus, httpStatusCode, status,
message, response}`` wrapping an ``ImportSummary`` (dhis2-core ``WebMessageUtils.importSummary``:
200 "OK" when there is no conflict, 409 "Conflict" with status WARNING or ERROR otherwise).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from api import dhis2_urls
from departments.models import Department
from indicators.models import Indicator, Target
from qualityhub.spreadsheets import MAX_BYTES
from reports.choices import ChangeVia, ValueState
from reports.exchange.dhis2 import CSV_COLUMNS, DEFAULT_COMBO_UID, read_dhis2
from reports.models import ReportedValue, ReportedValueChange
from reports.reporting.services import reported_value_followup_set
from tests.factories import UserFactory, reported_value, reporting_period
from tests.reports.test_dhis2 import DOCS_BULK_JSON, DOCS_SET_LEVEL_JSON

from .conftest import QUARTER

URL = reverse("api:dhis2-data-value-sets")

# DHIS2's documentation examples, adapted to QualityHub's codes: the JSON ones are those the file
# import is tested with (tests/reports/test_dhis2.py, where each names its source).

# DOCS #webapi_sending_bulks_data_values, the CSV: today's header, six columns, every cell
# quoted. Adapted: dataElement f7n9E0hX8qk, Ix2HsbDMLea, eY5ehpbEsB7 → the three indicators
# of DOCS_SET_LEVEL_JSON; period 201401 → 2024Q3; orgUnit DiszpKrYNg8 → AMR; both combos
# bRowv6yZOF2 → HllvX50cXC0 (DHIS2's default); values 1, 2, 3 → 93.9, 92.1, 98.6.
DOCS_BULK_CSV = b"""\
"dataelement","period","orgunit","categoryoptioncombo","attributeoptioncombo","value"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","93.9"
"CONSUMER_GOODS_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","92.1"
"ESSENTIAL_DRUG_SAMPLING_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","98.6"
"""


def sent():
    """The values the examples send (the catalogue's published figures are yearly)."""
    return ReportedValue.objects.filter(
        indicator__code="MFG_PRODUCT_PASS_RATE", period__in=["2024Q3", "2024Q4"]
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client, data: bytes, *, content_type="application/json", url=URL, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.post(f"{url}?{query}" if query else url, data, content_type=content_type)


def read(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def stream(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Sending: the import summary ---------------------------------------------------------------


def test_a_dry_run_of_dhis2s_bulk_example_returns_dhis2s_summary_and_writes_nothing(people):
    response = post(client_for(people.office), DOCS_BULK_JSON, dryRun="true")
    assert response.status_code == 200
    body = read(response)
    assert {k: body[k] for k in ("httpStatus", "httpStatusCode", "status")} == {
        "httpStatus": "OK",
        "httpStatusCode": 200,
        "status": "OK",
    }
    summary = body["response"]
    assert summary["responseType"] == "ImportSummary"
    assert summary["status"] == "SUCCESS"
    assert summary["importCount"] == {"imported": 4, "updated": 0, "ignored": 0, "deleted": 0}
    assert summary["conflicts"] == [] and summary["rejectedIndexes"] == []
    assert summary["dataSetComplete"] == "false"
    assert summary["importOptions"]["dryRun"] is True
    assert summary["importOptions"]["importStrategy"] == "CREATE_AND_UPDATE"
    assert not sent().exists()


def test_the_office_sends_values_that_appear_approved_with_history_via_the_api(people):
    response = post(client_for(people.office), DOCS_BULK_JSON)
    assert response.status_code == 200
    assert read(response)["response"]["importCount"]["imported"] == 4
    values = sent()
    assert sorted(values.values_list("department__code", "period", "value")) == [
        ("AGRI", "2024Q3", Decimal("94.1")),
        ("AMR", "2024Q3", Decimal("93.1")),
        ("AMR", "2024Q4", Decimal("93.6")),
        ("DRC", "2024Q4", Decimal("94.8")),
    ]
    assert set(values.values_list("state", flat=True)) == {ValueState.APPROVED}
    change = ReportedValueChange.objects.get(
        reported_value__department__code="AGRI", reported_value__period="2024Q3"
    )
    assert (change.via, change.get_via_display(), change.changed_by) == (
        ChangeVia.API,
        "接口",
        people.office,
    )

    again = read(post(client_for(people.office), DOCS_BULK_JSON))["response"]
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}
    assert ReportedValueChange.objects.filter(reported_value__in=values).count() == 4


def test_a_dry_run_gives_the_counts_the_import_then_gives(people):
    client = client_for(people.office)
    post(client, DOCS_BULK_JSON)
    changed = DOCS_BULK_JSON.replace(b'"93.1"', b'"95.5"')
    dry = read(post(client, changed, dryRun="true"))["response"]
    assert dry["importCount"] == {"imported": 0, "updated": 1, "ignored": 3, "deleted": 0}
    assert ReportedValue.objects.get(department__code="AMR", period="2024Q3").value == Decimal(
        "93.1"
    )
    done = read(post(client, changed))["response"]
    assert done["importCount"] == dry["importCount"]
    assert ReportedValue.objects.get(department__code="AMR", period="2024Q3").value == Decimal(
        "95.5"
    )


@pytest.mark.parametrize("content_type", ["application/csv", "text/csv"])
def test_dhis2s_csv_is_imported_like_its_json(people, content_type):
    response = post(client_for(people.office), DOCS_BULK_CSV, content_type=content_type)
    assert response.status_code == 200, response.content
    assert read(response)["response"]["importCount"]["imported"] == 3
    assert ReportedValue.objects.filter(department__code="AMR", period="2024Q3").count() == 3


def test_set_level_period_and_org_unit_apply_to_every_value(people):
    response = post(client_for(people.office), DOCS_SET_LEVEL_JSON)
    assert read(response)["response"]["importCount"]["imported"] == 3
    assert ReportedValue.objects.filter(department__code="AMR", period="2024Q3").count() == 3


def test_the_delete_strategy_deletes_nothing_and_lists_each_value(people):
    client = client_for(people.office)
    post(client, DOCS_BULK_JSON)
    response = post(client, DOCS_BULK_JSON, importStrategy="DELETE")
    assert response.status_code == 409
    body = read(response)
    assert (body["httpStatus"], body["status"]) == ("Conflict", "WARNING")
    summary = body["response"]
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}
    assert summary["rejectedIndexes"] == [0, 1, 2, 3]
    assert "不通过接口删除数值" in summary["conflicts"][0]["value"]
    assert sent().count() == 4


def test_a_value_marked_deleted_is_ignored_and_the_rest_imported(people):
    payload = json.loads(DOCS_BULK_JSON)
    payload["dataValues"][1]["deleted"] = True
    response = post(client_for(people.office), json.dumps(payload).encode())
    assert response.status_code == 409
    summary = read(response)["response"]
    assert summary["status"] == "WARNING"
    assert summary["importCount"] == {"imported": 3, "updated": 0, "ignored": 1, "deleted": 0}
    assert summary["rejectedIndexes"] == [1]
    (conflict,) = summary["conflicts"]
    assert conflict["object"] == "MFG_PRODUCT_PASS_RATE" and conflict["property"] == "deleted"
    assert conflict["objects"] == {
        "dataElement": "MFG_PRODUCT_PASS_RATE",
        "period": "2024Q3",
        "orgUnit": "AGRI",
    }
    assert conflict["indexes"] == [1] and "已删除" in conflict["value"]
    assert not ReportedValue.objects.filter(department__code="AGRI", period="2024Q3").exists()


def test_create_only_adds_and_update_only_changes(people):
    client = client_for(people.office)
    first = {"dataValues": json.loads(DOCS_BULK_JSON)["dataValues"][:2]}
    post(client, json.dumps(first).encode())
    changed = DOCS_BULK_JSON.replace(b'"93.1"', b'"95.5"')

    created = read(post(client, changed, importStrategy="CREATE"))["response"]
    assert created["importCount"] == {"imported": 2, "updated": 0, "ignored": 2, "deleted": 0}
    assert ReportedValue.objects.get(department__code="AMR", period="2024Q3").value == Decimal(
        "93.1"
    )
    changed = changed.replace(b'"93.6"', b'"92.2"')
    updated = read(post(client, changed, importStrategy="UPDATE"))["response"]
    assert updated["importCount"]["updated"] == 2
    assert ReportedValue.objects.get(department__code="AMR", period="2024Q3").value == Decimal(
        "95.5"
    )


def test_a_value_that_looks_like_a_fraction_needs_accept_flags(people):
    payload = b"""{"dataValues": [
      {"dataElement": "MFG_PRODUCT_PASS_RATE", "period": "2024Q3", "orgUnit": "AMR",
       "value": "0.94"}]}"""
    client = client_for(people.office)
    response = post(client, payload)
    assert response.status_code == 409
    summary = read(response)["response"]
    assert summary["status"] == "ERROR"
    assert "acceptFlags=true" in summary["conflicts"][0]["value"]
    assert not sent().filter(department__code="AMR").exists()
    assert post(client, payload, acceptFlags="true").status_code == 200
    assert sent().get(department__code="AMR").value == Decimal("0.94")


# --- A DHIS2 client: send, then read back --------------------------------------------------------


def _data_set(code: str) -> str:
    return Target.objects.filter(indicator__code=code).values_list("document__code", flat=True)[0]


def test_a_dhis2_client_sends_a_set_and_reads_it_back_as_json_and_csv(people):
    client = client_for(people.office)
    assert post(client, DOCS_SET_LEVEL_JSON).status_code == 200
    query = f"period=2024Q3&orgUnit=AMR&dataSet={_data_set('MFG_PRODUCT_PASS_RATE')}"

    response = client.get(f"{URL}.json?{query}")
    assert response.status_code == 200 and response.streaming
    values = json.loads(stream(response))["dataValues"]
    mine = {v["dataElement"]: v for v in values}
    assert mine["MFG_PRODUCT_PASS_RATE"]["value"] == "93.9"
    assert set(mine["MFG_PRODUCT_PASS_RATE"]) == {
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "comment",
        "followup",
    }
    assert mine["MFG_PRODUCT_PASS_RATE"]["storedBy"] == "olivia"
    assert mine["MFG_PRODUCT_PASS_RATE"]["categoryOptionCombo"] == DEFAULT_COMBO_UID
    assert mine["MFG_PRODUCT_PASS_RATE"]["followup"] is False

    csv_response = client.get(f"{URL}.csv?{query}")
    assert csv_response["Content-Type"].startswith("application/csv")
    body = stream(csv_response)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    as_csv = {(r.data_element, r.period, r.org_unit, r.value) for r in read_dhis2(body).rows}
    as_json = {(v["dataElement"], v["period"], v["orgUnit"], v["value"]) for v in values}
    assert as_csv == as_json and len(as_csv) >= 1

    # What was read is sent back as it is: nothing changes.
    again = read(post(client, body, content_type="application/csv"))["response"]
    assert again["importCount"]["imported"] == again["importCount"]["updated"] == 0


def test_the_offices_follow_up_mark_is_dhis2s_followup(people):
    client = client_for(people.office)
    post(client, DOCS_BULK_JSON)
    marked = sent().get(department__code="DRC")
    reported_value_followup_set(marked, followup=True, acting_user=people.office)
    values = json.loads(stream(client.get(f"{URL}?period=2024Q4")))["dataValues"]
    assert {v["orgUnit"]: v["followup"] for v in values} == {"AMR": False, "DRC": True}
    rows = list(
        csv.DictReader(io.StringIO(stream(client.get(f"{URL}.csv?period=2024Q4")).decode()))
    )
    assert {r["orgunit"]: r["followup"] for r in rows} == {"AMR": "false", "DRC": "true"}


@pytest.mark.parametrize(
    ("accept", "kind"),
    [("application/json", "json"), ("application/csv", "csv"), ("text/csv", "csv")],
)
def test_the_accept_header_chooses_json_or_csv(people, accept, kind):
    client = client_for(people.office)
    post(client, DOCS_BULK_JSON)
    response = client.get(f"{URL}?period=2024Q4", headers={"Accept": accept})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(accept)
    table = read_dhis2(stream(response))
    assert table.kind == kind
    assert {(r.org_unit, r.value) for r in table.rows} == {("AMR", "93.6"), ("DRC", "94.8")}


def test_start_and_end_dates_take_the_periods_within_them(people):
    client = client_for(people.office)
    post(client, DOCS_BULK_JSON)
    inside = json.loads(stream(client.get(f"{URL}?startDate=2024-07-01&endDate=2024-09-30")))
    assert {v["period"] for v in inside["dataValues"]} == {"2024Q3"}
    year = json.loads(stream(client.get(f"{URL}?startDate=2024-01-01&endDate=2024-12-31")))
    assert len(year["dataValues"]) == 4


@pytest.mark.parametrize(
    "query",
    [
        "period=202401",
        "period=2024Q5",
        "startDate=2024-01-01",
        "startDate=2024-02-30&endDate=2024-12-31",
        "startDate=2024-12-31&endDate=2024-01-01",
        "orgUnit=NOWHERE",
        "dataSet=no-such-plan",
        "dataElement=NOPE",
        "lastUpdated=yesterday",
        "limit=-1",
        "limit=²",
    ],
)
def test_a_query_dhis2_would_refuse_is_a_409_with_a_chinese_message(people, query):
    response = client_for(people.office).get(f"{URL}?{query}")
    assert response.status_code == 409
    body = read(response)
    assert (body["httpStatus"], body["httpStatusCode"], body["status"]) == (
        "Conflict",
        409,
        "ERROR",
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])


# --- Who may read and send what --------------------------------------------------------------


def _agri_values(people):
    agri = Department.objects.get(code="AGRI")
    rate = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    brands = Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS")
    return agri, rate, brands


def test_a_reporter_reads_only_their_own_departments_values(people):
    post(client_for(people.office), DOCS_BULK_JSON)
    client = client_for(people.owner)
    values = json.loads(stream(client.get(URL)))["dataValues"]
    assert {v["orgUnit"] for v in values} == {"AGRI"}
    # Another department is answered as one that does not exist.
    other = read(client.get(f"{URL}?orgUnit=AMR"))
    unknown = read(client.get(f"{URL}?orgUnit=NOWHERE"))
    assert other["message"].replace("AMR", "X") == unknown["message"].replace("NOWHERE", "X")
    outsider = json.loads(stream(client_for(people.outsider).get(URL)))
    assert {v["orgUnit"] for v in outsider["dataValues"]} <= {"IPA"}


def test_a_reporter_sends_drafts_of_their_own_department_via_the_api(people):
    agri, rate, brands = _agri_values(people)
    payload = json.dumps(
        {
            "period": QUARTER,
            "orgUnit": "AGRI",
            "dataValues": [
                {"dataElement": rate.code, "value": "98.2"},
                {"dataElement": brands.code, "value": "12", "comment": "新认定"},
            ],
        }
    ).encode()
    client = client_for(people.owner)
    dry = read(post(client, payload, dryRun="true"))["response"]
    assert dry["importCount"] == {"imported": 2, "updated": 0, "ignored": 0, "deleted": 0}
    assert not ReportedValue.objects.filter(department=agri, period=QUARTER).exists()

    response = post(client, payload)
    assert response.status_code == 200, response.content
    assert read(response)["response"]["importCount"] == dry["importCount"]
    saved = ReportedValue.objects.get(indicator=brands, department=agri, period=QUARTER)
    assert (saved.value, saved.note, saved.state) == (Decimal(12), "新认定", ValueState.DRAFT)
    change = saved.changes.get()
    assert (change.via, change.changed_by) == (ChangeVia.API, people.owner)


def test_a_reporter_cannot_send_another_departments_values_and_nothing_is_written(people):
    _agri, rate, _brands = _agri_values(people)
    payload = json.dumps(
        {
            "period": QUARTER,
            "dataValues": [
                {"dataElement": rate.code, "orgUnit": "AGRI", "value": "98.2"},
                {"dataElement": "MFG_PRODUCT_PASS_RATE", "orgUnit": "AMR", "value": "93.1"},
            ],
        }
    ).encode()
    response = post(client_for(people.owner), payload)
    assert response.status_code == 409
    summary = read(response)["response"]
    assert summary["status"] == "ERROR"
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 2, "deleted": 0}
    assert [c["property"] for c in summary["conflicts"]] == ["orgUnit"]
    assert summary["rejectedIndexes"] == [1]
    assert not ReportedValue.objects.filter(period=QUARTER).exists()


def test_a_reporters_draft_that_breaks_a_rule_is_a_conflict_and_nothing_is_written(people):
    agri, rate, brands = _agri_values(people)
    reported_value(indicator=rate, department=agri, period=QUARTER, value="98.5", state="approved")
    payload = json.dumps(
        {
            "period": QUARTER,
            "orgUnit": "AGRI",
            "dataValues": [
                {"dataElement": brands.code, "value": "12"},
                {"dataElement": rate.code, "value": "97.0"},  # approved: locked
            ],
        }
    ).encode()
    response = post(client_for(people.owner), payload)
    assert response.status_code == 409
    summary = read(response)["response"]
    assert summary["status"] == "ERROR" and summary["rejectedIndexes"] == [1]
    assert not ReportedValue.objects.filter(indicator=brands, period=QUARTER).exists()
    assert ReportedValue.objects.get(indicator=rate, period=QUARTER).value == Decimal("98.5")


def test_someone_without_a_role_gets_404_and_anonymous_is_refused(people):
    nobody = UserFactory(username="nadia")
    assert client_for(nobody).get(URL).status_code == 404
    assert post(client_for(nobody), DOCS_BULK_JSON).status_code == 404
    assert client_for(None).get(URL).status_code in (401, 403)
    assert post(client_for(None), DOCS_BULK_JSON).status_code in (401, 403)
    assert not sent().exists()


def test_a_token_reads_and_sends_as_its_user(people):
    services = pytest.importorskip("api.services")
    _token, key = services.api_token_create(user=people.office, name="dhis2")
    client = Client(headers={"Authorization": f"Token {key}"})
    response = client.post(URL, DOCS_BULK_JSON, content_type="application/json")
    assert response.status_code == 200, response.content
    values = json.loads(stream(client.get(f"{URL}?period=2024Q3")))["dataValues"]
    assert {(v["orgUnit"], v["storedBy"]) for v in values} == {
        ("AMR", "olivia"),
        ("AGRI", "olivia"),
    }


# --- Payloads that cannot be imported -----------------------------------------------------------


def _one(**value) -> bytes:
    item = {"dataElement": "MFG_PRODUCT_PASS_RATE", "period": "2024Q3", "orgUnit": "AMR"}
    return json.dumps({"dataValues": [{**item, **value}]}).encode()


@pytest.mark.parametrize(
    ("payload", "content_type", "status", "prop"),
    [
        (b'{"dataValues": [', "application/json", 400, "dataValueSet"),
        (b"", "application/json", 400, "dataValueSet"),
        (b'[{"dataElement": "X"}]', "application/json", 400, "dataValueSet"),
        (DOCS_BULK_JSON, "text/csv", 400, "dataValueSet"),
        (b'{"dataValues": "all of them"}', "application/json", 409, "dataValueSet"),
        (b'{"dataValues": [{"dataElement": ["A", "B"]}]}', "application/json", 409, ""),
        (b'{"dataValues": [{"dataElement": {"x": 1}}]}', "application/json", 409, ""),
        (b'{"dataValues": [1, 2]}', "application/json", 409, "dataValueSet"),
        (b'{"dataValues": [], "deletion": {}}', "application/json", 409, "dataValueSet"),
        (_one(value="93.1", categoryOptionCombo="Prlt0C1RF0s"), "application/json", 409, ""),
        (_one(value="93.1", followup="perhaps"), "application/json", 409, ""),
        (b"just some words\nand more", "text/csv", 409, "dataValueSet"),
        (b"\xff\xfe\x00\x00garbage", "application/csv", 409, "dataValueSet"),
        (_one(value="93.1", dataElement="NOPE"), "application/json", 409, "dataElement"),
        (_one(value="93.1", orgUnit="NOWHERE"), "application/json", 409, "orgUnit"),
        (_one(value="93.1", period="202401"), "application/json", 409, "period"),
        (_one(value="1e999999"), "application/json", 409, "value"),
        (_one(value="123456789012345678901234567890"), "application/json", 409, "value"),
        (
            b'{"dataValues": [{"dataElement": "MFG_PRODUCT_PASS_RATE", "period": "2024Q3",'
            b' "orgUnit": "AMR", "value": 1e999}]}',
            "application/json",
            409,
            "value",
        ),
        (_one(value="NaN"), "application/json", 409, "value"),
        (_one(value="abc"), "application/json", 409, "value"),
        (_one(value="-5"), "application/json", 409, "value"),
    ],
)
def test_a_bad_payload_is_refused_with_a_conflict_and_nothing_is_written(
    people, payload, content_type, status, prop
):
    response = post(client_for(people.office), payload, content_type=content_type)
    assert response.status_code == status, response.content
    body = read(response)
    summary = body["response"]
    assert (body["status"], summary["status"]) == ("ERROR", "ERROR")
    assert summary["conflicts"], summary
    if prop:
        assert summary["conflicts"][0]["property"] == prop
    assert summary["importCount"]["imported"] == summary["importCount"]["updated"] == 0
    assert not sent().filter(department__code="AMR").exists()


@pytest.mark.parametrize(
    "params", [{"importStrategy": "MERGE"}, {"dryRun": "maybe"}, {"acceptFlags": "2"}]
)
def test_bad_import_parameters_are_refused(people, params):
    response = post(client_for(people.office), DOCS_BULK_JSON, **params)
    assert response.status_code == 400
    assert read(response)["response"]["status"] == "ERROR"
    assert not sent().exists()


def test_a_payload_over_20_mb_is_413_and_nothing_is_written(people):
    payload = DOCS_BULK_JSON[:-1] + b" " * MAX_BYTES + b"}"
    response = post(client_for(people.office), payload)
    assert response.status_code == 413
    summary = read(response)["response"]
    assert summary["status"] == "ERROR" and "20 MB" in summary["conflicts"][0]["value"]
    assert not sent().exists()


def test_another_content_type_is_415(people):
    response = client_for(people.office).post(
        URL, b"<dataValueSet/>", content_type="application/xml"
    )
    assert response.status_code == 415


def test_an_empty_set_imports_nothing_successfully(people):
    response = post(client_for(people.office), b'{"dataValues": []}')
    assert response.status_code == 200
    assert read(response)["response"]["importCount"]["imported"] == 0


# --- The OpenAPI description -----------------------------------------------------------------


def test_the_schema_describes_both_media_types_and_the_import_summary():
    schema = SchemaGenerator(patterns=dhis2_urls.urlpatterns).get_schema(request=None, public=True)
    operation = schema["paths"]["/dataValueSets"]
    assert set(operation["get"]["responses"]["200"]["content"]) == {
        "application/json",
        "application/csv",
        "text/csv",
    }
    assert set(operation["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/csv",
        "text/csv",
    }
    assert {p["name"] for p in operation["get"]["parameters"]} >= {
        "dataSet",
        "period",
        "orgUnit",
        "startDate",
        "endDate",
    }
    assert "409" in operation["post"]["responses"]
    assert set(schema["paths"]["/dataValueSets.csv"]["get"]["responses"]["200"]["content"]) == {
        "application/csv",
        "text/csv",
    }


@pytest.mark.parametrize(
    "field", ["dataElement", "orgUnit", "period", "value", "comment", "categoryOptionCombo"]
)
@pytest.mark.parametrize("text", ["\\ud800", "\\u0000", "x\\udfffy"])
def test_unstorable_characters_in_a_payload_are_refused_not_a_500(people, field, text):
    item = {
        "dataElement": "MFG_PRODUCT_PASS_RATE",
        "period": "2024Q3",
        "orgUnit": "AMR",
        "value": "93.1",
    }
    body = json.dumps({"dataValues": [item]}).replace(
        f'"{field}": "{item.get(field, "")}"' if field in item else '"value"',
        f'"{field}": "{text}"' if field in item else f'"{field}": "{text}", "value"',
    )
    for user in (people.office, people.owner):
        response = post(client_for(user), body.encode())
        assert 400 <= response.status_code < 500, response.content
    assert not sent().exists()


def test_a_reporter_cannot_send_into_a_closed_period(people):
    _agri, rate, _brands = _agri_values(people)
    reporting_period(QUARTER, deadline=dt.date(2026, 10, 15), status="closed")
    payload = json.dumps(
        {
            "period": QUARTER,
            "orgUnit": "AGRI",
            "dataValues": [{"dataElement": rate.code, "value": "98.2"}],
        }
    ).encode()
    response = post(client_for(people.owner), payload)
    assert response.status_code == 409
    summary = read(response)["response"]
    assert summary["status"] == "ERROR" and "截止" in summary["conflicts"][0]["value"]
    assert not ReportedValue.objects.filter(indicator=rate, period=QUARTER).exists()


HOSTILE = [
    "\x00",
    "2026Q3\x00",
    "x" * 5000,
    "abc",
    str(10**30),
    str(2**63),
    "-1",
    "１２３",
    "２０２４Q3",
    "指标😀\u202e",
    "",
    ",,,",
    "2026Q5",
    "2999Q4",
    "0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "2024-02-30",
    "²",
    "../../etc/passwd",
]
PARAMETERS = [
    "dataSet",
    "dataElement",
    "period",
    "startDate",
    "endDate",
    "orgUnit",
    "lastUpdated",
    "limit",
    "dryRun",
    "importStrategy",
    "acceptFlags",
    "format",
]


@pytest.mark.parametrize("name", PARAMETERS)
def test_hostile_parameters_are_never_a_server_error(people, name):
    for user in (people.office, people.owner):
        client = client_for(user)
        for value in HOSTILE:
            query = f"{name}={quote(value)}"
            if name == "endDate":
                query += "&startDate=2024-01-01"
            for path in (URL, f"{URL}.json", f"{URL}.csv"):
                response = client.get(f"{path}?{query}")
                assert response.status_code < 500, (path, query, response.status_code)
                if response.streaming:
                    stream(response)
                response = post(client, DOCS_BULK_JSON, url=f"{path}?{query}&dryRun=true")
                assert response.status_code < 500, (path, query, response.status_code)
    assert not sent().exists()
