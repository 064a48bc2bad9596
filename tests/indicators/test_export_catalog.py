import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from indicators.models import Target
from indicators.selectors import CATALOG_COLUMNS

pytestmark = pytest.mark.django_db

HEADER = [
    "document",
    "clause",
    "indicator_code",
    "name_zh",
    "unit",
    "comparator",
    "target_value",
    "target_year",
    "lead_departments",
    "support_departments",
    "quote",
]


def _csv_rows(tmp_path):
    path = tmp_path / "catalog.csv"
    call_command("export_catalog", format="csv", output=path)
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "plain UTF-8, no byte-order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def test_csv_has_one_row_per_target_with_the_agreed_columns(catalog, tmp_path):
    rows = _csv_rows(tmp_path)
    assert list(rows[0].keys()) == HEADER == list(CATALOG_COLUMNS)
    assert len(rows) == Target.objects.count()


def test_csv_rows_match_the_documents(catalog, tmp_path):
    rows = _csv_rows(tmp_path)
    by_key = {(r["document"], r["indicator_code"]): r for r in rows}
    mfg = by_key[("outline-2023", "MFG_PRODUCT_PASS_RATE")]
    assert mfg == {
        "document": "outline-2023",
        "clause": "一（二）",
        "indicator_code": "MFG_PRODUCT_PASS_RATE",
        "name_zh": "制造业产品质量合格率",
        "unit": "%",
        "comparator": ">=",
        "target_value": "96.5",
        "target_year": "2025",
        "lead_departments": "",
        "support_departments": "",
        "quote": "制造业产品质量合格率达到96.5％",
    }
    # 2016 (一): 农牧业厅 lead, 质监局 support, by today's names.
    zones = by_key[("plan-2016", "P16_AGRI_STANDARDIZATION_DEMO_ZONES")]
    assert zones["target_value"] == "180"
    assert zones["target_year"] == "2020"
    assert zones["lead_departments"] == "内蒙古自治区农牧厅"
    assert zones["support_departments"] == "内蒙古自治区市场监督管理局"
    # Departments are ;-separated and each appears once.
    service = by_key[("plan-2016", "P16_SERVICE_SECTOR_GROWTH_CONTRIBUTION")]
    leads = service["lead_departments"].split(";")
    assert len(leads) == len(set(leads)) >= 4
    assert "内蒙古自治区发展和改革委员会" in leads


def test_xlsx_holds_the_same_rows_as_csv(catalog, tmp_path):
    csv_rows = _csv_rows(tmp_path)
    path = tmp_path / "catalog.xlsx"
    call_command("export_catalog", format="xlsx", output=path)
    sheet = load_workbook(path, read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == HEADER
    # Target values and years are numeric cells in xlsx, the same digits as the csv's text.
    targets = [row[HEADER.index("target_value")] for row in values[1:]]
    assert all(isinstance(v, int | float) for v in targets if v is not None) and any(targets)
    xlsx_rows = [
        dict(zip(HEADER, ("" if v is None else str(v) for v in row), strict=True))
        for row in values[1:]
    ]
    assert xlsx_rows == csv_rows


def test_csv_goes_to_standard_output_without_output(catalog, capfdbinary):
    call_command("export_catalog", format="csv")
    out = capfdbinary.readouterr().out.decode("utf-8")
    assert out.splitlines()[0] == ",".join(HEADER)


def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(catalog, tmp_path):
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export_catalog", format="csv", output=tmp_path / "no-such-folder" / "x.csv")
    with pytest.raises(CommandError, match="cannot write"):
        call_command("export_catalog", format="csv", output=tmp_path)
