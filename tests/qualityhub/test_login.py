"""Logging in: the Chinese login page, each role's landing page, throttling, no enumeration."""

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from departments.choices import Role
from departments.models import Department
from departments.services import membership_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")


@pytest.fixture
def accounts(catalog):
    def make(name, role, code=None):
        user = UserFactory(username=name)
        dept = Department.objects.get(code=code) if code else None
        membership_set(user=user, role=role, department=dept)
        return user

    return {
        "alice": make("alice", Role.REPORTER, "AGRI"),
        "bob": make("bob", Role.REVIEWER, "AGRI"),
        "olivia": make("olivia", Role.OFFICE),
        "root": make("root", Role.ADMIN),
    }


def _login(client, username, password="pw-for-tests"):
    return client.post(LOGIN, {"username": username, "password": password})


def test_the_login_page_is_in_chinese(client):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("alice", "reports:form"),
        ("bob", "reports:form"),
        ("olivia", "reports:overview"),
        ("root", "reports:overview"),
    ],
)
def test_each_role_lands_on_its_own_page(accounts, username, landing):
    client = Client()
    response = _login(client, username)
    assert response.status_code == 302
    final = client.get(response["Location"], follow=True)
    assert final.redirect_chain[-1][0] == reverse(landing)
    assert final.status_code == 200


def test_a_user_without_a_role_is_refused(accounts):
    UserFactory(username="nobody")
    client = Client()
    _login(client, "nobody")
    assert client.get(reverse("home")).status_code == 403


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(accounts):
    wrong = _login(Client(), "alice", "nope")
    unknown = _login(Client(), "no-such-user", "nope")
    assert wrong.status_code == unknown.status_code == 200
    assert "请输入一个正确的" in wrong.content.decode()

    def body(response, username):
        main = response.content.decode().split("<main>")[1].split("</main>")[0]
        main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)
        return main.replace(username, "X")

    assert body(wrong, "alice") == body(unknown, "no-such-user")


@pytest.mark.parametrize("username", ["alice", "no-such-user"])
def test_repeated_failures_lock_the_login_whether_or_not_the_account_exists(accounts, username):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, username, "nope").status_code == 200
    locked = _login(client, username, "nope")
    assert locked.status_code == 429
    assert "登录已暂时锁定" in locked.content.decode()
    # Even the right password is refused while locked.
    if username == "alice":
        assert _login(client, "alice").status_code == 429
    # Another account from the same address is not locked.
    assert _login(Client(), "bob").status_code == 302


def test_logout_needs_a_post_and_ends_the_session(accounts):
    client = Client()
    _login(client, "alice")
    client.post(reverse("logout"))
    response = client.get(reverse("reports:form"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def _main(response, username: str) -> str:
    main = response.content.decode().split("<main>")[1].split("</main>")[0]
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)
    return main.replace(username, "X")


@pytest.mark.parametrize(
    ("username", "password"),
    [("x" * 5000, "nope"), ("长" * 151, "nope"), ("alice", "x" * 5000)],
    ids=["5,000-character username", "151-character username", "5,000-character password"],
)
def test_an_overlong_login_is_refused_like_a_wrong_password(accounts, username, password):
    """django-axes records a failed login in a 255-character column: a longer username was a
    database error. It is refused before authentication, with the wrong-password message."""
    wrong = _login(Client(), "alice", "nope")
    overlong = _login(Client(), username, password)
    assert overlong.status_code == wrong.status_code == 200
    assert "请输入一个正确的" in overlong.content.decode()
    assert _main(overlong, username) == _main(wrong, "alice")
    assert AccessAttempt.objects.filter(username=username).exists() == (username == "alice")


def test_the_admin_login_refuses_an_overlong_username_like_a_wrong_password(accounts):
    url = reverse("admin:login")
    wrong = Client().post(url, {"username": "root", "password": "nope"})
    overlong = Client().post(url, {"username": "x" * 5000, "password": "nope"})
    assert overlong.status_code == wrong.status_code == 200
    assert "请输入一个正确的工作人员账户" in overlong.content.decode()
    # The right account still logs in through the same form.
    assert Client().post(url, {"username": "root", "password": "pw-for-tests"}).status_code == 302
