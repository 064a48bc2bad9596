"""What reported values and qualitative reports share: the review workflow and who may see them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.access import department_of, is_office

from ..choices import ValueState


class DepartmentScopedQuerySet(models.QuerySet):
    """Rows that belong to one department: the office sees all, a department user its own."""

    def visible_to(self, user):
        if is_office(user):
            return self
        department = department_of(user)
        return self.filter(department=department) if department else self.none()


class WorkflowRow(models.Model):
    """A department's entry under review: draft → submitted → approved / returned.

    ``version`` increases on every write, so that a form saved from a stale copy is refused
    instead of overwriting; who submitted and who reviewed, and when, are kept on the row (every
    step is also in the row's change history).
    """

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

    objects = DepartmentScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_editable(self) -> bool:
        """A department may still change it (a draft, or returned for correction)."""
        return self.state in (ValueState.DRAFT, ValueState.RETURNED)
