"""The language of the API's messages.

Pages are Chinese unless the user chose English (``qualityhub.middleware``); an API client has
no language cookie, so the API also follows the ``Accept-Language`` header: Chinese when it
names no supported language (or is absent), English for ``Accept-Language: en``.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header


def api_language(request) -> str:
    """The first supported language the header names, else what the middleware chose."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return translation.get_language()
