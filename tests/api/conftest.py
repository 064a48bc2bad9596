"""Fixtures of the API tests: the access matrix's cast, each with a token of their own."""

import json

import pytest
from django.test import Client

from api.services import api_token_create
from indicators.models import Indicator
from tests.reports.conftest import QUARTER, people  # noqa: F401  (the cast of the access matrix)


class ApiClient:
    """A client that calls the API with a user's token, sending and reading JSON."""

    def __init__(self, key: str | None, **headers):
        auth = {"Authorization": f"Token {key}"} if key else {}
        self.client = Client(headers={**auth, **headers})

    def get(self, url, params=None, **headers):
        return self.client.get(url, params or {}, headers=headers)

    def post(self, url, data=None, **headers):
        return self.client.post(
            url, json.dumps(data or {}), content_type="application/json", headers=headers
        )

    def patch(self, url, data=None, **headers):
        return self.client.patch(
            url, json.dumps(data or {}), content_type="application/json", headers=headers
        )


@pytest.fixture
def api(people):  # noqa: F811
    """``api(user)``: a client calling the API with a new token of ``user``."""

    def make(user, **headers) -> ApiClient:
        _token, key = api_token_create(user=user, name="tests")
        return ApiClient(key, **headers)

    return make


@pytest.fixture
def agri_rate(catalog):
    return Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")


@pytest.fixture
def ipa_count(catalog):
    return Indicator.objects.get(code="GEOGRAPHICAL_INDICATIONS")


__all__ = ["QUARTER"]


@pytest.fixture
def agri_brands(catalog):
    return Indicator.objects.get(code="REGIONAL_PUBLIC_BRANDS")
