"""Names as people write them in a file find the indicator or department they mean, or nothing:
the region's prefix, former names, units in brackets, quotes, each plan's wording. What is not
found gets the closest names, and a name the office confirms is found by the next file."""

import time

import pytest
from django.core.exceptions import ValidationError

from departments.models import Department, DepartmentAlias
from departments.services import department_alias_save
from departments.services import split_name as split
from indicators.models import Indicator, IndicatorAlias
from indicators.services import indicator_alias_save, indicator_save
from reports.exchange.names import NameIndex, normalise
from tests.factories import UserFactory


def _indicator(code: str) -> Indicator:
    return Indicator.objects.get(code=code)


def _department(code: str) -> Department:
    return Department.objects.get(code=code)


# --- The key ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "制造业产品质量合格率",
        "制造业产品质量合格率（%）",
        "制造业产品质量合格率(%)",
        "制造业产品质量合格率（％）",
        "制造业产品质量合格率[%]",
        "制造业产品质量合格率【%】",
        "制造业产品质量合格率（单位：%）",
        "制造业产品质量合格率%",
        "制造业产品质量合格率。",
        " 制造业 产品质量\u3000合格率\u200b",
        "“制造业产品质量合格率”",
        '"制造业产品质量合格率"',
        "《制造业产品质量合格率》",
        "自治区制造业产品质量合格率",
        "内蒙古自治区制造业产品质量合格率（%）",
    ],
)
def test_the_key_leaves_out_prefix_unit_quotes_spaces_and_width(written):
    assert normalise(written) == "制造业产品质量合格率"


@pytest.mark.parametrize(
    "written, key",
    [
        ("有效注册商标拥有量（万件）", "有效注册商标拥有量"),
        ("国家产业计量中心（个）", "国家产业计量中心"),
        ("ＡＭＲ", "amr"),
        ("Mfg_Product_Pass_Rate", "mfg_product_pass_rate"),
        ("内蒙古老字号", "老字号"),
        # What is not a unit stays, and so do the words that tell rows apart.
        ("工程一次验收合格率（大中型）", "工程一次验收合格率(大中型)"),
        ("自治区级质量标准实验室", "级质量标准实验室"),
        ("国家级质量标准实验室", "国家级质量标准实验室"),
        ("合格比率", "合格比率"),
        ("内蒙古自治区", ""),
    ],
)
def test_the_key_keeps_what_tells_names_apart(written, key):
    assert normalise(written) == key


# --- Departments ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written",
    [
        "自治区市场监督管理局",
        "内蒙古自治区市场监督管理局",
        "市场监督管理局",
        "市场监管局",
        "自治区市场监管局",
        " 自治区 市场监管局 ",
        "AMR",
        "amr",
    ],
)
def test_the_market_regulator_is_found_with_or_without_the_region_and_by_short_name(
    catalog, written
):
    assert NameIndex().department(written) == _department("AMR")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written, today",
    [
        ("自治区质监局", "AMR"),
        ("质监局", "AMR"),
        ("内蒙古自治区质量技术监督局", "AMR"),
        ("工商局", "AMR"),
        ("自治区农牧业厅", "AGRI"),
        ("内蒙古银监局", "NFRA_NMG"),
        ("内蒙古出入境检验检疫局", "HHHT_CUSTOMS"),
    ],
)
def test_a_former_name_leads_to_todays_department(catalog, written, today):
    found = NameIndex().department(written)
    assert found == _department(today) and found.is_current


# --- Indicators -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written, code",
    [
        ("制造业产品质量合格率（%）", "MFG_PRODUCT_PASS_RATE"),
        ("制造业产品质量合格率(%)", "MFG_PRODUCT_PASS_RATE"),
        ("有效注册商标拥有量（万件）", "VALID_REGISTERED_TRADEMARKS"),
        ("公共服务质量满意度(分)", "PUBLIC_SERVICE_SATISFACTION"),
        ("MFG_PRODUCT_PASS_RATE", "MFG_PRODUCT_PASS_RATE"),
        ("Manufacturing product quality pass rate", "MFG_PRODUCT_PASS_RATE"),
    ],
)
def test_an_indicator_is_found_with_its_unit_in_brackets(catalog, written, code):
    assert NameIndex().indicator(written) == _indicator(code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written, code",
    [
        ("“专精特新”中小企业", "SRDI_SMES"),
        ('"专精特新"中小企业', "SRDI_SMES"),
        ("专精特新中小企业", "SRDI_SMES"),
        ("‘专精特新’中小企业", "SRDI_SMES"),
        ('质量基础设施"一站式"实体服务窗口', "QI_ONE_STOP_SERVICE_WINDOWS"),
        ("质量基础设施一站式实体服务窗口", "QI_ONE_STOP_SERVICE_WINDOWS"),
    ],
)
def test_an_indicator_is_found_with_straight_curly_or_no_quotes(catalog, written, code):
    assert NameIndex().indicator(written) == _indicator(code)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written, code",
    [
        # The 2016 plan's and the Action Plan's wordings of the Outline's indicator.
        ("主要农畜产品质量安全监测合格率", "AGRI_PRODUCT_SAFETY_PASS_RATE"),
        ("农畜产品质量安全监测合格率（%）", "AGRI_PRODUCT_SAFETY_PASS_RATE"),
        ("农畜产品质量安全例行监测合格率", "AGRI_PRODUCT_SAFETY_PASS_RATE"),
        ("竣工验收合格率", "P16_TRANSPORT_COMPLETION_ACCEPTANCE_RATE"),
        ("整建制配套能力", "WIND_POWER_EQUIPMENT_SUPPORT_CAPACITY"),
        ("公共服务质量总体满意度", "PUBLIC_SERVICE_SATISFACTION"),
        ("内蒙老字号", "RPT_NMG_TIME_HONORED_BRANDS"),
        ("国家级专精特新“小巨人”企业", "SRDI_LITTLE_GIANTS"),
        # 000 writes 创新型中小企业 for the Action Plan's 自治区创新型中小企业: the prefix.
        ("创新型中小企业", "INNOVATIVE_SMES"),
    ],
)
def test_each_documents_wording_finds_the_indicator(catalog, written, code):
    assert NameIndex().indicator(written) == _indicator(code)


@pytest.mark.django_db
def test_every_catalogue_name_finds_its_own_row_and_never_another(catalog):
    """Every code, name, short name and alias, also with the prefix added or taken off, quoted
    or with a unit, finds its row or nothing: never another row."""
    index = NameIndex()
    indicator_names = [
        (name, i) for i in Indicator.objects.all() for name in (i.code, i.name_zh, i.name_en)
    ]
    indicator_names += [(a.name, a.indicator) for a in IndicatorAlias.objects.all()]
    department_names = [
        (name, d.current())
        for d in Department.objects.all()
        for name in (d.code, d.name_zh, d.short_name_zh, d.name_en)
    ]
    department_names += [(a.name, a.department.current()) for a in DepartmentAlias.objects.all()]
    for find, names in (
        (index.indicator, indicator_names),
        (index.department, department_names),
    ):
        for name, row in names:
            if not name:
                continue
            assert find(name) == row, name
            for variant in (
                "自治区" + split(name)[1],
                "内蒙古自治区" + split(name)[1],
                split(name)[1],
                f"“{name}”",
                f"{name}（%）",
            ):
                assert find(variant) in (row, None), variant


# --- Not guessing -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_name_two_indicators_share_finds_neither_and_offers_both(catalog):
    mfg = _indicator("MFG_PRODUCT_PASS_RATE")
    twin = indicator_save(
        code="MFG_PRODUCT_PASS_RATE_SURVEY",
        name_zh="制造业产品质量合格率（%）",
        unit="%",
        value_kind="rate",
        category="products",
        acting_user=None,
    ).obj
    index = NameIndex()
    for written in (
        "“制造业产品质量合格率”",
        "自治区制造业产品质量合格率",
        "制造业产品质量合格率[%]",
    ):
        assert index.indicator(written) is None, written
        assert set(index.indicator_suggestions(written)) == {mfg, twin}, written
    # Each exact name is still one row's.
    assert index.indicator("制造业产品质量合格率") == mfg
    assert index.indicator("制造业产品质量合格率(%)") == twin


@pytest.mark.django_db
def test_a_prefix_that_tells_two_indicators_apart_is_not_dropped_silently(catalog):
    index = NameIndex()
    regional = _indicator("P16_REGIONAL_INSPECTION_CENTERS")  # 自治区质检中心数量
    national = _indicator("P16_NATIONAL_INSPECTION_CENTERS")  # 国家质检中心数量
    assert index.indicator("质检中心数量") is None
    assert index.indicator_suggestions("质检中心数量") == [regional, national]
    assert index.indicator("内蒙古自治区质检中心数量") == regional
    assert index.indicator("老字号") is None  # 内蒙古老字号 or 中华老字号企业
    assert set(index.indicator_suggestions("老字号")) == {
        _indicator("RPT_NMG_TIME_HONORED_BRANDS"),
        _indicator("RPT_CHINA_TIME_HONORED_BRANDS"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind, written, first",
    [
        ("indicator", "制造业产品质量合格律", "MFG_PRODUCT_PASS_RATE"),
        ("indicator", "制造业产品质量合格比率", "MFG_PRODUCT_PASS_RATE"),
        ("indicator", "产品制造业质量合格率", "MFG_PRODUCT_PASS_RATE"),
        ("indicator", "消费品合格率", "CONSUMER_GOODS_PASS_RATE"),
        ("indicator", "农畜产品合格率", "AGRI_PRODUCT_SAFETY_PASS_RATE"),
        ("indicator", "基本药物合格率", "ESSENTIAL_DRUG_SAMPLING_PASS_RATE"),
        ("indicator", "森林覆盖", "P16_FOREST_COVERAGE_RATE"),
        ("indicator", "MFG_PRODUCT_PASS_RAT", "MFG_PRODUCT_PASS_RATE"),
        ("department", "市场监督局", "AMR"),
        ("department", "自治区市场监管", "AMR"),
        ("department", "交通厅", "DOT"),
        ("department", "卫健委", "HC"),
        ("department", "农牧局", "AGRI"),
    ],
)
def test_a_typo_finds_nothing_and_offers_the_right_name_first(catalog, kind, written, first):
    index = NameIndex()
    assert getattr(index, kind)(written) is None
    suggestions = getattr(index, f"{kind}_suggestions")(written)
    model = Indicator if kind == "indicator" else Department
    assert suggestions and suggestions[0] == model.objects.get(code=first)
    assert len(suggestions) <= 3
    assert len(getattr(index, f"{kind}_suggestions")(written, n=1)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written", ["", "  ", "93.71", "2024", "2024Q3", "——", "局", "不相干的文字"]
)
def test_what_is_clearly_not_a_name_gets_no_suggestions(catalog, written):
    index = NameIndex()
    assert index.indicator(written) is None and index.department(written) is None
    assert index.indicator_suggestions(written) == []
    assert index.department_suggestions(written) == []


@pytest.mark.django_db
def test_the_index_is_a_few_queries_and_then_dictionary_lookups(catalog, django_assert_num_queries):
    with django_assert_num_queries(5):
        index = NameIndex()
    with django_assert_num_queries(0):
        started = time.perf_counter()
        for _ in range(50_000):  # a 100,000-row file: an indicator and a department per row
            index.indicator("制造业产品质量合格率（%）")
            index.department("自治区市场监督管理局")
        elapsed = time.perf_counter() - started
        first = index.indicator_suggestions("制造业产品质量合格律")
        assert index.indicator_suggestions("制造业产品质量合格律") is first  # worked out once
    assert elapsed < 2, elapsed


# --- Remembering what the office confirms -----------------------------------------------------


@pytest.mark.django_db
def test_a_confirmed_indicator_name_is_found_by_the_next_index(catalog):
    office = UserFactory(username="office-names")
    written = "制造业产品合格率"
    index = NameIndex()
    assert index.indicator(written) is None
    [first, *_] = index.indicator_suggestions(written)
    assert first == _indicator("MFG_PRODUCT_PASS_RATE")

    saved = indicator_alias_save(indicator=first, name=written, source="office", acting_user=office)
    assert saved.outcome == "created"
    alias = saved.obj
    assert (alias.source, alias.document, alias.created_by) == ("office", None, office)
    assert NameIndex().indicator(written) == first
    assert NameIndex().indicator(f"自治区{written}（%）") == first
    # Confirmed again (a second row, a second click): nothing changes.
    again = indicator_alias_save(indicator=first, name=written, source="office", acting_user=office)
    assert again.outcome == "unchanged" and again.obj == alias


@pytest.mark.django_db
def test_a_confirmed_department_name_is_found_by_the_next_index(catalog):
    written = "自治区市场监督局"
    amr = _department("AMR")
    assert NameIndex().department(written) is None
    assert NameIndex().department_suggestions(written)[0] == amr
    saved = department_alias_save(name=written, department=amr, acting_user=None)
    assert saved.outcome == "created"
    assert NameIndex().department(written) == amr
    assert NameIndex().department("市场监督局") == amr  # the prefix aside, the same name
    again = department_alias_save(name=written, department=amr, acting_user=None)
    assert again.outcome == "unchanged"


@pytest.mark.django_db
def test_a_name_that_belongs_to_another_indicator_is_refused_in_chinese(catalog):
    consumer = _indicator("CONSUMER_GOODS_PASS_RATE")
    for name in (
        "制造业产品质量合格率",
        "制造业产品质量合格率（%）",
        "“主要农畜产品质量安全监测合格率”",
    ):
        with pytest.raises(ValidationError) as excinfo:
            indicator_alias_save(indicator=consumer, name=name, source="office", acting_user=None)
        assert "不能作为“消费品质量合格率”的别名" in excinfo.value.message_dict["name"][0], name
    with pytest.raises(ValidationError, match="已是指标“农畜产品质量安全例行监测合格率”的别名"):
        indicator_alias_save(
            indicator=consumer,
            name="主要农畜产品质量安全监测合格率",
            source="office",
            acting_user=None,
        )
    assert NameIndex().indicator("制造业产品质量合格率（%）") == _indicator("MFG_PRODUCT_PASS_RATE")


@pytest.mark.django_db
def test_a_name_that_belongs_to_another_department_is_refused_in_chinese(catalog):
    agri = _department("AGRI")
    for name in ("自治区市场监督管理局", "内蒙古自治区市场监管局", "“市场监管局”", "质监局（个）"):
        with pytest.raises(ValidationError) as excinfo:
            department_alias_save(name=name, department=agri, acting_user=None)
        message = excinfo.value.message_dict["name"][0]
        assert "不能作为“农牧厅”的别名" in message or "已属于其他部门" in message, name
    with pytest.raises(ValidationError, match="不剩任何文字"):
        department_alias_save(name="内蒙古自治区", department=agri, acting_user=None)
    # A former department's spelling is free for the department that took over its duties.
    amr = _department("AMR")
    saved = department_alias_save(name="内蒙古自治区质监局", department=amr, acting_user=None)
    assert saved.outcome == "created"
    assert NameIndex().department("内蒙古自治区质监局") == amr


@pytest.mark.django_db
def test_confirming_one_of_two_indicators_that_share_a_name_remembers_that_spelling(catalog):
    mfg = _indicator("MFG_PRODUCT_PASS_RATE")
    twin = indicator_save(
        code="MFG_PRODUCT_PASS_RATE_SURVEY",
        name_zh="制造业产品质量合格率（%）",
        unit="%",
        value_kind="rate",
        category="products",
        acting_user=None,
    ).obj
    written = "“制造业产品质量合格率”"
    assert NameIndex().indicator(written) is None
    indicator_alias_save(indicator=twin, name=written, source="office", acting_user=None)
    index = NameIndex()
    assert index.indicator(written) == twin
    assert index.indicator("自治区制造业产品质量合格率") is None  # still shared: not guessed
    assert index.indicator("制造业产品质量合格率") == mfg


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cell",
    [
        "(" + "万个" * 16_000 + "x)",  # a unit's words, each readable two ways
        "。" * 32_000 + "局",  # punctuation that is not trailing
        "(" * 32_000,
        "市场监管局" * 6_000,
    ],
)
def test_a_hostile_cell_is_read_in_linear_time(catalog, cell):
    index = NameIndex()
    started = time.perf_counter()
    normalise(cell)
    assert index.department(cell) is None and index.indicator(cell) is None
    assert index.department_suggestions(cell) == [] and index.indicator_suggestions(cell) == []
    assert time.perf_counter() - started < 1
