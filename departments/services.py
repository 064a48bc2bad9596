"""Writes to departments and user roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .choices import DEPARTMENT_ROLES, Role
from .models import Department, Membership


@transaction.atomic
def membership_set(*, user, role: str, department: Department | None = None) -> Membership:
    """Give ``user`` its role; reporters and reviewers belong to one current department."""
    if role in DEPARTMENT_ROLES:
        if department is None:
            raise ValidationError(_("填报员和部门审核必须属于一个部门。"))
        if not department.is_current:
            raise ValidationError(
                _("“%(name)s”是历史部门，请选择现部门“%(current)s”。")
                % {"name": department, "current": department.current()}
            )
    else:
        department = None
    membership, _created = Membership.objects.update_or_create(
        user=user, defaults={"role": role, "department": department}
    )
    if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return membership


@transaction.atomic
def demo_user_ensure(
    *, username: str, password: str, role: str, department: Department | None = None
) -> tuple[object, bool]:
    """Create a demo account if missing (or restore its demo password); return (user, created)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    if created or not user.check_password(password):
        user.set_password(password)
        user.save()
    membership_set(user=user, role=role, department=department)
    return user, created
