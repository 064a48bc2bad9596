"""Suite-wide fixtures.

The suite runs against the real PostgreSQL and Redis named by DATABASE_URL and REDIS_URL (the
Makefile sets them). If either is unreachable the run stops at once with a message: a missing
server is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _check_services() -> list[str]:
    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        import psycopg

        try:
            psycopg.connect(
                host=database["HOST"],
                port=database["PORT"],
                user=database["USER"],
                password=database["PASSWORD"],
                dbname="postgres",
                connect_timeout=5,
            ).close()
        except psycopg.OperationalError as exc:
            problems.append(f"PostgreSQL at {database['HOST']}:{database['PORT']}: {exc}")
    elif os.environ.get("CI"):
        problems.append("CI runs on PostgreSQL: set DATABASE_URL=postgres://… (make test does).")
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis at {settings.REDIS_URL}: {exc}")
    elif os.environ.get("CI"):
        problems.append("CI runs with Redis: set REDIS_URL=redis://… (make test does).")
    return problems


def pytest_sessionstart(session):
    problems = _check_services()
    if problems:
        pytest.exit(
            "the test servers are not reachable:\n  "
            + "\n  ".join(problems)
            + "\nstart them (see README.md, 'Tests') or run `bash .ci/run`.",
            returncode=3,
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real catalogue once into the test database; each test rolls back on top of it."""
    from indicators.services import catalog_load

    with django_db_blocker.unblock():
        catalog_load()


@pytest.fixture
def catalog(db):
    """The real catalogue, as loaded at session start (rolled back after each test)."""
    from indicators.models import Indicator

    assert Indicator.objects.exists(), "the catalogue was not loaded"
    return None


@pytest.fixture
def reload_catalog(transactional_db):
    """For tests that commit (and so flush the database afterwards): load the catalogue again."""
    from indicators.services import catalog_load

    catalog_load()


def run_manage(*args: str, env: dict | None = None, timeout: int = 300):
    """Run ``manage.py`` in a fresh process with exactly the given environment additions."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """A real Celery worker process on the test database and the Redis broker."""
    if not settings.REDIS_URL:
        pytest.fail("a real Celery worker needs REDIS_URL")
    from django.db import connection

    from qualityhub.celery import app

    database = settings.DATABASES["default"]
    db_url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{connection.settings_dict['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": settings.REDIS_URL}
    env["DJANGO_SETTINGS_MODULE"] = "qualityhub.settings.test"
    hostname = f"test-worker-{os.getpid()}@localhost"
    log = ROOT / "test-artifacts" / "celery-worker.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "qualityhub",
                "worker",
                "--pool=solo",
                "--loglevel=info",
                f"--hostname={hostname}",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    pytest.fail(f"the Celery worker exited: see {log}")
                replies = app.control.ping(destination=[hostname], timeout=1.0)
                if replies:
                    break
            else:
                pytest.fail(f"the Celery worker did not answer within 60 s: see {log}")
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(autouse=True)
def _celery_eager_by_default(request):
    """Logic tests run tasks in-process; tests with a real worker switch it off."""
    from qualityhub.celery import app

    eager = "celery_worker_process" not in request.fixturenames
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous
