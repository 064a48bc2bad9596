from django.db import models
from django.utils.translation import gettext_lazy as _


class DepartmentStatus(models.TextChoices):
    CURRENT = "current", _("现行")
    HISTORICAL = "historical", _("历史（已撤并或更名）")


class DepartmentKind(models.TextChoices):
    """What a row of the catalogue is: a government department, or a coordinating office (the
    office of a leading group, the government's inspection office) that documents give duties."""

    DEPARTMENT = "department", _("部门")
    COORDINATING_OFFICE = "coordinating_office", _("协调机构")


class Role(models.TextChoices):
    """What a user does in QualityHub (see PRODUCT.md, "Who uses it")."""

    REPORTER = "reporter", _("填报员")
    REVIEWER = "reviewer", _("部门审核")
    OFFICE = "office", _("领导小组办公室")
    ADMIN = "admin", _("系统管理员")


DEPARTMENT_ROLES = (Role.REPORTER, Role.REVIEWER)
