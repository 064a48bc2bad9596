"""Catalogue edits in the admin go through the services: checked with Chinese messages at the
field, and followed by a gap recomputation once committed."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import Document, Indicator, Target
from reports.gaps.tasks import DEBOUNCE_KEY
from reports.models import GapResult, ReportedValue
from tests.indicators.conftest import PLAN_TEXT

pytestmark = pytest.mark.django_db


def _target_form(indicator, document, **overrides) -> dict:
    form = {
        "indicator": indicator.pk,
        "document": document.pk,
        "year": 2028,
        "comparator": ">=",
        "value": "96",
        "clause": "一",
        "quote": "制造业产品质量合格率达到96%以上",
        "no_quote_reason": "",
        "note": "",
    }
    return {**form, **overrides}


def _add_target(client, form):
    return client.post(reverse("admin:indicators_target_add"), form)


def _errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: [str(m) for m in messages] for name, messages in form.errors.items()}


def test_a_target_added_in_the_admin_schedules_the_gap_recomputation(
    plan, admin_client, django_capture_on_commit_callbacks
):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    assert ReportedValue.objects.filter(indicator=indicator, period="2023").exists()
    cache.delete(DEBOUNCE_KEY)  # no computation already pending from another test
    # For the 2023 figure the 2025 targets are in force (the nearest target year after it),
    # and of those the most recent plan's: this new one.
    form = _target_form(indicator, plan, year=2025, value="95")
    with django_capture_on_commit_callbacks(execute=True):
        response = _add_target(admin_client, form)
    assert response.status_code == 302, _errors(response)
    target = Target.objects.get(document=plan)
    assert GapResult.objects.filter(target=target, period="2023").exists()


def test_a_target_without_quote_or_reason_is_refused_at_the_field(plan, admin_client):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    response = _add_target(admin_client, _target_form(indicator, plan, quote=""))
    assert response.status_code == 200
    assert "请填写原文引用" in _errors(response)["quote"][0]
    assert not Target.objects.filter(document=plan).exists()
    reason = _target_form(indicator, plan, quote="", no_quote_reason="原文为扫描图片")
    assert _add_target(admin_client, reason).status_code == 302
    assert Target.objects.get(document=plan).no_quote_reason == "原文为扫描图片"


def test_typed_values_and_wrong_values_in_the_admin(plan, admin_client):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    for value, message in (
        ("大约96", "不是数字"),
        ("101", "超出该指标的有效范围"),
        ("96.1234567", "最多保留 6 位小数"),
        ("", "请填写目标值"),
    ):
        response = _add_target(admin_client, _target_form(indicator, plan, value=value))
        assert message in _errors(response)["value"][0], value
    assert _add_target(admin_client, _target_form(indicator, plan, value="９６．５%")).status_code
    assert str(Target.objects.get(document=plan).value) == "96.500000"


def test_a_duplicate_target_is_refused_in_chinese(plan, admin_client):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    assert _add_target(admin_client, _target_form(indicator, plan)).status_code == 302
    response = _add_target(admin_client, _target_form(indicator, plan))
    assert "已为“制造业产品质量合格率”设定了 2028 年的目标" in _errors(response)["year"][0]


def _document_form(upload, **overrides) -> dict:
    form = {
        "code": "plan-2027",
        "kind": "plan",
        "title_zh": "质量提升专项规划",
        "title_en": "",
        "issuer_zh": "内蒙古自治区人民政府",
        "issued_on": "",
        "issued_year": "2027",
        "date_note": "",
        "horizon_years": "[2030]",
        "note": "",
        "source_upload": upload,
    }
    return {**form, **overrides}


def test_a_document_from_an_uploaded_text_checks_the_quotes_of_its_targets(admin_client):
    upload = SimpleUploadedFile("专项规划.txt", PLAN_TEXT.encode("gb18030"))
    response = admin_client.post(reverse("admin:indicators_document_add"), _document_form(upload))
    assert response.status_code == 302, _errors(response)
    document = Document.objects.get(code="plan-2027")
    assert document.source_file == "专项规划.txt" and "不低于80%" in document.source_text
    indicator = Indicator.objects.get(code="CONSUMER_GOODS_PASS_RATE")
    # Line breaks and spaces are not compared; punctuation and wording are.
    verbatim = "消费品质量合格率不低于 80%"
    misquote = "消费品质量合格率不低于85%"
    refused = _add_target(
        admin_client, _target_form(indicator, document, year=2030, quote=misquote, value="85")
    )
    assert "在文件“质量提升专项规划”的原文中找不到这段引用" in _errors(refused)["quote"][0]
    accepted = _add_target(
        admin_client, _target_form(indicator, document, year=2030, quote=verbatim, value="80")
    )
    assert accepted.status_code == 302
    assert Target.objects.get(document=document).quote == verbatim


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("规划.pdf", b"%PDF-1.7 ...", "请上传 .txt 纯文本文件"),
        ("规划.txt", b"PK\x03\x04 word", "这是 Word、PDF 或压缩文件"),
        ("规划.txt", b"\x00\x01\x02binary", "无法识别为文本"),
        ("规划.txt", b"", "空文件"),
        ("规划.txt", b"  \r\n", "上传的文件是空的"),
    ],
)
def test_a_document_upload_that_is_not_plain_text_is_refused(admin_client, name, data, message):
    upload = SimpleUploadedFile(name, data)
    response = admin_client.post(reverse("admin:indicators_document_add"), _document_form(upload))
    assert response.status_code == 200
    assert message in str(_errors(response)["source_upload"])
    assert not Document.objects.filter(code="plan-2027").exists()


def test_a_new_document_needs_an_upload_and_no_file_names(admin_client):
    page = admin_client.get(reverse("admin:indicators_document_add")).content.decode()
    assert 'name="source_upload"' in page and 'name="quote_file"' not in page
    response = admin_client.post(reverse("admin:indicators_document_add"), _document_form(""))
    assert "source_upload" in _errors(response)


def test_the_indicator_page_shows_its_targets_read_only(admin_client):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    page = admin_client.get(reverse("admin:indicators_indicator_change", args=[indicator.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "96.5" in html
    assert 'name="targets-0-value"' not in html and 'name="targets-0-DELETE"' not in html


def test_a_forged_inline_row_on_the_indicator_page_changes_nothing(admin_client):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    target = indicator.targets.order_by("pk").first()
    form = {
        **{
            f.name: "" if getattr(indicator, f.attname) is None else getattr(indicator, f.attname)
            for f in Indicator._meta.fields[1:]
        },
        "targets-TOTAL_FORMS": 1,
        "targets-INITIAL_FORMS": 1,
        "targets-0-id": target.pk,
        "targets-0-indicator": indicator.pk,
        "targets-0-value": "1",
        "targets-0-DELETE": "on",
        "responsibilities-TOTAL_FORMS": 0,
        "responsibilities-INITIAL_FORMS": 0,
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
    }
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    before = Indicator.objects.filter(pk=indicator.pk).values().get()
    assert admin_client.post(url, form).status_code == 302
    assert Target.objects.get(pk=target.pk).value == target.value
    assert Indicator.objects.filter(pk=indicator.pk).values().get() == before


def test_an_indicator_saved_in_the_admin_is_saved_through_the_service(
    admin_client, django_capture_on_commit_callbacks
):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    form = {
        "code": indicator.code,
        "name_zh": indicator.name_zh,
        "name_en": indicator.name_en,
        "unit": "%",
        "value_kind": indicator.value_kind,
        "decimals": 2,
        "min_value": "50",
        "max_value": "0",
        "frequency": indicator.frequency,
        "category": indicator.category,
        "aggregation": indicator.aggregation,
        "note": "按季度统计",
        # The read-only inlines' management forms, as the page sends them.
        **{
            f"{prefix}-{key}": 0
            for prefix in ("aliases", "targets", "responsibilities")
            for key in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    refused = admin_client.post(url, form)
    assert "有效范围上限不能小于下限" in _errors(refused)["max_value"][0]
    with django_capture_on_commit_callbacks() as callbacks:
        assert admin_client.post(url, {**form, "min_value": "0", "max_value": "100"}).status_code
    indicator.refresh_from_db()
    assert indicator.note == "按季度统计" and callbacks  # changed, so the change was announced


def test_an_admin_delete_goes_through_the_service_and_a_cited_document_stays(
    plan, admin_client, django_capture_on_commit_callbacks
):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    assert _add_target(admin_client, _target_form(indicator, plan)).status_code == 302
    target = Target.objects.get(document=plan)
    refused = admin_client.post(
        reverse("admin:indicators_document_delete", args=[plan.pk]), {"post": "yes"}
    )
    assert refused.status_code == 200 and Document.objects.filter(pk=plan.pk).exists()
    with django_capture_on_commit_callbacks() as callbacks:
        deleted = admin_client.post(
            reverse("admin:indicators_target_delete", args=[target.pk]), {"post": "yes"}
        )
    assert deleted.status_code == 302 and not Target.objects.filter(pk=target.pk).exists()
    assert callbacks  # the deletion is announced: gaps are computed again


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("indicator", "abc"),  # not a key: refused at the field, the page still renders
        ("document", "指标😀"),
    ],
)
def test_a_malformed_key_in_the_target_form_is_refused_not_a_500(plan, admin_client, field, value):
    indicator = Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE")
    response = _add_target(admin_client, {**_target_form(indicator, plan), field: value})
    assert response.status_code == 200 and field in _errors(response)


@pytest.mark.parametrize(
    "horizon", ["[" * 100_000 + "]" * 100_000, '["\\ud800"]', "[1e999]", '["\\u0000"]']
)
def test_hostile_json_in_a_document_form_is_refused_not_a_500(admin_client, horizon):
    upload = SimpleUploadedFile("规划.txt", PLAN_TEXT.encode())
    response = admin_client.post(
        reverse("admin:indicators_document_add"),
        _document_form(upload, horizon_years=horizon),
    )
    assert response.status_code == 200 and "horizon_years" in _errors(response)
    assert not Document.objects.filter(code="plan-2027").exists()
