import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ChangeVia, GapStatus, PeriodStatus, TaskStatus, ValueSource, ValueState
from .periods import PERIOD_REGEX, Period, validate_period_id


def evidence_upload_to(instance: "ReportedValue", filename: str) -> str:
    """Evidence lives outside any public URL, one folder per department, under a random name."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.department.code}/{instance.period}/{uuid.uuid4().hex}{suffix}"


class ReportedValue(models.Model):
    """One department's figure for one indicator and period, with its review workflow.

    There is at most one row per indicator × department × period; every change to it goes through
    ``reports.services`` and is recorded in :class:`ReportedValueChange`. ``version`` increases on
    every write so that a form saved from a stale copy is refused instead of overwriting.
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
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=6, null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.FileField(
        _("佐证材料"), upload_to=evidence_upload_to, max_length=200, blank=True
    )
    evidence_name = models.CharField(_("佐证材料文件名"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ValueState.choices, default=ValueState.DRAFT
    )
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

    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(_("审核意见"), blank=True)

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
        return f"{self.reported_value} · {self.action} · {self.changed_at:%Y-%m-%d %H:%M}"


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


class QualitativeReport(models.Model):
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
    period = models.CharField(_("期间"), max_length=6, validators=[validate_period_id])
    status = models.CharField(_("进展"), max_length=16, choices=TaskStatus.choices, blank=True)
    narrative = models.TextField(_("进展情况"), blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=ValueState.choices, default=ValueState.DRAFT
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(_("审核意见"), blank=True)

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
        return f"{self.report} · {self.action}"


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


def scorecard_upload_to(instance: "Scorecard", filename: str) -> str:
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


class ImportJob(models.Model):
    """One uploaded file of reported values: its dry-run preview, then its import.

    The upload is kept in the media storage, which every web and worker process reaches, so a
    large file can be checked and written by a Celery task while the page shows progress.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("检查中")
        PREVIEWED = "previewed", _("已预览")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    message = models.TextField(_("说明"), blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    background = models.BooleanField(_("后台处理"), default=False)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("限定部门"),
        help_text=_("一个部门报送的文件：其他部门的行视为错误。"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_status_display()}"
