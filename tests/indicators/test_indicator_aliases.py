"""Indicator aliases: each document's own wording of an indicator, quoted from its text, and the
names the office confirmed. Loaded from the fixtures, written through the services, edited in
the admin; a name is one indicator's only."""

import re
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.services import name_key
from indicators.catalog import DOCUMENT_FILES, CatalogError
from indicators.models import Document, Indicator, IndicatorAlias
from indicators.services import (
    document_delete,
    document_save,
    indicator_alias_delete,
    indicator_alias_save,
)
from reports.reporting.services import catalogue_load as catalog_load

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "fixtures" / "catalog"
SOURCES = ROOT / "fixtures" / "sources"

#: The wordings the documents use besides each indicator's name, as curated (see
#: fixtures/notes/). A change here is a change to the catalogue: check it against the text.
EXPECTED_ALIASES = {
    "AGRI_PRODUCT_SAFETY_PASS_RATE": {
        ("农畜产品质量安全监测合格率", "action-plan-2023"),
        ("主要农畜产品质量安全监测合格率", "plan-2016"),
    },
    "PUBLIC_SERVICE_SATISFACTION": {
        ("公共服务质量总体满意度", "article-2024-14th-fyp"),
        ("公共服务满意度", "article-2024-14th-fyp"),
    },
    "WIND_POWER_EQUIPMENT_SUPPORT_CAPACITY": {("整建制配套能力", "action-plan-2023")},
    "SRDI_SMES": {("自治区级“专精特新”中小企业", "article-2024-14th-fyp")},
    "SRDI_LITTLE_GIANTS": {("国家级专精特新“小巨人”企业", "article-2024-14th-fyp")},
    "P16_TRANSPORT_COMPLETION_ACCEPTANCE_RATE": {("竣工验收合格率", "plan-2016")},
    "RPT_NMG_TIME_HONORED_BRANDS": {("内蒙老字号", "article-2024-14th-fyp")},
}

#: A plan that is not in the fixtures, with its own wording of an indicator.
PLAN_TEXT = (
    "质量提升三年行动计划\n一、主要目标\n到2028年，全区制造业产品抽检\n合格率达到97%以上。\n"
)


def _load(name):
    return yaml.safe_load((CATALOG / name).read_text(encoding="utf-8"))


def _fixture_indicators():
    for name in DOCUMENT_FILES:
        yield from (_load(name) or {}).get("indicators") or []


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- The fixtures -----------------------------------------------------------------------------


def test_every_alias_quote_is_verbatim_in_its_source_and_holds_the_name():
    quote_files = {d["code"]: d["quote_file"] for d in _load("documents.yaml")}
    texts = {
        code: _squeeze((SOURCES / name).read_text(encoding="utf-8"))
        for code, name in quote_files.items()
    }
    checked = 0
    for indicator in _fixture_indicators():
        for alias in indicator.get("aliases") or []:
            where = f"{indicator['code']} {alias['name']}"
            assert alias["clause"], where
            assert _squeeze(alias["name"]) in _squeeze(alias["quote"]), where
            assert _squeeze(alias["quote"]) in texts[alias["document"]], where
            checked += 1
    assert checked == sum(len(names) for names in EXPECTED_ALIASES.values())


def test_the_aliases_are_the_curated_wordings_and_each_adds_a_name():
    found, names = {}, {}
    for indicator in _fixture_indicators():
        own = {name_key(indicator["code"]), name_key(indicator["name_zh"])}
        for alias in indicator.get("aliases") or []:
            found.setdefault(indicator["code"], set()).add((alias["name"], alias["document"]))
            # A wording the comparison already reaches (a prefix, quotes) needs no alias.
            assert name_key(alias["name"]) not in own, alias["name"]
            assert names.setdefault(name_key(alias["name"]), indicator["code"]) == indicator["code"]
    assert found == EXPECTED_ALIASES


@pytest.mark.django_db
def test_the_loader_keeps_each_wording_as_a_document_alias(catalog):
    stored = {}
    for alias in IndicatorAlias.objects.select_related("indicator", "document"):
        assert alias.source == "document" and alias.created_by is None
        assert alias.document.contains_quote(alias.quote) and alias.name in alias.quote
        stored.setdefault(alias.indicator.code, set()).add((alias.name, alias.document.code))
    assert stored == EXPECTED_ALIASES


@pytest.mark.django_db
def test_loading_again_changes_no_alias(catalog):
    before = list(IndicatorAlias.objects.order_by("pk").values())
    report = catalog_load()
    assert report.changed() == 0
    assert report.counts["indicator aliases"] == {"unchanged": 9}
    assert list(IndicatorAlias.objects.order_by("pk").values()) == before


@pytest.fixture
def catalog_copy(tmp_path) -> Path:
    directory = tmp_path / "catalog"
    shutil.copytree(settings.CATALOG_DIR, directory)
    return directory


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.django_db
def test_an_alias_taken_out_of_the_fixtures_goes_and_the_offices_stay(catalog, catalog_copy):
    office = indicator_alias_save(
        indicator=Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        name="制造业产品合格率",
        source="office",
        acting_user=None,
    ).obj
    _edit(
        catalog_copy / "plan_2016.yaml",
        "    aliases:\n"
        '      - name: "竣工验收合格率"\n'
        "        document: plan-2016\n"
        "        clause: 一（七）\n"
        '        quote: "交通建设工程交工验收合格率达到100%，竣工验收合格率达到100%"\n',
        "",
    )
    report = catalog_load(directory=catalog_copy)
    assert report.counts["indicator aliases"] == {"deleted": 1, "unchanged": 8}
    assert not IndicatorAlias.objects.filter(name="竣工验收合格率").exists()
    assert IndicatorAlias.objects.filter(pk=office.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "old, new, problem",
    [
        (
            'quote: "主要农畜产品质量安全监测合格率达到96%以上"',
            'quote: "主要农畜产品质量安全监测合格率达到98%以上"',
            "quote not found verbatim",
        ),
        (
            'name: "主要农畜产品质量安全监测合格率"',
            'name: "主要农畜产品质量安全抽检合格率"',
            "the quote does not contain the name",
        ),
        (
            'name: "公共服务满意度"',
            'name: "“消费品质量合格率（%）”"',
            "also names CONSUMER_GOODS_PASS_RATE",
        ),
    ],
)
def test_a_fixture_alias_that_misquotes_or_names_another_indicator_is_refused(
    catalog, catalog_copy, old, new, problem
):
    _edit(catalog_copy / "outline_2023.yaml", old, new)
    before = list(IndicatorAlias.objects.values_list("name", flat=True))
    with pytest.raises(CatalogError) as excinfo:
        catalog_load(directory=catalog_copy)
    assert problem in str(excinfo.value)
    assert list(IndicatorAlias.objects.values_list("name", flat=True)) == before


# --- The services -----------------------------------------------------------------------------


@pytest.fixture
def plan(catalog) -> Document:
    return document_save(
        code="plan-2028",
        kind="plan",
        title_zh="质量提升三年行动计划",
        issued_year=2026,
        horizon_years=[2028],
        source_text=PLAN_TEXT,
        acting_user=None,
    ).obj


def _document_alias(plan, **overrides):
    fields = {
        "indicator": Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        "name": "制造业产品抽检合格率",
        "source": "document",
        "document": plan,
        "clause": "一",
        "quote": "全区制造业产品抽检合格率达到97%以上",
    }
    return indicator_alias_save(acting_user=None, **{**fields, **overrides})


def _messages(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.mark.django_db
def test_a_document_alias_quotes_a_passage_of_the_document_that_holds_the_name(
    plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        alias = _document_alias(plan).obj  # the line break inside the quote is not compared
    assert callbacks  # announced, like every catalogue change
    assert (alias.source, alias.document, alias.clause) == ("document", plan, "一")
    with pytest.raises(ValidationError) as excinfo:
        _document_alias(plan, name="制造业抽检合格率", quote="全区制造业产品抽检合格率达到98%以上")
    assert "原文中没有“制造业抽检合格率”这一写法" in _messages(excinfo)["quote"][0]
    with pytest.raises(ValidationError) as excinfo:
        _document_alias(plan, name="制造业抽检合格率", quote="制造业抽检合格率达到97%以上")
    assert "在文件“质量提升三年行动计划”的原文中找不到这段引用" in _messages(excinfo)["quote"][0]
    with pytest.raises(ValidationError) as excinfo:
        _document_alias(plan, name="制造业抽检合格率", document=None, clause="", quote="")
    assert set(_messages(excinfo)) == {"document", "clause", "quote"}


@pytest.mark.django_db
def test_an_office_alias_cites_no_document_and_a_source_is_one_of_two(plan):
    with pytest.raises(ValidationError) as excinfo:
        _document_alias(plan, source="office")
    assert "办公室确认的写法不引用文件" in _messages(excinfo)["document"][0]
    with pytest.raises(ValidationError) as excinfo:
        _document_alias(plan, source="guess")
    assert "不是可选值" in _messages(excinfo)["source"][0]
    saved = _document_alias(plan, source="办公室确认", document=None, clause="", quote="")
    assert saved.obj.source == "office"  # the Chinese label is accepted too


@pytest.mark.django_db
def test_a_name_is_one_indicators_and_confirming_it_twice_changes_nothing(plan):
    first = _document_alias(plan).obj
    consumer = Indicator.objects.get(code="CONSUMER_GOODS_PASS_RATE")
    for name, message in (
        ("制造业产品抽检合格率", "已是指标“制造业产品质量合格率”的别名"),
        ("自治区制造业产品抽检合格率（%）", "不能作为“消费品质量合格率”的别名"),
        ("MFG_PRODUCT_PASS_RATE", "不能作为“消费品质量合格率”的别名"),
        ("内蒙古自治区", "不剩任何文字"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            indicator_alias_save(indicator=consumer, name=name, acting_user=None)
        assert message in _messages(excinfo)["name"][0], name
    with pytest.raises(ValidationError, match="已是该指标的别名"):
        _document_alias(plan)
    again = indicator_alias_save(
        indicator=first.indicator, name=first.name, source="office", acting_user=None
    )
    assert again.outcome == "unchanged" and again.obj == first and again.obj.source == "document"


@pytest.mark.django_db
def test_a_document_an_alias_cites_cannot_go_or_lose_the_quote(
    plan, django_capture_on_commit_callbacks
):
    alias = _document_alias(plan).obj
    with pytest.raises(ValidationError, match="不能删除"):
        document_delete(document=plan, acting_user=None)
    with pytest.raises(ValidationError) as excinfo:
        document_save(
            document=plan,
            code=plan.code,
            kind="plan",
            title_zh=plan.title_zh,
            issued_year=2026,
            horizon_years=[2028],
            source_text="质量提升三年行动计划（修订稿）",
            acting_user=None,
        )
    assert "新原文中找不到该文件已有的 1 条引用" in _messages(excinfo)["source_text"][0]
    with django_capture_on_commit_callbacks() as callbacks:
        indicator_alias_delete(alias=alias, acting_user=None)
    assert callbacks and not IndicatorAlias.objects.filter(pk=alias.pk).exists()
    document_delete(document=plan, acting_user=None)


# --- The admin --------------------------------------------------------------------------------


def _errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def _alias_form(indicator, **overrides) -> dict:
    form = {
        "indicator": indicator.pk,
        "name": "制造业产品合格率",
        "source": "office",
        "document": "",
        "clause": "",
        "quote": "",
    }
    return {**form, **overrides}


@pytest.mark.django_db
def test_an_alias_added_in_the_admin_is_checked_and_saved_by_the_service(
    admin_client, django_capture_on_commit_callbacks
):
    mfg = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    consumer = Indicator.objects.get(code="CONSUMER_GOODS_PASS_RATE")
    url = reverse("admin:indicators_indicatoralias_add")
    refused = admin_client.post(url, _alias_form(consumer, name="制造业产品质量合格率（%）"))
    assert refused.status_code == 200
    assert "不能作为“消费品质量合格率”的别名" in _errors(refused)["name"][0]
    quoted = admin_client.post(url, _alias_form(mfg, source="document"))
    assert set(_errors(quoted)) == {"document", "clause", "quote"}
    with django_capture_on_commit_callbacks() as callbacks:
        assert admin_client.post(url, _alias_form(mfg)).status_code == 302
    alias = IndicatorAlias.objects.get(name="制造业产品合格率")
    assert alias.indicator == mfg and alias.created_by.username == "root" and callbacks
    delete = reverse("admin:indicators_indicatoralias_delete", args=[alias.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not IndicatorAlias.objects.filter(pk=alias.pk).exists()


@pytest.mark.django_db
def test_the_indicator_page_lists_its_aliases_and_the_list_finds_an_indicator_by_one(
    admin_client,
):
    agri = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    page = admin_client.get(reverse("admin:indicators_indicator_change", args=[agri.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "主要农畜产品质量安全监测合格率" in html
    assert 'name="aliases-0-name"' not in html  # read-only: edited on the alias's own page
    found = admin_client.get(
        reverse("admin:indicators_indicator_changelist"), {"q": "竣工验收合格率"}
    )
    assert "P16_TRANSPORT_COMPLETION_ACCEPTANCE_RATE" in found.content.decode()
    aliases = admin_client.get(reverse("admin:indicators_indicatoralias_changelist"))
    assert aliases.status_code == 200 and "内蒙老字号" in aliases.content.decode()
