"""The dashboards' cache generation: one number in the cache, bumped by every write that changes
what a dashboard shows. Cached pages carry the number in their key, so a bump retires them all
at once without finding and deleting them (djangoproject.com's dashboard does the same)."""

from __future__ import annotations

from django.core.cache import cache

from qualityhub.transactions import on_commit_once

VERSION_KEY = "dashboard:version"


def dashboard_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY) or 1
    return version


def bump_dashboard_version() -> None:
    """Cached dashboards are rebuilt on their next request."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def bump_dashboard_version_on_commit() -> None:
    """After the current transaction commits (at once outside one), once per transaction."""
    on_commit_once(bump_dashboard_version)
