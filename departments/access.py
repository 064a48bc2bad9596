"""Who a user is in QualityHub: role and department, read from the user's membership.

Every view decides what a user may read or write from these functions, never from request data.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from .choices import DEPARTMENT_ROLES, Role
from .models import Department, Membership

OFFICE_ROLES = (Role.OFFICE, Role.ADMIN)


def role_of(user) -> str | None:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if not user.is_active:
        return None
    try:
        return user.membership.role
    except Membership.DoesNotExist:
        return Role.ADMIN if user.is_superuser else None


def department_of(user) -> Department | None:
    """The department a reporter or reviewer belongs to (always a current one)."""
    if role_of(user) not in DEPARTMENT_ROLES:
        return None
    return user.membership.department


def is_office(user) -> bool:
    """The leadership-group office and administrators see and review every department."""
    return role_of(user) in OFFICE_ROLES


def is_department_user(user) -> bool:
    return role_of(user) in DEPARTMENT_ROLES
