"""The periods the office collects figures for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import PeriodStatus
from ..periods import PERIOD_REGEX, Period, validate_period_id


class ReportingPeriod(models.Model):
    """A period the office collects figures for: its deadline, and whether entry is still open."""

    period = models.CharField(_("期间"), max_length=6, unique=True, validators=[validate_period_id])
    deadline = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
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
        verbose_name = _("填报期间")
        verbose_name_plural = _("填报期间")
        ordering = ["-period"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="reporting_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PeriodStatus.values), name="reporting_period_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{Period.parse(self.period).label}（{self.get_status_display()}）"

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN
