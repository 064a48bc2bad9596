"""Uploaded files of reported values and what became of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.access import is_office


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only the office and administrators import, so only they see import jobs."""
        return self if is_office(user) else self.none()


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
        DISCARDED = "discarded", _("已放弃")

    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", max_length=200)
    filename = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    preview = models.JSONField(
        _("预览"),
        default=dict,
        blank=True,
        help_text=_("检查所见：各工作表、所用与忽略的列、跳过的行、将改变的数值、需确认的数值。"),
    )
    mapping = models.JSONField(
        _("列的对应"),
        default=dict,
        blank=True,
        help_text=_("办公室在预览中为未识别的列指定的字段（表头 → 字段）。"),
    )
    message = models.TextField(_("说明"), blank=True)
    total = models.PositiveIntegerField(_("行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    background = models.BooleanField(_("后台处理"), default=False)
    deliveries = models.PositiveSmallIntegerField(
        _("投递次数"),
        default=0,
        help_text=_("后台任务在当前阶段被取走的次数；进程意外终止后会重新投递。"),
    )
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
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认导入人"),
        help_text=_("导入的数值以此人的名义写入修改记录。"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage_started_at = models.DateTimeField(
        _("本阶段开始时间"),
        null=True,
        blank=True,
        help_text=_("检查或导入开始的时间；长时间未完成的任务会被标记为失败。"),
    )

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} · {self.get_status_display()}"


class ImportColumnMappingQuerySet(models.QuerySet):
    def for_department(self, department) -> dict[str, str]:
        """Header → field, the department's own mappings over those for every department."""
        mappings = {}
        for header, field, department_id in self.filter(
            models.Q(department__isnull=True) | models.Q(department=department)
        ).values_list("header", "field", "department_id"):
            if department_id is None:
                mappings.setdefault(header, field)
            else:
                mappings[header] = field
        return mappings


class ImportColumnMapping(models.Model):
    """A header the office has told QualityHub how to read, kept for the department's next file.

    ``header`` is folded as the import compares headers (``reports.exchange.layout.fold``);
    ``department`` empty means any department's file.
    """

    class Field(models.TextChoices):
        INDICATOR = "indicator", _("指标")
        DEPARTMENT = "department", _("部门")
        PERIOD = "period", _("期间")
        VALUE = "value", _("数值")
        NOTE = "note", _("说明")
        UNIT = "unit", _("计量单位")
        IGNORE = "ignore", _("不导入")

    department = models.ForeignKey(
        "departments.Department",
        verbose_name=_("部门"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    header = models.CharField(_("表头"), max_length=200)
    field = models.CharField(_("字段"), max_length=16, choices=Field.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    objects = ImportColumnMappingQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入列对应")
        verbose_name_plural = _("导入列对应")
        ordering = ["department__code", "header"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "header"],
                condition=models.Q(department__isnull=False),
                name="import_mapping_unique_per_department",
            ),
            models.UniqueConstraint(
                fields=["header"],
                condition=models.Q(department__isnull=True),
                name="import_mapping_unique_for_all",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    field__in=[
                        "indicator",
                        "department",
                        "period",
                        "value",
                        "note",
                        "unit",
                        "ignore",
                    ]
                ),
                name="import_mapping_field_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header} → {self.get_field_display()}"
