"""Writes of the API app: creating and revoking a user's tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken

#: Every key starts with this, so that a key pasted where it should not be is recognisable.
KEY_PREFIX = "qh_"
#: Characters of the key kept (in clear) to tell tokens apart.
SHOWN = 10
#: Active tokens one user may hold at once.
MAX_ACTIVE = 20


class TokenError(Exception):
    """A token the user may not create; the message is for the user."""


def key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user``: the row, and the key, which is shown once and never stored.

    The key is 32 random bytes (URL-safe base64) after :data:`KEY_PREFIX`.
    """
    # The user's row is locked so that two requests at once cannot pass the limit together.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE:
        raise TokenError(
            _("每个用户最多同时持有 %(n)d 个有效令牌，请先撤销不再使用的令牌。") % {"n": MAX_ACTIVE}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], key_hash=key_digest(key), prefix=key[:SHOWN]
    )
    return token, key


def api_token_revoke(*, token: ApiToken) -> bool:
    """Revoke ``token`` (it stops working at once); False if it was already revoked."""
    return bool(
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token whose key is ``key``, with its user, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return ApiToken.objects.active().select_related("user").filter(key_hash=key_digest(key)).first()


#: ``last_used_at`` is written at most once in this many seconds per token.
LAST_USED_RESOLUTION = 60


def api_token_touch(token: ApiToken) -> None:
    """Record that the token was used (at most once a minute, so reads stay reads)."""
    now = timezone.now()
    if token.last_used_at and (now - token.last_used_at).total_seconds() < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
