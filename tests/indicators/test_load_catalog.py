import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Department, DepartmentAlias
from indicators.catalog import CatalogError
from indicators.models import Document, Indicator, Responsibility, Target, Task
from reports.models import ReportedValue, ReportedValueChange
from reports.reporting.services import catalogue_load as catalog_load

MODELS = (
    Document,
    Department,
    DepartmentAlias,
    Indicator,
    Target,
    Task,
    Responsibility,
    ReportedValue,
    ReportedValueChange,
)


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    directory = tmp_path / "catalog"
    shutil.copytree(settings.CATALOG_DIR, directory)
    return directory


@pytest.mark.django_db
def test_loading_the_catalogue_twice_duplicates_nothing(catalog):
    before = _counts()
    report = catalog_load()
    assert report.changed() == 0
    assert _counts() == before
    assert before["Target"] > 90 and before["Responsibility"] > 500


@pytest.mark.django_db
def test_load_catalog_command_reports_no_changes_on_an_up_to_date_database(catalog, capsys):
    call_command("load_catalog")
    assert "0 rows created, updated or deleted" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_changed_fixture_updates_the_existing_row(catalog, catalog_copy):
    path = catalog_copy / "outline_2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("name_zh: 制造业产品质量合格率", "name_zh: 制造业产品质量合格率（修订）"),
        encoding="utf-8",
    )
    pk = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE").pk
    before = _counts()
    report = catalog_load(directory=catalog_copy)
    assert report.counts["indicators"]["updated"] == 1
    assert Indicator.objects.get(pk=pk).name_zh == "制造业产品质量合格率（修订）"
    assert _counts() == before


@pytest.mark.django_db
def test_a_target_removed_from_the_fixtures_is_removed_from_the_database(catalog, catalog_copy):
    path = catalog_copy / "outline_2023.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - indicator: CONSUMER_GOODS_PASS_RATE\n")
    end = text.index("\n\n", start)
    path.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    report = catalog_load(directory=catalog_copy)
    assert report.counts["targets"]["deleted"] == 1
    assert not Target.objects.filter(
        indicator__code="CONSUMER_GOODS_PASS_RATE", document__code="outline-2023"
    ).exists()


@pytest.mark.django_db
def test_a_quote_not_in_the_source_is_refused_and_nothing_is_written(catalog, catalog_copy):
    path = catalog_copy / "outline_2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            "quote: 制造业产品质量合格率达到96.5％", "quote: 制造业产品质量合格率达到97％"
        ),
        encoding="utf-8",
    )
    before = _counts()
    with pytest.raises(CatalogError) as excinfo:
        catalog_load(directory=catalog_copy)
    assert "制造业产品质量合格率达到97％" in str(excinfo.value)
    assert _counts() == before


@pytest.mark.django_db
def test_an_unknown_department_spelling_is_refused(catalog, catalog_copy):
    path = catalog_copy / "plan_2016.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("department: 自治区质监局", "department: 自治区质检局", 1), "utf-8"
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("load_catalog", directory=catalog_copy)
    assert "'自治区质检局' matches no department" in str(excinfo.value)
