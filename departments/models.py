from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qualityhub.language import pick

from .choices import DEPARTMENT_ROLES, DepartmentKind, DepartmentStatus, Role


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
    ``successor_year``, ``successor_source`` and ``successor_quote`` record when and by which
    announcement the duty passed on. Where a step cannot be confirmed (the date or the successor
    itself), ``unconfirmed`` says why, and every page that shows the department as responsible
    marks it (:attr:`resolution_unconfirmed`).
    """

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name_zh = models.CharField(_("名称"), max_length=100, unique=True)
    short_name_zh = models.CharField(_("简称"), max_length=50, blank=True)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(
        _("类别"), max_length=24, choices=DepartmentKind.choices, default=DepartmentKind.DEPARTMENT
    )
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
    successor_year = models.PositiveSmallIntegerField(
        _("职责移交年份"), null=True, blank=True, help_text=_("职责移交给继承部门的年份。")
    )
    successor_source = models.TextField(
        _("移交出处"), blank=True, help_text=_("公告或年鉴：发布者和标题、日期、网址。")
    )
    successor_quote = models.TextField(_("移交原文"), blank=True, help_text=_("出处中的原句。"))
    unconfirmed = models.TextField(
        _("待确认说明"),
        blank=True,
        help_text=_("非空表示本部门对应到现部门的关系尚未确认，并写明原因。"),
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
                condition=Q(kind__in=DepartmentKind.values), name="department_kind_valid"
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

    def chain(self) -> list["Department"]:
        """This department and each successor after it, up to today's (a cycle ends it)."""
        chain, seen, department = [self], {self.pk}, self
        while department.successor_id is not None and department.successor_id not in seen:
            department = department.successor
            seen.add(department.pk)
            chain.append(department)
        return chain

    @property
    def unconfirmed_reasons(self) -> list[str]:
        """Why the resolution of this department to today's is not confirmed: the ``unconfirmed``
        text of each row along its chain of successors that has one (empty when confirmed).
        Lists of many departments read them all at once with
        :func:`departments.selectors.unconfirmed_reasons`."""
        return [d.unconfirmed for d in self.chain() if d.unconfirmed]

    @property
    def resolution_unconfirmed(self) -> bool:
        """Whether this row or any row along its chain of successors is marked unconfirmed."""
        return bool(self.unconfirmed_reasons)


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
