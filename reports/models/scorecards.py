"""Scorecard renderings and the snapshots they keep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.access import is_office

from ..periods import PERIOD_REGEX, validate_period_id
from .workflow import DepartmentScopedQuerySet


class ScorecardRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The office follows every rendering; anyone else the renderings they started."""
        if is_office(user):
            return self
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(created_by=user)


class ScorecardRun(models.Model):
    """One request to render scorecards for a period (all departments, or one)."""

    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    total = models.PositiveIntegerField(_("记分卡数"), default=0)
    failures = models.JSONField(_("失败"), default=list, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScorecardRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("记分卡生成任务")
        verbose_name_plural = _("记分卡生成任务")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="scorecard_run_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} · {self.created_at:%Y-%m-%d %H:%M}"


def scorecard_upload_to(instance: Scorecard, filename: str) -> str:
    return f"scorecards/{instance.period}/{instance.department.code}/{filename}"


class Scorecard(models.Model):
    """A rendered scorecard, kept as shown: the data it was built from, its HTML, PDF and xlsx.

    A row exists only once every file of the rendering is in place (the row is the last thing
    written, in one transaction), so a rendering interrupted half-way leaves no snapshot.
    """

    run = models.ForeignKey(
        ScorecardRun,
        verbose_name=_("生成任务"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scorecards",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="scorecards",
    )
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    data = models.JSONField(_("数据"))
    fingerprint = models.CharField(_("数据指纹"), max_length=64)
    html = models.TextField(_("页面"))
    pdf = models.FileField(_("PDF"), upload_to=scorecard_upload_to, max_length=200)
    xlsx = models.FileField(_("Excel"), upload_to=scorecard_upload_to, max_length=200)

    objects = DepartmentScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("记分卡")
        verbose_name_plural = _("记分卡")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "department"],
                condition=Q(run__isnull=False),
                name="scorecard_once_per_run",
            ),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="scorecard_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.period} · {self.created_at:%Y-%m-%d %H:%M}"
