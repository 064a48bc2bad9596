from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ValueState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核通过")
    RETURNED = "returned", _("已退回")


class ValueSource(models.TextChoices):
    """Which path created a reported value."""

    FORM = "form", _("网页填报")
    ADMIN = "admin", _("后台录入")
    IMPORT = "import", _("批量导入")
    PUBLISHED = "published", _("公开发布数据")
    DEMO = "demo", _("演示数据")


class ChangeVia(models.TextChoices):
    """Which path wrote a change, recorded in the value's history."""

    FORM = "form", _("网页填报")
    ADMIN = "admin", _("后台")
    IMPORT = "import", _("批量导入")
    CATALOG = "catalog", _("目录加载")
    JOB = "job", _("后台任务")
    API = "api", _("接口")


class ChangeAction(models.TextChoices):
    """What a recorded change did, as the history shows it. The codes are stored (``action``
    of :class:`~reports.models.ReportedValueChange` and
    :class:`~reports.models.QualitativeReportChange`); the workflow's steps are the keys of
    :data:`reports.reporting.rules.TRANSITIONS`."""

    # The context keeps these apart from the buttons of the same words (审核通过 "Approve").
    CREATE = "create", pgettext_lazy("change action", "创建")
    UPDATE = "update", pgettext_lazy("change action", "修改")
    SUBMIT = "submit", pgettext_lazy("change action", "提交")
    APPROVE = "approve", pgettext_lazy("change action", "审核通过")
    RETURN = "return", pgettext_lazy("change action", "退回")
    REOPEN = "reopen", pgettext_lazy("change action", "重新打开")
    # The reviewer's mark on a value (docs/data-quality.md); not a workflow step.
    FOLLOWUP = "followup", pgettext_lazy("change action", "标记跟进")
    UNFOLLOWUP = "unfollowup", pgettext_lazy("change action", "取消跟进")


def choice_label(choices: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` among ``choices`` in the active language; a value that is not a
    choice (a code written by an older version) is shown as stored, an empty one as empty."""
    if not value:
        return ""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class GapStatus(models.TextChoices):
    ACHIEVED = "achieved", _("已实现")
    ON_TRACK = "on_track", _("进展顺利")
    AT_RISK = "at_risk", _("存在风险")
    OFF_TRACK = "off_track", _("偏离目标")
    NO_DATA = "no_data", _("数据不足")


#: Gap statuses from best to worst, and the colour each is drawn in on every chart, heat map and
#: scorecard (so a status looks the same wherever it is shown).
STATUS_ORDER = ["achieved", "on_track", "at_risk", "off_track", "no_data"]
STATUS_COLOURS = {
    "achieved": "#1e7b3c",
    "on_track": "#2f7fd1",
    "at_risk": "#d08a00",
    "off_track": "#b3261e",
    "no_data": "#b8c2cc",
}


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未开始")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    BLOCKED = "blocked", _("受阻")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("填报中")
    CLOSED = "closed", _("已截止")
