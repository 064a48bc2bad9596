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
