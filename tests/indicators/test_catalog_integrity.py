"""The catalogue says exactly what the source documents say.

These tests read the fixtures and the source texts directly (independently of the loader's own
checks) and then look at what the loader put in the database.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from departments.models import Department
from indicators.catalog import DOCUMENT_FILES
from indicators.models import Document, Indicator, Responsibility, Target, Task
from reports.choices import ValueSource, ValueState
from reports.models import ReportedValue

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "fixtures" / "catalog"
SOURCES = ROOT / "fixtures" / "sources"

#: Targets per document, as curated (see fixtures/notes/). A change here is a change to the
#: catalogue and must be checked against the source text.
EXPECTED_TARGETS = {"plan-2016": 53, "outline-2023": 24, "action-plan-2023": 16}


def _load(name):
    path = CATALOG / name
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def _documents():
    return {d["code"]: d for d in _load("documents.yaml")}


def _all_quoted_rows():
    """(where, document code, quote) for every row that cites a source."""
    for dept in _load("departments.yaml"):
        for source in dept.get("sources") or []:
            yield f"department {dept['code']}", source["document"], source["quote"]
    for name in DOCUMENT_FILES:
        data = _load(name)
        if not data:
            continue
        for key in ("targets", "tasks", "responsibilities"):
            for row in data.get(key) or []:
                yield f"{name} {key}", row.get("document", data["document"]), row["quote"]
    for row in _load("reported_values.yaml") or []:
        yield f"reported value {row['indicator']}", row["document"], row["quote"]


def _no_space(text):
    return re.sub(r"\s+", "", text)


def test_every_quote_occurs_verbatim_in_its_source():
    documents = _documents()
    texts = {
        code: _no_space((SOURCES / doc["quote_file"]).read_text(encoding="utf-8"))
        for code, doc in documents.items()
    }
    missing = [
        (where, doc, quote)
        for where, doc, quote in _all_quoted_rows()
        if not quote.strip() or _no_space(quote) not in texts[doc]
    ]
    assert missing == []
    assert sum(1 for _ in _all_quoted_rows()) > 500


def test_sources_are_complete_copies_of_the_seed_documents():
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("the shared seed folder is not beside this checkout")
    for doc in _documents().values():
        for key in ("source_file", "quote_file"):
            assert (SOURCES / doc[key]).read_bytes() == (seeds / doc[key]).read_bytes()


@pytest.mark.django_db
def test_expected_number_of_targets_per_document(catalog):
    counts = {code: Target.objects.filter(document__code=code).count() for code in EXPECTED_TARGETS}
    assert counts == EXPECTED_TARGETS


@pytest.mark.django_db
def test_every_responsibility_resolves_to_an_existing_current_department(catalog):
    responsibilities = Responsibility.objects.select_related("department")
    assert responsibilities.count() > 500
    for responsibility in responsibilities:
        current = responsibility.current_department
        assert current.is_current, responsibility
        assert Department.objects.filter(pk=current.pk, status="current").exists()


@pytest.mark.django_db
def test_historical_2016_names_are_kept_and_resolve_to_todays_departments(catalog):
    cases = {
        "自治区质监局": "AMR",
        "工商局": "AMR",
        "自治区食品药品监管局": "AMR",
        "自治区农牧业厅": "AGRI",
        "卫生计生委": "HC",
        "自治区环保厅": "DEE",
        "自治区林业厅": "FGB",
        "经济和信息化委": "MIIT",
        "旅游局": "DCT",
        "内蒙古出入境检验检疫局": "HHHT_CUSTOMS",
    }
    plan = Document.objects.get(code="plan-2016")
    for as_written, current_code in cases.items():
        rows = Responsibility.objects.filter(document=plan, department_as_written=as_written)
        assert rows.exists(), as_written
        for row in rows:
            assert row.department.status == "historical"
            assert row.current_department.code == current_code


@pytest.mark.django_db
def test_2016_clause_one_holds_two_indicators_plus_an_unnumbered_line(catalog):
    plan = Document.objects.get(code="plan-2016")
    clause_one = Target.objects.filter(document=plan, clause="一（一）")
    values = {t.indicator.code: (t.comparator, t.value) for t in clause_one}
    assert values["AGRI_PRODUCT_SAFETY_PASS_RATE"] == (">=", Decimal(96))
    assert values["P16_AGRI_STANDARDIZATION_DEMO_ZONES"] == (">=", Decimal(180))
    assert values["P16_INDUSTRIAL_PRODUCT_SPOT_CHECK_PASS_RATE"] == (">=", Decimal(90))
    lead = Responsibility.objects.get(
        indicator__code="P16_AGRI_STANDARDIZATION_DEMO_ZONES", document=plan, role="lead"
    )
    assert lead.department_as_written == "自治区农牧业厅"
    assert lead.current_department.code == "AGRI"


@pytest.mark.django_db
def test_outline_main_targets_match_the_text(catalog):
    outline = Document.objects.get(code="outline-2023")
    expected = {
        "MFG_PRODUCT_PASS_RATE": (">=", "96.5"),
        "CONSUMER_GOODS_PASS_RATE": (">=", "94"),
        "MFG_QUALITY_COMPETITIVENESS_INDEX": (">=", "82.5"),
        "PUBLIC_SERVICE_SATISFACTION": (">=", "83"),
        "CHAIRMAN_QUALITY_AWARD_WINNERS": (">", "40"),
        "QI_ONE_STOP_SERVICE_WINDOWS": (">=", "50"),
        "FOOD_SAMPLING_ISSUE_DISPOSAL_RATE": (">=", "100"),
    }
    for code, (comparator, value) in expected.items():
        target = Target.objects.get(indicator__code=code, document=outline)
        assert (target.comparator, target.value, target.year, target.clause) == (
            comparator,
            Decimal(value),
            2025,
            "一（二）",
        )


@pytest.mark.django_db
def test_an_indicator_stated_by_outline_and_action_plan_is_one_indicator_with_two_targets(
    catalog,
):
    targets = Target.objects.filter(indicator__code="MFG_PRODUCT_PASS_RATE")
    assert sorted(targets.values_list("document__code", flat=True)) == [
        "action-plan-2023",
        "outline-2023",
    ]
    assert Indicator.objects.filter(name_zh="制造业产品质量合格率").count() == 1


@pytest.mark.django_db
def test_qualitative_targets_have_no_value_and_tasks_have_departments(catalog):
    qualitative = Target.objects.filter(indicator__value_kind="qualitative")
    assert qualitative.exists()
    assert not qualitative.filter(value__isnull=False).exists()
    assert not Target.objects.exclude(indicator__value_kind="qualitative").filter(
        value__isnull=True
    )
    for document in ("plan-2016", "action-plan-2023"):
        tasks = Task.objects.filter(document__code=document)
        assert tasks.exists()
        assert not tasks.filter(responsibilities__isnull=True).exists()


@pytest.mark.django_db
def test_published_figures_are_approved_values_citing_their_source(catalog):
    values = ReportedValue.objects.filter(source=ValueSource.PUBLISHED)
    if not (CATALOG / "reported_values.yaml").exists():
        pytest.fail("fixtures/catalog/reported_values.yaml is missing")
    assert values.count() == len(_load("reported_values.yaml"))
    mfg = values.get(indicator__code="MFG_PRODUCT_PASS_RATE")
    assert mfg.value == Decimal("93.71")
    assert mfg.state == ValueState.APPROVED
    assert mfg.document.code == "article-2024-14th-fyp"
    for value in values:
        assert value.quote and value.clause and value.document_id
        assert value.changes.filter(via="catalog").exists()
