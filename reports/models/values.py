"""Department entries: reported values and qualitative reports, each with its change history."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import ChangeAction, ChangeVia, TaskStatus, ValueSource, ValueState, choice_label
from ..periods import PERIOD_REGEX, validate_period_id
from .workflow import WorkflowRow


def evidence_upload_to(instance: ReportedValue, filename: str) -> str:
    """Evidence lives outside any public URL, one folder per department, under a random name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.department.code}/{instance.period}/{uuid.uuid4().hex}{suffix}"


class ReportedValue(WorkflowRow):
    """One department's figure for one indicator and period, with its review workflow.

    There is at most one row per indicator × department × period; every change to it goes through
    ``reports.reporting.services`` and is recorded in :class:`ReportedValueChange`. The one
    exception is no change of the figure: when its department becomes historical, the row moves
    to today's department (``values_follow_successors``), keeping ``department_as_reported``.
    """

    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("指标"),
        on_delete=models.PROTECT,
        related_name="reported_values",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="reported_values",
    )
    # Set when the row followed its department's successor (``values_follow_successors``): the
    # department it was reported under.
    department_as_reported = models.ForeignKey(
        "departments.Department",
        verbose_name=_("填报时部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.FileField(
        _("佐证材料"), upload_to=evidence_upload_to, max_length=200, blank=True
    )
    evidence_name = models.CharField(_("佐证材料文件名"), max_length=200, blank=True)
    source = models.CharField(
        _("来源"), max_length=16, choices=ValueSource.choices, default=ValueSource.FORM
    )
    # Published figures cite where they were published.
    document = models.ForeignKey(
        "indicators.Document",
        verbose_name=_("出处文件"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_values",
    )
    clause = models.CharField(_("出处条款"), max_length=60, blank=True)
    quote = models.TextField(_("出处原文"), blank=True)
    # Data quality (docs/data-quality.md): the expected range when the figure was written, and
    # whether the figure lay outside it; the reviewer's mark for follow-up. ``db_default`` keeps
    # the set-based import's COPY and any other raw insert valid.
    outlier = models.BooleanField(_("超出预期范围"), default=False, db_default=False)
    expected_low = models.DecimalField(
        _("预期下限"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    expected_high = models.DecimalField(
        _("预期上限"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    followup = models.BooleanField(_("标记跟进"), default=False, db_default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("填报数值")
        verbose_name_plural = _("填报数值")
        ordering = ["indicator__code", "department__code", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "department", "period"],
                name="reported_value_unique_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="reported_value_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=ValueState.values), name="reported_value_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ValueSource.values), name="reported_value_source_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[ValueState.SUBMITTED, ValueState.APPROVED])
                | Q(value__isnull=False),
                name="reported_value_submitted_has_value",
            ),
        ]
        indexes = [models.Index(fields=["period", "state"], name="reported_value_period_state")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.department} · {self.period}"

    @property
    def is_demo(self) -> bool:
        return self.source == ValueSource.DEMO


class ReportedValueChange(models.Model):
    """One recorded change to a reported value: who, when, through which path, old and new."""

    reported_value = models.ForeignKey(
        ReportedValue, verbose_name=_("填报数值"), on_delete=models.CASCADE, related_name="changes"
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(_("途径"), max_length=16, choices=ChangeVia.choices)
    action = models.CharField(_("操作"), max_length=32)
    old_value = models.DecimalField(
        _("原数值"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    new_value = models.DecimalField(
        _("新数值"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    old_note = models.TextField(_("原说明"), blank=True)
    new_note = models.TextField(_("新说明"), blank=True)
    old_state = models.CharField(_("原状态"), max_length=16, choices=ValueState.choices, blank=True)
    new_state = models.CharField(_("新状态"), max_length=16, choices=ValueState.choices)
    comment = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        ordering = ["reported_value_id", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(via__in=ChangeVia.values), name="reported_value_change_via_valid"
            ),
        ]

    def __str__(self) -> str:
        action = self.get_action_display()
        return f"{self.reported_value} · {action} · {self.changed_at:%Y-%m-%d %H:%M}"

    # ``action`` is stored without ``choices`` (its codes predate them); the label comes from
    # :class:`ChangeAction` as a choice field's would.
    def get_action_display(self) -> str:
        return choice_label(ChangeAction, self.action)

    get_action_display.short_description = _("操作")


class QualitativeReport(WorkflowRow):
    """A department's status and narrative for a qualitative task or indicator in a period."""

    task = models.ForeignKey(
        "indicators.Task",
        verbose_name=_("任务"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("定性指标"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="qualitative_reports",
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="qualitative_reports",
    )
    department_as_reported = models.ForeignKey(
        "departments.Department",
        verbose_name=_("填报时部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    status = models.CharField(_("进展"), max_length=16, choices=TaskStatus.choices, blank=True)
    narrative = models.TextField(_("进展情况"), blank=True)

    class Meta:
        verbose_name = _("定性任务进展")
        verbose_name_plural = _("定性任务进展")
        ordering = ["department__code", "period", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(task__isnull=False, indicator__isnull=True)
                    | Q(task__isnull=True, indicator__isnull=False)
                ),
                name="qualitative_report_task_xor_indicator",
            ),
            models.UniqueConstraint(
                fields=["task", "department", "period"],
                condition=Q(task__isnull=False),
                name="qualitative_report_unique_task",
            ),
            models.UniqueConstraint(
                fields=["indicator", "department", "period"],
                condition=Q(indicator__isnull=False),
                name="qualitative_report_unique_indicator",
            ),
            models.CheckConstraint(
                condition=Q(period__regex=PERIOD_REGEX), name="qualitative_report_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[*TaskStatus.values, ""]),
                name="qualitative_report_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ValueState.values), name="qualitative_report_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[ValueState.SUBMITTED, ValueState.APPROVED]) | ~Q(status=""),
                name="qualitative_report_submitted_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task or self.indicator} · {self.department} · {self.period}"

    @property
    def subject(self):
        return self.task or self.indicator


class QualitativeReportChange(models.Model):
    """One recorded change to a qualitative report."""

    report = models.ForeignKey(
        QualitativeReport,
        verbose_name=_("定性任务进展"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(_("途径"), max_length=16, choices=ChangeVia.choices)
    action = models.CharField(_("操作"), max_length=32)
    old_status = models.CharField(_("原进展"), max_length=16, blank=True)
    new_status = models.CharField(_("新进展"), max_length=16, blank=True)
    old_narrative = models.TextField(_("原进展情况"), blank=True)
    new_narrative = models.TextField(_("新进展情况"), blank=True)
    old_state = models.CharField(_("原状态"), max_length=16, blank=True)
    new_state = models.CharField(_("新状态"), max_length=16)
    comment = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("定性任务修改记录")
        verbose_name_plural = _("定性任务修改记录")
        ordering = ["report_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.report} · {self.get_action_display()}"

    # Stored without ``choices``: the labels come from the same choices as the value history's.
    def get_action_display(self) -> str:
        return choice_label(ChangeAction, self.action)

    def get_old_state_display(self) -> str:
        return choice_label(ValueState, self.old_state)

    def get_new_state_display(self) -> str:
        return choice_label(ValueState, self.new_state)

    def get_old_status_display(self) -> str:
        return choice_label(TaskStatus, self.old_status)

    def get_new_status_display(self) -> str:
        return choice_label(TaskStatus, self.new_status)

    get_action_display.short_description = _("操作")
    get_old_state_display.short_description = _("原状态")
    get_new_state_display.short_description = _("新状态")
    get_old_status_display.short_description = _("原进展")
    get_new_status_display.short_description = _("新进展")
