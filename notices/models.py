"""Notices: what a user is told, how each e-mail went, and what each user wants to receive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Channel, DeliveryStatus, EmailStatus, NoticeKind


class NoticeQuerySet(models.QuerySet):
    def listed_for(self, user):
        """The notices ``user`` sees in the list: their own, those that go to the list."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user, in_app=True)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """One thing one user is told, once.

    ``key`` names the occasion (``reminder:2026Q3:AGRI``, ``returned:reportedvalue:12:5``); with
    the recipient and kind it is unique, so a tick that runs twice, or two ticks racing, find the
    row already there instead of telling the user again. The text is not stored: ``kind`` and
    ``params`` are, and the list and the e-mail render them in the reader's language
    (``notices.render``).

    The e-mail goes out only after a conditional update claims it (``pending`` → ``sending``,
    with ``claim_token`` and ``claimed_at``); each attempt is a :class:`NoticeDelivery`.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices)
    key = models.CharField(_("事由"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    in_app = models.BooleanField(_("站内显示"), default=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    email_status = models.CharField(
        _("邮件状态"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("邮件尝试次数"), default=0)
    claim_token = models.UUIDField(_("认领标记"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "key"], name="notice_unique_per_occasion"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(email_status__in=EmailStatus.values), name="notice_email_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(in_app=True),
                name="notice_listed",
            ),
            # The header's unread count, on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(in_app=True, read_at__isnull=True),
                name="notice_unread",
            ),
            models.Index(
                fields=["email_status"],
                condition=Q(email_status__in=["pending", "sending", "failed"]),
                name="notice_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.get_kind_display()} · {self.key}"


class NoticeDelivery(models.Model):
    """One attempt to deliver a notice by one channel, and how it went."""

    notice = models.ForeignKey(
        Notice, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("结果"), max_length=16, choices=DeliveryStatus.choices)
    error = models.TextField(_("错误信息"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通知投递记录")
        verbose_name_plural = _("通知投递记录")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="notice_delivery_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="notice_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice} · {self.get_channel_display()} · {self.get_status_display()}"


class NoticePreference(models.Model):
    """What one user wants to receive of one kind, by which channel.

    A kind without a row is received by both channels: everything is on until the user turns
    it off.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notice_preferences",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=NoticeKind.choices)
    email = models.BooleanField(_("电子邮件"), default=True)
    in_app = models.BooleanField(_("站内通知"), default=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_preference_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
