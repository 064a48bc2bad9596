"""The user's notices (``/notices/``), marking them read, and what the user wants to receive."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .choices import Channel
from .render import notice_text
from .selectors import notices_listed, preference_table
from .services import notice_mark_read, notices_mark_all_read, preferences_set

PAGE_SIZE = 20
_MAX_ID = 2**63 - 1


def _id(raw: str | None) -> int | None:
    """A positive database id from posted text, or None (never an error)."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= _MAX_ID else None


def _back(request) -> str:
    """The list page the post came from (its page number kept)."""
    page = _id(request.POST.get("page"))
    url = reverse("notices:list")
    return f"{url}?page={page}" if page and page > 1 else url


@login_required
def notice_list(request):
    """The user's notices, newest first, in pages, each in the reader's language."""
    page = Paginator(notices_listed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for notice in page.object_list:
        title, body = notice_text(notice.kind, notice.params)
        rows.append({"notice": notice, "title": title, "body": body})
    return render(request, "notices/notice_list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def notice_read(request):
    """Mark one notice read; with ``open``, go on to what it is about."""
    notice_id = _id(request.POST.get("notice"))
    if notice_id is None:
        messages.error(request, _("没有找到这条通知。"))
        return redirect(_back(request))
    notice = notices_listed(request.user).filter(pk=notice_id).first()
    if notice is None:
        messages.error(request, _("没有找到这条通知。"))
        return redirect(_back(request))
    notice_mark_read(user=request.user, notice_id=notice.pk)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notice.link)
    return redirect(_back(request))


@login_required
@require_POST
def notice_read_all(request):
    count = notices_mark_all_read(user=request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读。") % {"n": count})
    return redirect(_back(request))


@login_required
def preferences(request):
    """Per kind the user's role can receive, by e-mail and in the list; everything is on until
    turned off."""
    if request.method == "POST":
        choices = {
            row["kind"]: (
                request.POST.get(f"{Channel.EMAIL}_{row['kind']}") == "on",
                request.POST.get(f"{Channel.IN_APP}_{row['kind']}") == "on",
            )
            for row in preference_table(request.user)
        }
        preferences_set(user=request.user, choices=choices)
        messages.success(request, _("通知设置已保存。"))
        return redirect("notices:preferences")
    return render(
        request,
        "notices/preferences.html",
        {"rows": preference_table(request.user), "has_email": bool(request.user.email)},
    )
