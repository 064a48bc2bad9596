import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from departments.models import Membership
from indicators.selectors import departments_with_responsibilities

pytestmark = pytest.mark.django_db


def _run(capsys):
    call_command("demo_users", as_json=True)
    return json.loads(capsys.readouterr().out)


def test_demo_users_prints_one_admin_one_office_user_and_a_reporter_per_department(catalog, capsys):
    accounts = _run(capsys)
    assert set(accounts[0]) == {"username", "password", "role", "department_code"}
    roles = [a["role"] for a in accounts]
    assert roles.count("admin") == 1 and roles.count("office") == 1
    reporters = {a["department_code"] for a in accounts if a["role"] == "reporter"}
    assert reporters == {d.code for d in departments_with_responsibilities()}
    assert "AMR" in reporters and "AGRI" in reporters
    assert "H_QTSB" not in reporters, "historical departments have no reporters"
    for account in accounts:
        user = get_user_model().objects.get(username=account["username"])
        assert user.check_password(account["password"])


def test_demo_users_is_idempotent_and_keeps_roles(catalog, capsys):
    first = _run(capsys)
    count = Membership.objects.count()
    assert _run(capsys) == first
    assert Membership.objects.count() == count == len(first)
    admin = Membership.objects.get(user__username="admin")
    assert admin.user.is_superuser and admin.user.is_staff
    reporter = Membership.objects.get(user__username="reporter-amr")
    assert reporter.department.code == "AMR" and not reporter.user.is_staff
