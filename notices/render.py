"""A notice's words, from its kind and params, in the active language.

Nothing but the occasion's data is stored (``Notice.params``); the title and body are written
here at read time through gettext, so the list shows them in the reader's language, and an
e-mail carries them in Chinese and, below, in English (:func:`email_text`).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qualityhub.language import pick
from reports.periods import Period

from .choices import NoticeKind

#: How many rows of a digest's lists are written out; the rest are counted.
DIGEST_LIST_LIMIT = 20


def _name(names: dict | None) -> str:
    names = names or {}
    return pick(names.get("zh", ""), names.get("en", ""))


def _period(period_id: str) -> str:
    try:
        return Period.parse(period_id).label
    except (ValueError, AttributeError):
        return str(period_id or "")


def _open_rows(params: dict) -> str:
    return _("未填写 %(missing)d 项，草稿 %(draft)d 项，已退回 %(returned)d 项") % {
        "missing": params.get("missing", 0),
        "draft": params.get("draft", 0),
        "returned": params.get("returned", 0),
    }


def _reminder(params: dict) -> tuple[str, str]:
    values = {
        "quarter": _period(params.get("quarter")),
        "deadline": params.get("deadline", ""),
        "department": _name(params.get("department")),
        "open": params.get("open", 0),
    }
    title = _("%(quarter)s填报将于%(deadline)s截止") % values
    body = _(
        "%(department)s在%(quarter)s还有 %(open)d 项未完成（%(rows)s），"
        "请在%(deadline)s前填写并提交。"
    ) % {**values, "rows": _open_rows(params)}
    return title, body


def _overdue(params: dict) -> tuple[str, str]:
    values = {
        "quarter": _period(params.get("quarter")),
        "deadline": params.get("deadline", ""),
        "department": _name(params.get("department")),
        "open": params.get("open", 0),
    }
    title = _("%(quarter)s填报已逾期") % values
    body = _(
        "%(quarter)s的填报已于%(deadline)s截止，%(department)s仍有 %(open)d 项未提交"
        "（%(rows)s）。请尽快填写并提交。"
    ) % {**values, "rows": _open_rows(params)}
    return title, body


def _returned(params: dict) -> tuple[str, str]:
    values = {
        "row": _name(params.get("row")),
        "period": _period(params.get("period")),
        "department": _name(params.get("department")),
        "comment": params.get("comment", ""),
    }
    if params.get("action") == "reopen":
        title = _("“%(row)s”已被重新打开") % values
        body = (
            _(
                "领导小组办公室重新打开了%(department)s%(period)s的“%(row)s”以便更正。原因：%(comment)s"
            )
            % values
        )
    else:
        title = _("“%(row)s”已被退回") % values
        body = (
            _("领导小组办公室退回了%(department)s%(period)s的“%(row)s”。退回意见：%(comment)s")
            % values
        )
    return title, body


def _submitted(params: dict) -> tuple[str, str]:
    count = params.get("count")
    values = {
        "department": _name(params.get("department")),
        "period": _period(params.get("period")),
        "count": count,
    }
    body = _("请在“待审核”中审核。")
    if count is None:  # rows submitted one by one: told once an hour, without a count
        return _("%(department)s提交了%(period)s的填报") % values, body
    title = (
        ngettext(
            "%(department)s提交了%(period)s的 %(count)d 项填报",
            "%(department)s提交了%(period)s的 %(count)d 项填报",
            count,
        )
        % values
    )
    return title, body


def _listed(items: list[str], more: int) -> list[str]:
    lines = [f"- {item}" for item in items]
    if more:
        lines.append(_("- 另有 %(n)d 项") % {"n": more})
    return lines


def _digest(params: dict) -> tuple[str, str]:
    title = _("每周填报摘要（%(week)s）") % {"week": params.get("week", "")}
    late = params.get("late", [])
    red = params.get("new_red", [])
    lines = []
    quarter = _period(params.get("quarter"))
    if late:
        lines.append(
            _("%(quarter)s已过截止日期（%(deadline)s）仍未完成填报的部门（%(n)d 个）：")
            % {"quarter": quarter, "deadline": params.get("deadline", ""), "n": len(late)}
        )
        shown = late[:DIGEST_LIST_LIMIT]
        lines += _listed(
            [
                _("%(department)s：还有 %(open)d 项未提交")
                % {"department": _name(d.get("department")), "open": d.get("open", 0)}
                for d in shown
            ],
            len(late) - len(shown),
        )
    else:
        lines.append(_("没有逾期未完成填报的部门。"))
    lines.append("")
    if red:
        lines.append(_("自上次摘要以来新出现的“偏离目标”（%(n)d 项）：") % {"n": len(red)})
        shown = red[:DIGEST_LIST_LIMIT]
        lines += _listed(
            [
                _("%(indicator)s · %(department)s · %(period)s")
                % {
                    "indicator": _name(r.get("indicator")),
                    "department": _name(r.get("department")) or _("全区"),
                    "period": _period(r.get("period")),
                }
                for r in shown
            ],
            len(red) - len(shown),
        )
    else:
        lines.append(_("自上次摘要以来没有新出现的“偏离目标”。"))
    return title, "\n".join(lines)


_RENDERERS = {
    NoticeKind.REMINDER: _reminder,
    NoticeKind.OVERDUE: _overdue,
    NoticeKind.RETURNED: _returned,
    NoticeKind.SUBMITTED: _submitted,
    NoticeKind.DIGEST: _digest,
}


def notice_text(kind: str, params: dict) -> tuple[str, str]:
    """The notice's title and body in the active language."""
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        return str(kind), ""
    return renderer(params or {})


def _english_available(kind: str) -> bool:
    """Whether the English catalogue translates the notices (probed with the kind's name): until
    it does, an English part would only repeat the Chinese with English dates."""
    with translation.override("zh-hans"):
        chinese = str(NoticeKind(kind).label)
    with translation.override("en"):
        return str(NoticeKind(kind).label) != chinese


def email_text(notice) -> tuple[str, str]:
    """The e-mail's subject and body: Chinese first, then English below (one mail for every
    reader, as the app keeps no language per user). Without an English translation the mail is
    in Chinese only."""
    link = f"{settings.SITE_URL}{notice.link}" if notice.link else ""
    preferences = f"{settings.SITE_URL}{reverse('notices:preferences')}"
    languages = ["zh-hans"]
    if notice.kind in NoticeKind.values and _english_available(notice.kind):
        languages.append("en")
    parts, subjects = [], []
    for language in languages:
        with translation.override(language):
            title, body = notice_text(notice.kind, notice.params)
            footer = _("在此修改通知设置：%(url)s") % {"url": preferences}
            opening = _("打开：%(url)s") % {"url": link} if link else ""
        parts.append("\n\n".join(filter(None, [title, body, opening, footer])))
        subjects.append(title)
    # A header may not carry a line break, whatever a name or comment holds.
    subject = " ".join(("[QualityHub] " + " / ".join(subjects)).split())
    return subject, "\n\n————————\n\n".join(parts) + "\n"
