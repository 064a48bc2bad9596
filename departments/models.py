from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qualityhub.language import pick

from .choices import DEPARTMENT_ROLES, DepartmentStatus, Role


class DepartmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(status=DepartmentStatus.CURRENT)

    def resolve(self, name: str):
        """The department whose code, name or any alias is exactly ``name``, or ``None``."""
        name = name.strip()
        return (
            self.filter(Q(code=name) | Q(name_zh=name) | Q(aliases__name=name)).distinct().first()
        )


class Department(models.Model):
    """A member department of the leadership group, under one name.

    A department that was merged or renamed (the 2018 reform and later) keeps its own row with
    ``status=historical`` and points to its ``successor``, so a responsibility given in 2016 keeps
    the name it was given under and still resolves to the department that holds it today.
    """

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=100, unique=True)
    short_name_zh = models.CharField(_("简称"), max_length=50, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DepartmentStatus.choices, default=DepartmentStatus.CURRENT
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("继承部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )
    note = models.TextField(_("说明"), blank=True)
    sources = models.JSONField(
        _("出处"), default=list, blank=True, help_text=_("文件、条款和原文引用。")
    )

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DepartmentStatus.values), name="department_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=DepartmentStatus.CURRENT, successor__isnull=True)
                    | Q(status=DepartmentStatus.HISTORICAL, successor__isnull=False)
                ),
                name="department_successor_iff_historical",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("pk")), name="department_not_own_successor"
            ),
        ]

    def __str__(self) -> str:
        return self.display_short_name

    @property
    def display_name(self) -> str:
        """The full name in the interface's language: ``name_en`` in English where there is one,
        else ``name_zh``."""
        return pick(self.name_zh, self.name_en)

    @property
    def display_short_name(self) -> str:
        """The short name in the interface's language. English has no short names: the English
        name stands in for ``short_name_zh``."""
        return pick(self.short_name_zh or self.name_zh, self.name_en)

    @property
    def is_current(self) -> bool:
        return self.status == DepartmentStatus.CURRENT

    def current(self) -> "Department":
        """Today's department: follow successors until a current one (guarding against cycles)."""
        department, seen = self, {self.pk}
        while department.successor_id is not None:
            department = department.successor
            if department.pk in seen:
                raise ValueError(f"successor cycle at department {department.code}")
            seen.add(department.pk)
        return department


class DepartmentAlias(models.Model):
    """Another spelling of a department's name, exactly as some document writes it."""

    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("名称写法"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("部门别名")
        verbose_name_plural = _("部门别名")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in QualityHub; reporters and reviewers belong to one department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
            models.CheckConstraint(
                condition=(
                    Q(role__in=DEPARTMENT_ROLES, department__isnull=False)
                    | (~Q(role__in=DEPARTMENT_ROLES) & Q(department__isnull=True))
                ),
                name="membership_department_iff_department_role",
            ),
        ]

    def __str__(self) -> str:
        if self.department_id:
            return f"{self.user} · {self.get_role_display()} · {self.department}"
        return f"{self.user} · {self.get_role_display()}"
