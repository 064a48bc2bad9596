"""Data quality on entry: the office's own expected range for a department's figures.

Where the office has not set one, the range comes from the department's approved history (see
``reports.reporting.rules.expected_bounds`` and docs/data-quality.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ValueBounds(models.Model):
    """The expected range the office set for one indicator × department.

    It replaces the range computed from the department's history: a figure outside it needs a
    note from the department and is flagged for the reviewer. Either end may be left open.
    Written only through ``reports.reporting.services.value_bounds_set`` (and removed through
    ``value_bounds_delete``).
    """

    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("指标"),
        on_delete=models.CASCADE,
        related_name="value_bounds",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        related_name="value_bounds",
    )
    low = models.DecimalField(_("下限"), max_digits=20, decimal_places=6, null=True, blank=True)
    high = models.DecimalField(_("上限"), max_digits=20, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("设定理由"), blank=True)
    changed_at = models.DateTimeField(_("更新时间"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("预期范围")
        verbose_name_plural = _("预期范围")
        ordering = ["indicator__code", "department__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "department"],
                name="value_bounds_unique_per_department",
                violation_error_message=_("该部门的这个指标已设定预期范围，请修改原有记录。"),
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=False) | Q(high__isnull=False),
                name="value_bounds_has_an_end",
                violation_error_message=_("请至少填写下限或上限中的一个。"),
            ),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="value_bounds_low_not_above_high",
                violation_error_message=_("下限不能大于上限。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.department}"
