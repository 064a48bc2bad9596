"""Gap results: what the gap engine computed for each series and period."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import GapStatus
from ..periods import PERIOD_REGEX, validate_period_id
from .workflow import DepartmentScopedQuerySet


class GapResultQuerySet(DepartmentScopedQuerySet):
    """The office sees every series, region-wide included; a department user its own series."""


class GapResult(models.Model):
    """The computed distance of an actual value from its target (written by the gap engine).

    ``department`` is empty for the region-wide figure.
    """

    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("指标"),
        on_delete=models.CASCADE,
        related_name="gap_results",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="gap_results",
    )
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    target = models.ForeignKey(
        "indicators.Target",
        verbose_name=_("目标"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gap_results",
    )
    actual = models.DecimalField(_("实际值"), max_digits=20, decimal_places=6, null=True)
    target_value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=6, null=True)
    gap = models.DecimalField(_("差距"), max_digits=20, decimal_places=6, null=True)
    percent_of_target = models.FloatField(_("完成比例"), null=True)
    progress = models.FloatField(_("进展"), null=True)
    ratio = models.FloatField(_("进度比"), null=True)
    required_pace = models.FloatField(_("所需年均进度"), null=True)
    projection = models.DecimalField(_("目标年预测值"), max_digits=20, decimal_places=6, null=True)
    status = models.CharField(_("状态"), max_length=16, choices=GapStatus.choices)
    period_end = models.FloatField(
        _("期末（年）"), default=0, help_text=_("期间结束时刻，以年计，用于排序。")
    )
    is_demo = models.BooleanField(_("含演示数据"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    objects = GapResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("差距评估结果")
        verbose_name_plural = _("差距评估结果")
        ordering = ["indicator__code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "department", "period"],
                condition=Q(department__isnull=False),
                name="gap_result_unique_department",
            ),
            models.UniqueConstraint(
                fields=["indicator", "period"],
                condition=Q(department__isnull=True),
                name="gap_result_unique_region",
            ),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="gap_result_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=GapStatus.values), name="gap_result_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["indicator", "department", "-period_end"], name="gap_result_latest"
            ),
        ]

    def __str__(self) -> str:
        where = self.department or _("全区")
        return f"{self.indicator} · {where} · {self.period} · {self.get_status_display()}"
