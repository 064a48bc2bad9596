"""Every model is in the Django admin, in Chinese, and admin edits enter the value history."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from departments.admin import ReadOnlyInline, ServiceAdmin
from departments.models import Department, Membership
from indicators.models import Indicator
from reports.models import ReportedValue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

APP_LABELS = ("departments", "indicators", "reports")


@pytest.fixture
def admin_client(client):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_model_is_registered():
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.parametrize("label", APP_LABELS)
def test_every_changelist_and_add_page_opens_in_chinese(catalog, admin_client, label):
    for model in apps.get_app_config(label).get_models():
        opts = model._meta
        response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert response.status_code == 200, opts.label
        assert str(opts.verbose_name_plural) in response.content.decode()
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "站点管理" in index or "管理" in index


def test_every_catalogue_admin_writes_through_the_services():
    """So that every admin edit of the catalogue is checked and schedules the gap recomputation."""
    catalogue = [
        model
        for label in ("departments", "indicators")
        for model in apps.get_app_config(label).get_models()
        if model is not Membership
    ]
    for model in catalogue:
        model_admin = admin.site._registry[model]
        assert isinstance(model_admin, ServiceAdmin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, ReadOnlyInline), inline


def test_change_pages_of_catalogue_rows_open(catalog, admin_client):
    for obj in (
        Department.objects.get(code="H_QTSB"),
        Indicator.objects.get(code="MFG_PRODUCT_PASS_RATE"),
    ):
        opts = obj._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200


def _change_form(rv: ReportedValue, **overrides) -> dict:
    """The admin change form of ``rv`` as the page would post it, with ``overrides``."""
    form = {
        "indicator": rv.indicator_id,
        "department": rv.department_id,
        "period": rv.period,
        "value": rv.value,
        "note": rv.note,
        "state": rv.state,
        "source": rv.source,
        "document": rv.document_id or "",
        "clause": rv.clause,
        "quote": rv.quote,
        "review_comment": rv.review_comment,
        "expected_version": rv.version,
        "changes-TOTAL_FORMS": 0,
        "changes-INITIAL_FORMS": 0,
    }
    return {**form, **overrides}


def test_an_admin_edit_of_a_value_goes_into_its_history(catalog, admin_client):
    rv = ReportedValue.objects.get(indicator__code="MFG_PRODUCT_PASS_RATE")
    url = reverse("admin:reports_reportedvalue_change", args=[rv.pk])
    response = admin_client.post(url, _change_form(rv, value="93.72"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rv.refresh_from_db()
    last = rv.changes.last()
    assert (str(rv.value), last.via, last.changed_by.username) == ("93.720000", "admin", "root")


def test_an_admin_edit_from_a_stale_page_is_refused_on_the_form(catalog, admin_client):
    rv = ReportedValue.objects.get(indicator__code="MFG_PRODUCT_PASS_RATE")
    url = reverse("admin:reports_reportedvalue_change", args=[rv.pk])
    response = admin_client.post(url, _change_form(rv, value="90", expected_version=rv.version - 1))
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    rv.refresh_from_db()
    assert str(rv.value) == "93.710000"
