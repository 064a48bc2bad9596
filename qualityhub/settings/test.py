"""Test defaults: fast password hashing, and isolated media and static folders."""

import os
import tempfile
from pathlib import Path


def _own_redis_database() -> None:
    """Under pytest-xdist, each worker process takes its own Redis database (broker and cache)
    below the one REDIS_URL names (gw0 the one named, gw1 the one below, ...), so one worker's
    Celery tasks and cache never reach another's. PostgreSQL needs nothing: pytest-django gives
    each worker its own test database. A process the tests start (a Celery worker) inherits the
    shifted URL and the marker, and keeps them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not (worker.startswith("gw") and url) or os.environ.get("QUALITYHUB_REDIS_WORKER") == worker:
        return
    head, _slash, db = url.rpartition("/")
    if not db.isdigit():  # no database in the URL: Redis's default, 0
        head, db = url.rstrip("/"), "0"
    number = int(db)
    shift = int(worker[2:])
    number = number - shift if number - shift >= 0 else number + shift
    os.environ["REDIS_URL"] = f"{head}/{number}"
    os.environ["QUALITYHUB_REDIS_WORKER"] = worker


_own_redis_database()

from .base import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A fresh folder per test session; a worker process started by the tests is given the same one.
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT") or tempfile.mkdtemp(prefix="qualityhub-test-"))
# Nothing is collected for tests (pages get static files from the finders); an empty folder
# keeps WhiteNoise from warning that STATIC_ROOT is missing.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="qualityhub-static-"))
