"""Strict parsing of environment variables.

Every setting that can be changed from the environment is read here. A malformed value stops the
process at start with a message that names the variable and says what was expected, instead of
surfacing later as an obscure error.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(name: str, default: str, base_dir: Path) -> dict:
    """Return a Django ``DATABASES`` entry for the URL in ``name``.

    Accepted: ``sqlite:///relative/or/absolute/path.sqlite3`` and
    ``postgres://user:password@host:port/dbname`` (also ``postgresql://``).
    """
    raw = os.environ.get(name) or default
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid URL: {exc}.") from None
    scheme = parts.scheme
    if scheme == "sqlite":
        # sqlite:///db.sqlite3 is relative to the project; sqlite:////abs/path is absolute.
        if not raw.startswith("sqlite:///") or raw == "sqlite:///":
            raise ImproperlyConfigured(
                f"{name}={raw!r}: give a file path, e.g. sqlite:///db.sqlite3."
            )
        path = raw[len("sqlite:///") :]
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(Path(base_dir, path))}
    if scheme in ("postgres", "postgresql", "pgsql"):
        dbname = parts.path.lstrip("/")
        if not parts.hostname or not dbname:
            raise ImproperlyConfigured(
                f"{name}={raw!r}: a PostgreSQL URL needs a host and a database name, "
                "e.g. postgres://postgres@127.0.0.1:5432/qualityhub."
            )
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": dbname,
            "USER": parts.username or "",
            "PASSWORD": parts.password or "",
            "HOST": parts.hostname,
            "PORT": str(port or 5432),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ImproperlyConfigured(
        f"{name}={raw!r}: unsupported scheme {scheme!r}; use sqlite:///path or postgres://host/db."
    )


def redis_url(name: str) -> str | None:
    """Return the Redis URL in ``name``, or ``None`` when it is unset or empty."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid URL: {exc}.") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name}={raw!r}: expected redis://host:port/db, e.g. redis://127.0.0.1:6379/0."
        )
    return raw
