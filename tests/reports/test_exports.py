"""Exporting reported values, DHIS2 dataValueSets both ways, and the round trip.

DHIS2's layouts in detail, read with DHIS2's own examples: tests/reports/test_dhis2.py.
"""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from departments.models import Department
from indicators.models import Indicator
from qualityhub.spreadsheets import neutralise
from reports.exchange.checking import parse_values_file
from reports.exchange.exports import export_values
from reports.exchange.services import import_values
from reports.models import ReportedValue
from tests.factories import reported_value

pytestmark = pytest.mark.django_db


@pytest.fixture
def values(catalog):
    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for period, value, note in (
        ("2024Q3", "93.9", '=HYPERLINK("http://x")'),
        ("2024Q4", "94.2", "-5 批次复检"),
    ):
        reported_value(
            indicator=mfg, department=amr, period=period, value=value, note=note, state="approved"
        )


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_cells_are_neutralised(text):
    assert neutralise(text) == "'" + text
    assert neutralise("93.71") == "93.71" and neutralise("正常") == "正常"


def test_csv_and_xlsx_neutralise_notes_but_keep_numbers_numeric(values):
    rows = list(csv.DictReader(io.StringIO(export_values("csv").decode("utf-8"))))
    mine = [r for r in rows if r["period"] in ("2024Q3", "2024Q4")]
    assert [r["note"] for r in mine] == ['\'=HYPERLINK("http://x")', "'-5 批次复检"]
    assert mine[0]["value"] == "93.9"
    sheet = load_workbook(io.BytesIO(export_values("xlsx"))).active
    cells = {row[4]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["2024Q3"][5] == 93.9 and cells["2024Q3"][7].startswith("'=")


def test_dhis2_json_and_csv_carry_dhis2s_data_value_fields(values):
    """DHIS2's own layouts; tests/reports/test_dhis2.py reads them back and checks each column."""
    payload = json.loads(export_values("dhis2-json"))
    item = next(v for v in payload["dataValues"] if v["period"] == "2024Q3")
    assert set(item) == {
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "lastUpdated",
        "comment",
        "followup",
    }
    assert (item["dataElement"], item["orgUnit"], item["value"]) == (
        "MFG_PRODUCT_PASS_RATE",
        "AMR",
        "93.9",
    )
    header = export_values("dhis2-csv").decode().splitlines()[0]
    assert header == (
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,"
        "storedby,lastupdated,comment,followup,deleted"
    )


def test_a_dhis2_json_file_imports(catalog, people):
    payload = {
        "dataValues": [
            {
                "dataElement": "MFG_PRODUCT_PASS_RATE",
                "period": "2024Q2",
                "orgUnit": "AMR",
                "value": "93.5",
                "comment": "DHIS2",
            }
        ]
    }
    preview = parse_values_file(json.dumps(payload).encode(), "dvs.json")
    assert preview.ok and preview.rows[0].value == Decimal("93.5")
    import_values(preview, acting_user=people.office)
    assert ReportedValue.objects.get(period="2024Q2", indicator__code="MFG_PRODUCT_PASS_RATE")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "dhis2-csv", "dhis2-json"])
def test_round_trip_export_import_into_an_empty_database_export_again(values, people, fmt):
    if fmt.startswith("dhis2"):
        # storedby / lastupdated describe the copy, not the value; compare the rest.
        def normalise(data):
            if fmt == "dhis2-json":
                items = json.loads(data)["dataValues"]
            else:
                items = list(csv.DictReader(io.StringIO(data.decode())))
            return [
                {k: v for k, v in i.items() if k.lower() not in ("storedby", "lastupdated")}
                for i in items
            ]
    else:

        def normalise(data):
            return (
                data
                if fmt == "csv"
                else [
                    row
                    for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
                ]
            )

    first = export_values(fmt)
    ReportedValue.objects.all().delete()
    preview = parse_values_file(first, f"all.{fmt.split('-')[-1]}")
    assert preview.errors == []
    import_values(preview, acting_user=people.office)
    assert normalise(export_values(fmt)) == normalise(first)


def test_gap_results_export_filtered_by_document_department_and_period(values, tmp_path):
    from django.core.management import call_command

    from reports.gaps.services import gaps_compute

    gaps_compute()
    path = tmp_path / "gaps.csv"
    call_command(
        "export_values",
        what="gaps",
        format="csv",
        output=path,
        document="outline-2023",
        department="AMR",
        period="2024Q4",
    )
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows and {r["department_code"] for r in rows} == {"AMR"}
    assert {r["period"] for r in rows} == {"2024Q4"}
    mfg = next(r for r in rows if r["indicator_code"] == "MFG_PRODUCT_PASS_RATE")
    assert mfg["gap"] == "2.3" and mfg["target_value"] == "96.5"


def test_gap_exports_keep_negative_numbers_numeric(values):
    from reports.exchange.exports import export_gaps
    from reports.gaps.services import gaps_compute

    ReportedValue.objects.filter(period="2024Q4").update(value=Decimal("97.5"))  # above ≥ 96.5
    gaps_compute()
    rows = list(csv.DictReader(io.StringIO(export_gaps("csv", period="2024Q4").decode())))
    amr = next(r for r in rows if r["department_code"] == "AMR")
    assert amr["gap"] == "-1" and amr["actual"] == "97.5"  # a surplus, not the text "'-1"
    sheet = load_workbook(io.BytesIO(export_gaps("xlsx", period="2024Q4"))).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    row = next(
        r
        for r in sheet.iter_rows(min_row=2, values_only=True)
        if r[header.index("department_code")] == "AMR"
    )
    assert row[header.index("gap")] == -1 and isinstance(
        row[header.index("ratio")], float | type(None)
    )
