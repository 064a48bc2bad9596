from types import SimpleNamespace

import pytest
from django.test import Client

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from indicators.models import Indicator
from tests.factories import UserFactory

#: A quarter inside the Outline's horizon (to 2035) with rows for the test departments.
QUARTER = "2026Q3"


@pytest.fixture
def people(catalog):
    """Alice reports for 农牧厅 (AGRI), Bob reviews for it, Charlie reports for 知识产权局 (IPA)."""

    def make(username, role, code=None):
        user = UserFactory(username=username)
        department = Department.objects.get(code=code) if code else None
        membership_set(user=user, role=role, department=department)
        return user

    return SimpleNamespace(
        owner=make("alice", Role.REPORTER, "AGRI"),
        reviewer=make("bob", Role.REVIEWER, "AGRI"),
        outsider=make("charlie", Role.REPORTER, "IPA"),
        office=make("olivia", Role.OFFICE),
        admin=make("root", Role.ADMIN),
        anonymous=None,
    )


@pytest.fixture
def login():
    def _login(user, **kwargs) -> Client:
        client = Client(**kwargs)
        if user is not None:
            client.force_login(user)
        return client

    return _login


@pytest.fixture
def agri_rate():
    return Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")


@pytest.fixture
def agri_brands():
    return Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS")


def form_data(*rows, action="save", **extra) -> dict:
    """POST data for the department form: rows are (indicator, value, note[, version]).

    The version is what the page carried: 0 when it showed no value yet.
    """
    data = {"action": action, **extra}
    for row in rows:
        indicator, value, note, *version = row
        data[f"value_{indicator.pk}"] = value
        data[f"note_{indicator.pk}"] = note
        data[f"version_{indicator.pk}"] = version[0] if version else 0
    return data
