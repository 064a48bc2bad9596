"""The catalogue services: one place for the rules, whichever way a row comes in."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from departments.models import Department
from indicators.models import Document, Indicator, ReportingAssignment, Responsibility, Target
from indicators.services import (
    document_delete,
    document_save,
    indicator_save,
    reporting_assignment_save,
    responsibility_save,
    target_delete,
    target_save,
    task_save,
)

pytestmark = pytest.mark.django_db


def _target(plan, **overrides):
    fields = {
        "indicator": Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
        "document": plan,
        "year": 2028,
        "comparator": "以上",
        "value": 96,
        "clause": "一",
        "quote": "制造业产品质量合格率达到96%以上",
    }
    return target_save(acting_user=None, **{**fields, **overrides})


def _messages(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_target_is_saved_once_and_unchanged_after(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        saved = _target(plan)
    assert saved.outcome == "created" and callbacks
    assert (saved.obj.comparator, saved.obj.value) == (">=", Decimal(96))
    with django_capture_on_commit_callbacks() as callbacks:
        again = _target(plan, target=saved.obj, value="96.000")
    assert again.outcome == "unchanged" and not callbacks  # nothing changed, nothing announced
    assert _target(plan, target=saved.obj, value="96.5%").outcome == "updated"


def test_a_qualitative_target_has_no_value_and_others_need_one(plan):
    qualitative = Indicator.objects.filter(value_kind="qualitative").first()
    with pytest.raises(ValidationError) as excinfo:
        _target(plan, indicator=qualitative, value="1")
    assert "定性指标" in _messages(excinfo)["value"][0]
    saved = _target(plan, indicator=qualitative, comparator="", value=None, quote="制造业")
    assert (saved.obj.comparator, saved.obj.value) == ("=", None)
    with pytest.raises(ValidationError) as excinfo:
        _target(plan, value="")
    assert _messages(excinfo)["value"] == ["请填写目标值。"]


def test_every_problem_of_a_target_is_reported_at_its_field(plan):
    with pytest.raises(ValidationError) as excinfo:
        _target(plan, year=1990, comparator="大约", clause=" ", quote="")
    assert set(_messages(excinfo)) == {"year", "comparator", "clause", "quote"}


def test_a_target_quote_must_be_in_the_document_text_whitespace_aside(plan):
    assert _target(plan, quote="制造业产品 质量合格率\n达到96%以上").outcome == "created"
    with pytest.raises(ValidationError) as excinfo:
        _target(plan, year=2027, quote="制造业产品质量合格率达到96％以上")  # another %
    assert "找不到这段引用" in _messages(excinfo)["quote"][0]


def test_a_reason_instead_of_a_quote_is_accepted_for_tasks_and_responsibilities(plan):
    task = task_save(
        code="P26_T_1",
        document=plan,
        title_zh="提升制造业产品质量",
        clause="一",
        quote="",
        no_quote_reason="该任务见附件表格，原文无对应句子",
        acting_user=None,
    ).obj
    responsibility = responsibility_save(
        task=task,
        department=Department.objects.get(code="AMR"),
        role="牵头",
        document=plan,
        clause="一",
        no_quote_reason="分工见附件",
        acting_user=None,
    ).obj
    assert responsibility.department_as_written == "内蒙古自治区市场监督管理局"
    assert responsibility.role == "lead"
    with pytest.raises(ValidationError, match="请填写原文引用"):
        task_save(code="P26_T_2", document=plan, title_zh="x", clause="一", acting_user=None)


def test_a_document_without_source_text_is_refused_and_a_new_text_must_keep_its_quotes(plan):
    with pytest.raises(ValidationError) as excinfo:
        document_save(
            code="plan-x",
            kind="plan",
            title_zh="无原文",
            issued_year=2026,
            source_text=" ",
            acting_user=None,
        )
    assert "请上传文件原文" in _messages(excinfo)["source_text"][0]
    _target(plan)
    fields = {
        "code": plan.code,
        "kind": "规划文件",  # the label is accepted as well as the code
        "title_zh": plan.title_zh,
        "issued_year": 2026,
        "horizon_years": "2028, 2030",
    }
    with pytest.raises(ValidationError) as excinfo:
        document_save(document=plan, source_text="另一份文件", acting_user=None, **fields)
    assert "新原文中找不到该文件已有的 1 条引用" in _messages(excinfo)["source_text"][0]
    updated = document_save(
        document=plan, source_text=plan.source_text + "\n附件", acting_user=None, **fields
    )
    assert updated.outcome == "updated" and updated.obj.horizon_years == [2028, 2030]


def test_an_indicator_range_and_kind_are_checked(catalog):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    fields = {
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "unit": "%",
        "value_kind": "比率（%）",
        "category": indicator.category,
        "min_value": "100",
        "max_value": "0",
    }
    with pytest.raises(ValidationError) as excinfo:
        indicator_save(indicator=indicator, acting_user=None, **fields)
    assert "有效范围上限不能小于下限" in _messages(excinfo)["max_value"][0]
    with pytest.raises(ValidationError) as excinfo:
        indicator_save(
            indicator=indicator,
            acting_user=None,
            **{**fields, "value_kind": "qualitative", "min_value": None, "max_value": None},
        )
    assert "定性与定量" in _messages(excinfo)["value_kind"][0]
    with pytest.raises(ValidationError) as excinfo:
        indicator_save(acting_user=None, **{**fields, "code": "mfg rate", "max_value": "100"})
    assert "大写英文字母" in _messages(excinfo)["code"][0]


def test_an_assignment_goes_to_a_current_department_with_a_basis(catalog):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    historical = Department.objects.get(code="H_QTSB")
    with pytest.raises(ValidationError) as excinfo:
        reporting_assignment_save(
            indicator=indicator, department=historical, role="support", basis="", acting_user=None
        )
    assert "是历史部门" in _messages(excinfo)["department"][0]
    assert "请说明指定依据" in _messages(excinfo)["basis"][0]
    saved = reporting_assignment_save(
        indicator=indicator,
        department=historical.current(),
        role="support",
        basis="市场监管局负责产品质量监督抽查。",
        acting_user=None,
    )
    assert ReportingAssignment.objects.filter(pk=saved.obj.pk).exists()


def test_deleting_a_target_announces_it_and_a_used_document_cannot_go(
    plan, django_capture_on_commit_callbacks
):
    target = _target(plan).obj
    with django_capture_on_commit_callbacks() as callbacks:
        target_delete(target=target, acting_user=None)
    assert callbacks and not Target.objects.filter(pk=target.pk).exists()
    responsibility = Responsibility.objects.first()
    with pytest.raises(ValidationError, match="不能删除"):
        document_delete(document=responsibility.document, acting_user=None)
    assert Document.objects.filter(pk=responsibility.document_id).exists()
