"""DHIS2 data values as DHIS2 writes and reads them (``reports.exchange.dhis2``), and the exports.

The files below are DHIS2's own examples. Where they come from is noted above each one:

- DOCS: the DHIS2 Web API guide, "Data values",
  https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-master/data.html
  (source: github.com/dhis2/dhis2-docs, src/developer/web-api/data.md, commit 06b37272a612),
  with the section's anchor;
- CORE: DHIS2's own code and test files, github.com/dhis2/dhis2-core (commit 3f8c14a02b3b).

Only the identifiers are adapted to QualityHub's codes (DHIS2 UIDs → indicator and department
codes, DHIS2's monthly periods → QualityHub quarters), so that the same files also pass the
checking step; every such change is listed with the example. Layout, keys, quoting, column order
and header spelling are DHIS2's, unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from departments.models import Department
from indicators.models import Indicator
from qualityhub.spreadsheets import MAX_BYTES, undo_neutralise
from reports.exchange.checking import parse_values_file
from reports.exchange.dhis2 import (
    CSV_COLUMNS,
    DEFAULT_COMBO_UID,
    Dhis2Row,
    dhis2_skip_reason,
    is_dhis2,
    read_dhis2,
)
from reports.exchange.exports import export_values
from reports.exchange.parsing import ImportFileError
from reports.models import ReportedValue
from tests.factories import reported_value

DELETED_REASON = "DHIS2 标记为已删除（deleted），未导入；QualityHub 不通过导入删除数值"

# DOCS #webapi_sending_data_values ("Sending data values"), the JSON message for the
# Mortality < 5 years data set: period, orgUnit, dataSet and completeDate on the set, not on
# the values. Adapted: period 201401 → 2024Q3; orgUnit DiszpKrYNg8 → AMR; dataElement
# f7n9E0hX8qk, Ix2HsbDMLea, eY5ehpbEsB7 → MFG_PRODUCT_PASS_RATE, CONSUMER_GOODS_PASS_RATE,
# ESSENTIAL_DRUG_SAMPLING_PASS_RATE; values 1, 2, 3 → 93.9, 92.1, 98.6.
DOCS_SET_LEVEL_JSON = b"""{
  "dataSet": "pBOMPrpg1QX",
  "completeDate": "2014-02-03",
  "period": "2024Q3",
  "orgUnit": "AMR",
  "dataValues": [
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "value": "93.9"
    },
    {
      "dataElement": "CONSUMER_GOODS_PASS_RATE",
      "value": "92.1"
    },
    {
      "dataElement": "ESSENTIAL_DRUG_SAMPLING_PASS_RATE",
      "value": "98.6"
    }
  ]
}"""

# DOCS #webapi_sending_bulks_data_values ("Sending bulks of data values"), the JSON:
# period and orgUnit on each value. Adapted: dataElement f7n9E0hX8qk → MFG_PRODUCT_PASS_RATE;
# periods 201401, 201402 → 2024Q3, 2024Q4; orgUnits DiszpKrYNg8, FNnj3jKGS7i, Jkhdsf8sdf4 → AMR,
# AGRI, DRC; values 12, 14, 16, 18 → 93.1, 94.1, 93.6, 94.8.
DOCS_BULK_JSON = b"""{
  "dataValues": [
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "period": "2024Q3",
      "orgUnit": "AMR",
      "value": "93.1"
    },
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "period": "2024Q3",
      "orgUnit": "AGRI",
      "value": "94.1"
    },
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "period": "2024Q4",
      "orgUnit": "AMR",
      "value": "93.6"
    },
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "period": "2024Q4",
      "orgUnit": "DRC",
      "value": "94.8"
    }
  ]
}"""

# DOCS #webapi_reading_data_values ("Reading data values"), the JSON response: set-level
# fields and per-value period/orgUnit/categoryOptionCombo together. The same section says "a
# deleted value has the `deleted` property set to true" (with includeDeleted=true); the second
# value carries it as DHIS2 writes it (CORE DataExportOutput.toJson: `"deleted": true` only when
# deleted). Adapted: dataSet kept; period 201401 → 2024Q3; orgUnit DiszpKrYNg8 → AMR;
# dataElement eY5ehpbEsB7, Ix2HsbDMLea, f7n9E0hX8qk → the three indicators above;
# categoryOptionCombo bRowv6yZOF2 (a combo of the demo database) → HllvX50cXC0, DHIS2's default;
# values 10003, 10002, 10001 → 93.7, 92.5, 98.1; `"deleted": true` added to the second value.
DOCS_RESPONSE_JSON_WITH_DELETED = b"""{
  "dataSet": "pBOMPrpg1QX",
  "completeDate": "2014-02-03",
  "period": "2024Q3",
  "orgUnit": "AMR",
  "dataValues": [
    {
      "dataElement": "MFG_PRODUCT_PASS_RATE",
      "categoryOptionCombo": "HllvX50cXC0",
      "period": "2024Q3",
      "orgUnit": "AMR",
      "value": "93.7"
    },
    {
      "dataElement": "CONSUMER_GOODS_PASS_RATE",
      "categoryOptionCombo": "HllvX50cXC0",
      "period": "2024Q3",
      "orgUnit": "AMR",
      "value": "92.5",
      "deleted": true
    },
    {
      "dataElement": "ESSENTIAL_DRUG_SAMPLING_PASS_RATE",
      "categoryOptionCombo": "HllvX50cXC0",
      "period": "2024Q3",
      "orgUnit": "AMR",
      "value": "98.1"
    }
  ]
}"""

# DOCS #webapi_sending_bulks_data_values, the CSV: today's header spelling
# (categoryoptioncombo, attributeoptioncombo), the first six columns only, every cell quoted.
# Adapted: dataElement f7n9E0hX8qk, Ix2HsbDMLea, eY5ehpbEsB7 → the three indicators; period
# 201401 → 2024Q3; orgUnit DiszpKrYNg8 → AMR; both combos bRowv6yZOF2 → HllvX50cXC0; values
# 1, 2, 3 → 93.9, 92.1, 98.6.
DOCS_CURRENT_HEADER_CSV = b""""dataelement","period","orgunit","categoryoptioncombo","attributeoptioncombo","value"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","93.9"
"CONSUMER_GOODS_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","92.1"
"ESSENTIAL_DRUG_SAMPLING_PASS_RATE","2024Q3","AMR","HllvX50cXC0","HllvX50cXC0","98.6"
"""  # noqa: E501

# CORE dhis-2/dhis-services/dhis-service-core/.../datavalue/DataExportOutput.java: the header
# DHIS2 writes today (CSV_HEADER_ROW, eleven columns; also the header of CORE
# DataValueSetControllerTest.testPostCsvDataValueSet), with a row as toCsv writes it (followup
# and deleted as String.valueOf). Adapted: the identifiers and values as above; the last row is
# deleted.
CORE_CURRENT_HEADER_CSV = (
    b"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,"
    b"lastupdated,comment,followup,deleted\n"
    b"MFG_PRODUCT_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,93.9,system,"
    b"2015-04-05T19:58:12.000,comment1,false,false\n"
    b"CONSUMER_GOODS_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,92.1,system,"
    b"2015-04-05T19:58:12.000,comment2,true,true\n"
)

# DOCS #webapi_reading_data_values, the CSV response: the older header (catoptcombo,
# attroptcombo, flwup), ten columns, no quotes. Adapted: dataElement f7n9E0hX8qk, Ix2HsbDMLea,
# eY5ehpbEsB7, FTRrcoaog83 → MFG_PRODUCT_PASS_RATE, CONSUMER_GOODS_PASS_RATE,
# ESSENTIAL_DRUG_SAMPLING_PASS_RATE, AGRI_PRODUCT_SAFETY_PASS_RATE; period 201401 → 2024Q3;
# orgUnit DiszpKrYNg8 → AMR; both combos bRowv6yZOF2 → HllvX50cXC0; values 12, 14, 16, 12 →
# 93.9, 92.1, 98.6, 97.2.
DOCS_OLDER_HEADER_CSV = b"""dataelement,period,orgunit,catoptcombo,attroptcombo,value,storedby,lastupdated,comment,flwup
MFG_PRODUCT_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,93.9,system,2015-04-05T19:58:12.000,comment1,false
CONSUMER_GOODS_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,92.1,system,2015-04-05T19:58:12.000,comment2,false
ESSENTIAL_DRUG_SAMPLING_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,98.6,system,2015-04-05T19:58:12.000,comment3,false
AGRI_PRODUCT_SAFETY_PASS_RATE,2024Q3,AMR,HllvX50cXC0,HllvX50cXC0,97.2,system,2014-03-02T21:45:05.519,comment4,false
"""  # noqa: E501

# DOCS #webapi_sending_data_values, the CSV: the documentation's other older spellings (strby,
# lstupd, cmt). Adapted: dataElementID → MFG_PRODUCT_PASS_RATE; period → 2024Q3; orgUnitID →
# AMR; cocID and aocID → HllvX50cXC0 and empty; values 1, 2, 3 → 93.1, 93.2, 93.3 (the three
# rows name one indicator, department and period, as the example does).
DOCS_SHORT_HEADER_CSV = b""""dataelement","period","orgunit","catoptcombo","attroptcombo","value","strby","lstupd","cmt"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","HllvX50cXC0","","93.1","username","2015-04-01","comment1"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","HllvX50cXC0","","93.2","username","2015-04-01","comment2"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","HllvX50cXC0","","93.3","username","2015-04-01","comment3"
"""  # noqa: E501

# CORE dhis-2/dhis-test-integration/src/test/resources/dxf2/datavalueset/dataValueSetBNoHeader.csv
# (DHIS2's own file without a header; DHIS2 up to 2.42 read it with firstRowIsHeader=false), its
# first three rows. Adapted: f7n9E0hX8qk → MFG_PRODUCT_PASS_RATE; periods 201201, 201202 →
# 2024Q3, 2024Q4; orgUnits DiszpKrYNg8, BdfsJfj87js → AMR, AGRI; values 10001-10003 → 93.1-93.3.
CORE_NO_HEADER_CSV = b""""MFG_PRODUCT_PASS_RATE","2024Q3","AMR","","","93.1","john","2012-01-01","comment","false"
"MFG_PRODUCT_PASS_RATE","2024Q3","AGRI","","","93.2","john","2012-01-01","comment","false"
"MFG_PRODUCT_PASS_RATE","2024Q4","AMR","","","93.3","john","2012-01-01","comment","false"
"""  # noqa: E501

# DOCS #webapi_data_values_csv ("CSV data value format"), the example "which can be imported
# into DHIS2": its category option combos Prlt0C1RF0s and V6L425pT3A0 disaggregate the value
# (e.g. by age), which QualityHub does not. Adapted: dataElement DUSpd8Jq3M7 →
# MFG_PRODUCT_PASS_RATE; period 201202 → 2024Q3; orgUnits gP6hn503KUX, OjTS752GbZE → AMR, AGRI.
# The combos are kept: they are what is being refused.
DOCS_DISAGGREGATED_CSV = b""""dataelement","period","orgunit","catoptcombo","attroptcombo","value","storedby","timestamp"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","Prlt0C1RF0s",,"7","bombali","2010-04-17"
"MFG_PRODUCT_PASS_RATE","2024Q3","AMR","V6L425pT3A0",,"10","bombali","2010-04-17"
"MFG_PRODUCT_PASS_RATE","2024Q3","AGRI","V6L425pT3A0",,"9","bombali","2010-04-06"
"""  # noqa: E501


def _keys(table):
    return [(r.row, r.data_element, r.period, r.org_unit, r.value) for r in table.rows]


# --- JSON -------------------------------------------------------------------------------------


def test_json_set_level_period_org_unit_and_data_set_apply_to_every_value():
    table = read_dhis2(DOCS_SET_LEVEL_JSON)
    assert table.kind == "json"
    assert _keys(table) == [
        (1, "MFG_PRODUCT_PASS_RATE", "2024Q3", "AMR", "93.9"),
        (2, "CONSUMER_GOODS_PASS_RATE", "2024Q3", "AMR", "92.1"),
        (3, "ESSENTIAL_DRUG_SAMPLING_PASS_RATE", "2024Q3", "AMR", "98.6"),
    ]
    assert {(r.data_set, r.complete_date) for r in table.rows} == {("pBOMPrpg1QX", "2014-02-03")}
    assert not any(r.deleted for r in table.rows)


def test_json_values_carrying_their_own_period_and_org_unit():
    table = read_dhis2(DOCS_BULK_JSON)
    assert [(r.period, r.org_unit, r.value) for r in table.rows] == [
        ("2024Q3", "AMR", "93.1"),
        ("2024Q3", "AGRI", "94.1"),
        ("2024Q4", "AMR", "93.6"),
        ("2024Q4", "DRC", "94.8"),
    ]


def test_a_value_own_fields_win_over_the_set_and_the_set_fills_the_rest():
    payload = json.loads(DOCS_SET_LEVEL_JSON)
    payload["attributeOptionCombo"] = DEFAULT_COMBO_UID
    payload["dataValues"][1].update(period="2024Q4", orgUnit="AGRI")
    rows = read_dhis2(json.dumps(payload).encode()).rows
    assert [(r.period, r.org_unit) for r in rows] == [
        ("2024Q3", "AMR"),
        ("2024Q4", "AGRI"),
        ("2024Q3", "AMR"),
    ]
    assert {r.attribute_option_combo for r in rows} == {DEFAULT_COMBO_UID}


def test_a_json_value_marked_deleted_is_read_as_deleted_and_given_a_skip_reason():
    rows = read_dhis2(DOCS_RESPONSE_JSON_WITH_DELETED).rows
    assert [r.deleted for r in rows] == [False, True, False]
    assert [dhis2_skip_reason(r) for r in rows] == [None, DELETED_REASON, None]


def test_a_set_sent_with_the_delete_strategy_deletes_every_value():
    payload = {**json.loads(DOCS_BULK_JSON), "strategy": "DELETE"}
    assert all(r.deleted for r in read_dhis2(json.dumps(payload).encode()).rows)


def test_followup_is_read_in_either_spelling_and_numbers_are_kept_as_written():
    payload = json.loads(DOCS_BULK_JSON)
    payload["dataValues"][0].update(followup=True, value=93.10)
    payload["dataValues"][1].update(followUp="true")
    data = json.dumps(payload).encode().replace(b"93.1,", b"93.10,")
    rows = read_dhis2(data).rows
    assert [r.follow_up for r in rows] == [True, True, False, False]
    assert rows[0].value == "93.10"


# --- CSV --------------------------------------------------------------------------------------


def test_csv_with_todays_header_six_columns():
    table = read_dhis2(DOCS_CURRENT_HEADER_CSV)
    assert (table.kind, table.header) == ("csv", True)
    assert _keys(table) == [
        (2, "MFG_PRODUCT_PASS_RATE", "2024Q3", "AMR", "93.9"),
        (3, "CONSUMER_GOODS_PASS_RATE", "2024Q3", "AMR", "92.1"),
        (4, "ESSENTIAL_DRUG_SAMPLING_PASS_RATE", "2024Q3", "AMR", "98.6"),
    ]
    assert {(r.category_option_combo, r.attribute_option_combo) for r in table.rows} == {
        (DEFAULT_COMBO_UID, DEFAULT_COMBO_UID)
    }


def test_csv_with_todays_header_eleven_columns_and_a_deleted_value():
    rows = read_dhis2(CORE_CURRENT_HEADER_CSV).rows
    assert rows[0] == Dhis2Row(
        row=2,
        data_element="MFG_PRODUCT_PASS_RATE",
        period="2024Q3",
        org_unit="AMR",
        value="93.9",
        comment="comment1",
        deleted=False,
        category_option_combo=DEFAULT_COMBO_UID,
        attribute_option_combo=DEFAULT_COMBO_UID,
        stored_by="system",
        last_updated="2015-04-05T19:58:12.000",
        follow_up=False,
    )
    assert (rows[1].deleted, rows[1].follow_up) == (True, True)
    assert dhis2_skip_reason(rows[1]) == DELETED_REASON


def test_csv_with_the_older_header():
    rows = read_dhis2(DOCS_OLDER_HEADER_CSV).rows
    assert [(r.row, r.value, r.comment, r.stored_by) for r in rows] == [
        (2, "93.9", "comment1", "system"),
        (3, "92.1", "comment2", "system"),
        (4, "98.6", "comment3", "system"),
        (5, "97.2", "comment4", "system"),
    ]
    assert rows[3].last_updated == "2014-03-02T21:45:05.519"


def test_csv_with_the_documentations_short_header():
    rows = read_dhis2(DOCS_SHORT_HEADER_CSV).rows
    assert [(r.value, r.stored_by, r.last_updated, r.comment) for r in rows] == [
        ("93.1", "username", "2015-04-01", "comment1"),
        ("93.2", "username", "2015-04-01", "comment2"),
        ("93.3", "username", "2015-04-01", "comment3"),
    ]


def test_csv_without_a_header_is_read_by_position():
    assert is_dhis2(CORE_NO_HEADER_CSV)
    table = read_dhis2(CORE_NO_HEADER_CSV)
    assert table.header is False
    assert _keys(table) == [
        (1, "MFG_PRODUCT_PASS_RATE", "2024Q3", "AMR", "93.1"),
        (2, "MFG_PRODUCT_PASS_RATE", "2024Q3", "AGRI", "93.2"),
        (3, "MFG_PRODUCT_PASS_RATE", "2024Q4", "AMR", "93.3"),
    ]
    assert {(r.stored_by, r.comment, r.follow_up) for r in table.rows} == {
        ("john", "comment", False)
    }


def test_blank_lines_keep_the_row_numbers_of_the_file():
    data = DOCS_OLDER_HEADER_CSV.replace(b"comment2,false\n", b"comment2,false\n\n\n")
    assert [r.row for r in read_dhis2(data).rows] == [2, 3, 6, 7]


# --- Recognising a DHIS2 file -----------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        DOCS_SET_LEVEL_JSON,
        b"\xef\xbb\xbf" + DOCS_BULK_JSON,
        DOCS_CURRENT_HEADER_CSV,
        CORE_CURRENT_HEADER_CSV,
        DOCS_OLDER_HEADER_CSV,
        DOCS_SHORT_HEADER_CSV,
        CORE_NO_HEADER_CSV,
        DOCS_DISAGGREGATED_CSV,
        b"\xef\xbb\xbf" + DOCS_CURRENT_HEADER_CSV.replace(b"\n", b"\r\n"),
        # DHIS2's monthly period: a DHIS2 file, whose period the checking step then refuses.
        b"MFG_PRODUCT_PASS_RATE,202401,AMR,,,93.1\n",
    ],
)
def test_dhis2_files_are_recognised(data):
    assert is_dhis2(data)


@pytest.mark.parametrize(
    "data",
    [
        "指标,部门,期间,数值,说明\nMFG_PRODUCT_PASS_RATE,AMR,2024Q3,93.1,\n".encode(),
        b"indicator,department,period,value\nMFG_PRODUCT_PASS_RATE,AMR,2024Q3,93.1\n",
        # QualityHub's former dhis2-csv (value fourth): read by the spreadsheet reader by name.
        b"dataelement,period,orgunit,value,storedby,lastupdated,comment\n"
        b"MFG_PRODUCT_PASS_RATE,2024Q3,AMR,93.1,office,2024-10-01T10:00:00+08:00,\n",
        b"MFG_PRODUCT_PASS_RATE,AMR,2024Q3,93.1\n",
        b"PK\x03\x04" + b"\x00" * 40,
        b"",
    ],
)
def test_other_files_are_not_taken_for_dhis2(data):
    assert not is_dhis2(data)


# --- Combos -----------------------------------------------------------------------------------


def test_a_category_option_combo_other_than_the_default_refuses_the_file_naming_it():
    with pytest.raises(ImportFileError) as excinfo:
        read_dhis2(DOCS_DISAGGREGATED_CSV)
    message = str(excinfo.value)
    assert "第 2 行" in message and "“Prlt0C1RF0s”" in message and "共 3 处" in message
    assert "categoryOptionCombo" in message and DEFAULT_COMBO_UID in message


@pytest.mark.parametrize("combo", ["", "HllvX50cXC0", "default", "Default", None])
def test_the_default_combo_in_any_spelling_is_accepted(combo):
    payload = json.loads(DOCS_BULK_JSON)
    for item in payload["dataValues"]:
        item["categoryOptionCombo"] = combo
        item["attributeOptionCombo"] = combo
    assert len(read_dhis2(json.dumps(payload).encode()).rows) == 4


@pytest.mark.parametrize(
    "where, combo, shown",
    [
        ("set", "bRowv6yZOF2", "bRowv6yZOF2"),
        ("value", "bRowv6yZOF2", "bRowv6yZOF2"),
        # DHIS2 2.43 also takes an attribute option combo as {category: option}.
        ("value", {"fMZEcRHuamy": "qkPbeWaFsnU"}, "fMZEcRHuamy"),
    ],
)
def test_an_attribute_option_combo_other_than_the_default_refuses_the_file(where, combo, shown):
    payload = json.loads(DOCS_SET_LEVEL_JSON)
    if where == "set":
        payload["attributeOptionCombo"] = combo
    else:
        payload["dataValues"][2]["attributeOptionCombo"] = combo
    with pytest.raises(ImportFileError) as excinfo:
        read_dhis2(json.dumps(payload).encode())
    assert "attributeOptionCombo" in str(excinfo.value) and shown in str(excinfo.value)


# --- Malformed files --------------------------------------------------------------------------


def _bulk(**changes) -> bytes:
    payload = json.loads(DOCS_BULK_JSON)
    payload["dataValues"][0].update(changes)
    return json.dumps(payload).encode()


MALFORMED = {
    "not JSON": (b'{"dataValues": [', "DHIS2 dataValueSet"),
    "no dataValues": (b'{"dataSet": "pBOMPrpg1QX"}', "DHIS2 dataValueSet"),
    "dataValues null": (b'{"dataValues": null}', "DHIS2 dataValueSet"),
    "dataValues a number": (b'{"dataValues": 5}', "DHIS2 dataValueSet"),
    "a list of non-objects": (b'{"dataValues": [1, "x", null]}', "不是对象"),
    "an object as a value": (_bulk(value={"$gt": 1}), "应为文字或数字"),
    "a list as a value": (_bulk(value=[93]), "应为文字或数字"),
    "a list as the set's period": (
        json.dumps({**json.loads(DOCS_SET_LEVEL_JSON), "period": ["2024Q3"]}).encode(),
        "应为文字或数字",
    ),
    "a NUL in a value": (_bulk(value="9\u00003"), "空字符"),
    "a NUL in a comment": (_bulk(comment="a\u0000b"), "空字符"),
    "an over-long comment": (_bulk(comment="x" * 40_000), "过长"),
    "NaN": (DOCS_BULK_JSON.replace(b'"93.1"', b"NaN"), "DHIS2 dataValueSet"),
    "nested too deep": (b'{"dataValues": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "DHIS2"),
    "not UTF-8": ('{"dataValues": [{"comment": "café"}]}'.encode("latin-1"), "DHIS2"),
    "deleted neither true nor false": (_bulk(deleted="yes"), "true 或 false"),
    "a deletion scope": (
        json.dumps(
            {**json.loads(DOCS_BULK_JSON), "deletion": {"orgUnits": ["AMR"], "periods": []}}
        ).encode(),
        "deletion",
    ),
    "too large": (b'{"dataValues": []}' + b" " * MAX_BYTES, "20 MB"),
    "csv: a 7th column that is not storedby": (
        b"dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,note\n"
        b"MFG_PRODUCT_PASS_RATE,2024Q3,AMR,,,93.1,x\n",
        "“note”",
    ),
    "csv: a row of twelve columns": (
        CORE_CURRENT_HEADER_CSV + b"MFG_PRODUCT_PASS_RATE,2024Q4,AMR,,,93,,,,false,false,x\n",
        "第 4 行有 12 列",
    ),
    "csv: deleted neither true nor false": (
        CORE_CURRENT_HEADER_CSV.replace(b"true,true", b"true,yes"),
        "第 3 行的 deleted",
    ),
    "csv: a NUL": (
        DOCS_OLDER_HEADER_CSV + b"A,2024Q3,AMR,,,93\n" * 400 + b"A,2024Q3,AMR,,,9\x003\n",
        "空字符",
    ),
    "csv: an over-long comment": (
        DOCS_OLDER_HEADER_CSV + b"A,2024Q3,AMR,,,93,,," + b"x" * 40_000 + b",false\n",
        "超过 32767 个字符",
    ),
    "csv: not DHIS2's layout": (b"indicator,department\nMFG,AMR\n", "dataelement, period"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_refused_with_a_message(case):
    data, message = MALFORMED[case]
    with pytest.raises(ImportFileError) as excinfo:
        read_dhis2(data)
    assert message in str(excinfo.value)


def test_a_byte_order_mark_is_read_past():
    assert _keys(read_dhis2(b"\xef\xbb\xbf" + DOCS_BULK_JSON)) == _keys(read_dhis2(DOCS_BULK_JSON))
    with_bom = read_dhis2(b"\xef\xbb\xbf" + DOCS_CURRENT_HEADER_CSV)
    assert with_bom.header and _keys(with_bom) == _keys(read_dhis2(DOCS_CURRENT_HEADER_CSV))


# --- The checking step ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deleted_value_is_not_imported_but_listed_as_skipped(catalog):
    preview = parse_values_file(DOCS_RESPONSE_JSON_WITH_DELETED, "dhis2.json")
    assert preview.errors == []
    assert [r.indicator.code for r in preview.rows] == [
        "MFG_PRODUCT_PASS_RATE",
        "ESSENTIAL_DRUG_SAMPLING_PASS_RATE",
    ]
    assert [(s["row"], s["reason"]) for s in preview.skipped] == [(2, DELETED_REASON)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [DOCS_SET_LEVEL_JSON, DOCS_CURRENT_HEADER_CSV, DOCS_OLDER_HEADER_CSV]
)
def test_dhis2s_own_layouts_pass_the_check(catalog, data):
    preview = parse_values_file(data, "dhis2")
    assert preview.errors == [] and preview.rows
    assert {r.department.code for r in preview.rows} == {"AMR"}


# --- Exports ----------------------------------------------------------------------------------


@pytest.fixture
def values(catalog):
    amr = Department.objects.get(code="AMR")
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for period, value, note in (
        ("2024Q3", "93.9", '=HYPERLINK("http://x")'),
        ("2024Q4", "94.25", "复检, 含“引号”"),
    ):
        reported_value(
            indicator=mfg, department=amr, period=period, value=value, note=note, state="approved"
        )


def _mine(rows):
    return [r for r in rows if r.period in ("2024Q3", "2024Q4") and r.org_unit == "AMR"]


@pytest.mark.django_db
def test_the_csv_export_is_dhis2s_layout_with_the_value_sixth(values):
    data = export_values("dhis2-csv")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data  # DHIS2 2.43 stops at the first empty line a \r\n makes
    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert records[0] == list(CSV_COLUMNS)
    assert records[0] == [
        "dataelement",
        "period",
        "orgunit",
        "categoryoptioncombo",
        "attributeoptioncombo",
        "value",
        "storedby",
        "lastupdated",
        "comment",
        "followup",
        "deleted",
    ]
    row = next(r for r in records if r[:3] == ["MFG_PRODUCT_PASS_RATE", "2024Q3", "AMR"])
    assert row[5] == "93.9"
    assert row[3:5] == [DEFAULT_COMBO_UID, DEFAULT_COMBO_UID]
    assert row[8] == '\'=HYPERLINK("http://x")'  # neutralised, as every csv export
    assert row[9:] == ["false", "false"]
    assert dt.datetime.fromisoformat(row[7]).tzinfo is not None


@pytest.mark.django_db
def test_the_json_export_carries_dhis2s_keys_and_id_schemes(values):
    payload = json.loads(export_values("dhis2-json"))
    assert payload["dataElementIdScheme"] == payload["orgUnitIdScheme"] == "CODE"
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
    assert (item["value"], item["followup"], item["comment"]) == (
        "93.9",
        False,
        '=HYPERLINK("http://x")',
    )


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["dhis2-csv", "dhis2-json"])
def test_the_exports_read_back_to_the_stored_values(values, fmt):
    table = read_dhis2(export_values(fmt))
    assert table.kind == fmt.removeprefix("dhis2-")
    stored = [
        ("MFG_PRODUCT_PASS_RATE", v.period, "AMR", f"{v.value.normalize():f}", v.note)
        for v in ReportedValue.objects.filter(
            department__code="AMR", period__in=("2024Q3", "2024Q4")
        ).order_by("period")
    ]
    read = [
        (r.data_element, r.period, r.org_unit, r.value, undo_neutralise(r.comment))
        for r in _mine(table.rows)
    ]
    assert read == stored
    assert not any(r.deleted or r.follow_up for r in table.rows)


@pytest.mark.django_db
def test_the_csv_and_json_exports_read_back_to_the_same_rows(values):
    def comparable(fmt):
        return [
            (
                r.data_element,
                r.period,
                r.org_unit,
                r.value,
                undo_neutralise(r.comment),
                r.category_option_combo,
                r.attribute_option_combo,
                r.stored_by,
                r.last_updated,
                r.follow_up,
                r.deleted,
            )
            for r in read_dhis2(export_values(fmt)).rows
        ]

    assert comparable("dhis2-csv") == comparable("dhis2-json")
