"""Token authentication on hashed keys: ``Authorization: Token <key>`` (or ``Bearer <key>``).

Keys are created and revoked on the tokens page (``/api/tokens/``); only their SHA-256 is
stored (``api.models.ApiToken``). A header of another scheme (Basic, say) is left to the next
authentication class; a Token or Bearer header with a key that is unknown, revoked or whose
user is inactive is refused with 401.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .services import api_token_for_key, api_token_touch

SCHEMES = (b"token", b"bearer")


class HashedTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not isinstance(header, str):
            return None
        parts = header.encode("latin-1", "replace").split()
        if not parts or parts[0].lower() not in SCHEMES:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("令牌格式不正确，应为“Authorization: Token <密钥>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise AuthenticationFailed(_("令牌无效或已撤销。")) from None
        token = api_token_for_key(key)
        if token is None or not token.user.is_active:
            raise AuthenticationFailed(_("令牌无效或已撤销。"))
        api_token_touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword
