"""What the load benchmarks share: the app served by gunicorn on a benchmark database, the
office's signed-in session, and one timed request (``bench/dashboard.py``, ``bench/api.py``)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def serve(
    *,
    db_url: str,
    redis_url: str,
    host: str,
    port: int,
    workers: int = 4,
    threads: int = 2,
    env: dict | None = None,
) -> subprocess.Popen:
    """gunicorn with ``workers`` × ``threads`` on ``host:port``, once it answers."""
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "qualityhub.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "DJANGO_SETTINGS_MODULE": "qualityhub.settings.local",
            "DEBUG": "0",
            "ALLOWED_HOSTS": host,
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        },
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/accounts/login/")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not start")


def office_session_cookie(username: str = "bench-office") -> tuple[object, str]:
    """An office user and the ``Cookie`` header of a session signed in as them (Django set up)."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    from departments.services import membership_set

    user, _ = get_user_model().objects.get_or_create(username=username)
    membership_set(user=user, role="office")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return user, f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def fetch(connection, url: str, headers: dict, host: str) -> tuple[int, int, float, float]:
    """Status, payload bytes, time at the client, and the server's own time (Server-Timing)."""
    started = time.perf_counter()
    connection.request("GET", url, headers={**headers, "Host": host})
    response = connection.getresponse()
    body = response.read()
    client = time.perf_counter() - started
    timing = response.getheader("Server-Timing") or ""
    server = float(timing.split("dur=")[1]) / 1000 if "dur=" in timing else client
    return response.status, len(body), client, server
