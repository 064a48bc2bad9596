"""The project's middleware: the interface language, refusing unstorable input, timing.

Chinese first: the interface language is zh-hans unless the user chose another one. Django's
``LocaleMiddleware`` follows the browser's Accept-Language header, which would show an English
interface to anyone whose browser prefers English. Here only an explicit choice (the language
cookie set by ``/i18n/setlang/``) switches away from ``LANGUAGE_CODE``.
"""

import re
import time

from django.conf import settings
from django.contrib.admin.options import TO_FIELD_VAR, IncorrectLookupParameters
from django.http import HttpResponseBadRequest
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # The thread may next run code outside a request (a task, a command): give it back
            # the default language rather than this user's choice.
            translation.deactivate()
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class ServerTimingMiddleware:
    """Adds ``Server-Timing: app;dur=<ms>``: the time Django spent on the request, which the
    load benchmark reads apart from queueing and the network."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        return response


#: What no database text column can hold: NUL (PostgreSQL refuses it in any string) and lone
#: UTF-16 surrogates (not encodable as UTF-8). Neither can be typed into a form.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RefuseUnstorableInputMiddleware:
    """Answers 400 to a request whose path, query string or posted fields hold a character no
    text column accepts, before any view runs.

    Without it such a value reaches a query (a lookup by code, a filter, a save) and the
    database refuses it with an error, which would be a 500. No view has a use for these
    characters, so refusing the whole request is the simplest correct answer. A cookie holding
    one is dropped instead (as if absent), so a bad cookie cannot lock anyone out of the site.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [n for n, v in request.COOKIES.items() if _unstorable(n) or _unstorable(v)]:
            del request.COOKIES[name]
        if self._refused(request):
            return HttpResponseBadRequest(
                loader.render_to_string(
                    "400.html",
                    {"reason": _("请求中含有无法处理的字符（例如空字符），系统没有执行任何操作。")},
                    request,
                )
            )
        return self.get_response(request)

    @staticmethod
    def _refused(request) -> bool:
        if _unstorable(request.path_info) or _unstorable(request.path):
            return True
        if _any_unstorable(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if _any_unstorable(request.POST):
            return True
        return any(
            _unstorable(name) or any(_unstorable(upload.name or "") for upload in uploads)
            for name, uploads in request.FILES.lists()
        )


class AdminLookupErrorsMiddleware:
    """Answers 400 to the admin lookups that Django's admin and django-import-export would
    crash on (a 500) rather than refuse.

    - An empty ``_to_field``: the admin's change and delete pages skip their check of it when it
      is empty and then look up a field named "" (``FieldDoesNotExist``). The admin itself never
      sends one.
    - ``IncorrectLookupParameters`` raised by a view: the changelist turns it into a message, but
      django-import-export's export page builds the same changelist from the query string
      without catching it (django-import-export issue #2147).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(reverse("admin:index")):
            to_fields = request.GET.getlist(TO_FIELD_VAR)
            if request.method == "POST":
                to_fields += request.POST.getlist(TO_FIELD_VAR)
            if "" in to_fields:
                return _bad_lookup(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, IncorrectLookupParameters):
            return _bad_lookup(request)
        return None


def _bad_lookup(request) -> HttpResponseBadRequest:
    reason = _("链接中的筛选或查找参数无效，系统没有执行任何操作。请从列表页重新进入。")
    return HttpResponseBadRequest(loader.render_to_string("400.html", {"reason": reason}, request))


def _unstorable(text: str) -> bool:
    return bool(UNSTORABLE.search(text))


def _any_unstorable(data) -> bool:
    return any(
        _unstorable(key) or any(_unstorable(value) for value in values)
        for key, values in data.lists()
    )
