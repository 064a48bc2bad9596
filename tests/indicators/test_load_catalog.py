import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from departments.models import Department, DepartmentAlias
from departments.services import department_alias_save
from indicators.catalog import CatalogError
from indicators.models import Document, Indicator, IndicatorAlias, Responsibility, Target, Task
from indicators.services import indicator_alias_save
from qualityhub.events import catalogue_changed
from reports.models import ReportedValue, ReportedValueChange
from reports.reporting.services import catalogue_load as catalog_load

MODELS = (
    Document,
    Department,
    DepartmentAlias,
    Indicator,
    IndicatorAlias,
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


@pytest.mark.django_db
def test_every_document_keeps_its_quote_file_as_source_text_and_quotes_are_checked_in_it(catalog):
    for document in Document.objects.all():
        text = (settings.CATALOG_SOURCES_DIR / document.quote_file).read_text(encoding="utf-8")
        assert document.source_text == text.strip()
    outline = Document.objects.get(code="outline-2023")
    assert outline.contains_quote("制造业产品质量合格率达到 96.5％")
    assert not outline.contains_quote("制造业产品质量合格率达到97％")
    for model in (Target, Task, Responsibility):
        for row in model.objects.select_related("document"):
            assert row.document.contains_quote(row.quote), row


@pytest.mark.django_db
def test_a_load_that_changes_rows_announces_each_kind_once(
    catalog, catalog_copy, django_capture_on_commit_callbacks
):
    path = catalog_copy / "outline_2023.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - indicator: CONSUMER_GOODS_PASS_RATE\n")
    end = text.index("\n\n", start)
    path.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    senders = []

    def receiver(sender, **kwargs):
        senders.append(sender)

    catalogue_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            catalog_load(directory=catalog_copy)
    finally:
        catalogue_changed.disconnect(receiver)
    assert senders == [Target]  # one target deleted: one announcement, after the commit


@pytest.mark.django_db
def test_a_fixture_target_is_checked_by_the_services_validators(catalog, catalog_copy):
    path = catalog_copy / "outline_2023.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("value: 96.5\n", "value: 101\n", 1), encoding="utf-8")
    before = _counts()
    with pytest.raises(CatalogError) as excinfo:
        catalog_load(directory=catalog_copy)
    assert "目标值 101 超出该指标的有效范围" in str(excinfo.value)
    assert _counts() == before


@pytest.mark.django_db
def test_names_the_office_confirmed_survive_a_load(catalog):
    """The import page keeps a confirmed name as an alias; loading the fixtures (every start of
    `make serve`) must not take it away."""
    department = department_alias_save(
        name="自治区市场监督局", department=Department.objects.get(code="AMR"), acting_user=None
    ).obj
    indicator = indicator_alias_save(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        name="制造业产品合格率",
        source="office",
        acting_user=None,
    ).obj
    report = catalog_load()
    assert report.changed() == 0
    assert DepartmentAlias.objects.filter(pk=department.pk).exists()
    assert IndicatorAlias.objects.filter(pk=indicator.pk).exists()
