"""Tokens: created and revoked on a page, stored hashed, the key shown once."""

import hashlib
import re

import pytest
from django.test import Client

from api.models import ApiToken
from api.services import MAX_ACTIVE, api_token_create

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_token_is_created_on_its_page_and_its_key_shown_once(people):
    browser = _browser(people.owner)
    assert "/api/tokens/" in browser.get("/reports/form/").content.decode()
    response = browser.post("/api/tokens/", {"action": "create", "name": "统计系统对接"})
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'id="token-key">([^<]+)<', html)[1]
    token = ApiToken.objects.get(user=people.owner)
    # Only the key's SHA-256 and its first characters are stored.
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(token.prefix) and len(token.prefix) < 12
    assert key not in {str(v) for v in ApiToken.objects.values_list(flat=False).get()}
    # The key works, with either scheme, and its use is recorded.
    for scheme in ("Token", "Bearer"):
        api = Client(headers={"Authorization": f"{scheme} {key}"})
        assert api.get("/api/v1/values/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Opened again, the page shows the token by its prefix only.
    again = browser.get("/api/tokens/").content.decode()
    assert token.prefix in again and key not in again


def test_a_revoked_token_stops_working(people):
    token, key = api_token_create(user=people.owner, name="脚本")
    api = Client(headers={"Authorization": f"Token {key}"})
    assert api.get("/api/v1/values/").status_code == 200
    response = _browser(people.owner).post("/api/tokens/", {"action": "revoke", "token": token.pk})
    assert response.status_code == 302
    response = api.get("/api/v1/values/")
    assert response.status_code == 401
    assert "撤销" in response.json()["detail"]


def test_nobody_revokes_another_users_token(people):
    token, _key = api_token_create(user=people.owner, name="脚本")
    for bad in (token.pk, "abc", "", str(10**30)):
        response = _browser(people.outsider).post(
            "/api/tokens/", {"action": "revoke", "token": bad}
        )
        assert response.status_code == 404
    assert ApiToken.objects.get(pk=token.pk).is_active


def test_the_page_is_for_the_sites_roles_and_needs_a_name(people):
    assert Client().get("/api/tokens/").status_code == 302  # to the login page
    response = _browser(people.office).post("/api/tokens/", {"action": "create", "name": " "})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_holds_a_limited_number_of_tokens(people):
    for n in range(MAX_ACTIVE):
        api_token_create(user=people.owner, name=f"t{n}")
    response = _browser(people.owner).post("/api/tokens/", {"action": "create", "name": "多一个"})
    assert "最多同时持有" in response.content.decode()
    assert ApiToken.objects.filter(user=people.owner).count() == MAX_ACTIVE


def test_an_inactive_users_token_and_malformed_headers_are_refused(people):
    _token, key = api_token_create(user=people.owner, name="脚本")
    for header in ("Token", f"Token {key} extra", "Token qh_nope", "Bearer ", "Token ключ"):
        response = Client(headers={"Authorization": header}).get("/api/v1/values/")
        assert response.status_code == 401, header
    people.owner.is_active = False
    people.owner.save()
    response = Client(headers={"Authorization": f"Token {key}"}).get("/api/v1/values/")
    assert response.status_code == 401
