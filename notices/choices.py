from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.choices import Role


class NoticeKind(models.TextChoices):
    """What a notice is about (docs/notifications.md, "What is sent")."""

    REMINDER = "reminder", _("截止前提醒")
    OVERDUE = "overdue", _("逾期通知")
    DIGEST = "digest", _("每周摘要")
    RETURNED = "returned", _("退回通知")
    SUBMITTED = "submitted", _("提交通知")


class Channel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    IN_APP = "in_app", _("站内通知")


class EmailStatus(models.TextChoices):
    """Where a notice's e-mail stands. ``sending`` is a claim: one process is sending it now."""

    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("不发送")


class DeliveryStatus(models.TextChoices):
    SENT = "sent", _("成功")
    FAILED = "failed", _("失败")


#: The kinds each role can receive: what its preferences page offers.
KINDS_BY_ROLE = {
    Role.REPORTER: (NoticeKind.REMINDER, NoticeKind.OVERDUE, NoticeKind.RETURNED),
    Role.REVIEWER: (NoticeKind.REMINDER, NoticeKind.OVERDUE, NoticeKind.RETURNED),
    Role.OFFICE: (NoticeKind.SUBMITTED, NoticeKind.DIGEST),
    # System administrators are not sent the office's notices.
    Role.ADMIN: (),
}
