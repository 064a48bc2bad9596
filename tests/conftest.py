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
    from django.core.cache import cache

    from reports.reporting.services import catalogue_load as catalog_load

    global _catalogue_loaded
    cache.clear()  # the test Redis database: nothing cached by an earlier session survives
    with django_db_blocker.unblock():
        catalog_load()
    _catalogue_loaded = True


_catalogue_loaded = False  # the session's test database exists and has had its catalogue


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(item.fixturenames))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that commits is followed by a flush, which takes the catalogue with it. Run in one
    process, pytest-django puts such tests after all the others; spread over several (xdist),
    a test that rolls back may come after one. Before such a test's fixtures (and so before its
    transaction) begin, the catalogue is loaded again, committed, if it is gone."""
    if not _catalogue_loaded or _transactional(item):
        return
    from pytest_django.plugin import blocking_manager_key

    from indicators.models import Indicator
    from reports.reporting.services import catalogue_load

    with item.config.stash[blocking_manager_key].unblock():
        if not Indicator.objects.exists():
            catalogue_load()


@pytest.fixture
def catalog(db):
    """The real catalogue, as loaded at session start (rolled back after each test)."""
    from indicators.models import Indicator

    assert Indicator.objects.exists(), "the catalogue was not loaded"
    return None


@pytest.fixture
def reload_catalog(transactional_db):
    """For tests that commit (and so flush the database afterwards): load the catalogue again."""
    from reports.reporting.services import catalogue_load as catalog_load

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


class WorkerProcess:
    """A real ``celery worker`` process on the test database and the Redis broker."""

    def __init__(self, *, settings, database_name: str, env: dict, pool: str, concurrency: int):
        from qualityhub.celery import app

        self.app = app
        database = settings.DATABASES["default"]
        db_url = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
            f"{database['PORT']}/{database_name}"
        )
        self.hostname = f"test-worker-{os.getpid()}-{time.monotonic_ns()}@localhost"
        full_env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "qualityhub.settings.test",
            "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **env,
        }
        self.log = ROOT / "test-artifacts" / f"celery-{self.hostname.split('@')[0]}.log"
        self.log.parent.mkdir(exist_ok=True)
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "qualityhub",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=info",
                f"--hostname={self.hostname}",
            ],
            cwd=ROOT,
            env=full_env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes every child
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited: see {self.log}")
            if self.app.control.ping(destination=[self.hostname], timeout=1.0):
                return
        pytest.fail(f"the Celery worker did not answer within 60 s: see {self.log}")

    def kill(self) -> None:
        """SIGKILL the whole worker (as a crash or an OOM kill would), without any cleanup."""
        import signal

        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log_file.close()


@pytest.fixture
def celery_worker_factory(transactional_db, settings):
    """Start real Celery workers; each is stopped at the end of the test."""
    if not settings.REDIS_URL:
        pytest.fail("a real Celery worker needs REDIS_URL")
    import redis
    from django.db import connection

    from qualityhub.celery import app

    # Messages left by an earlier session (a killed worker's unacknowledged task, say) belong to
    # another database; start from an empty queue.
    app.control.purge()
    redis.Redis.from_url(settings.REDIS_URL).delete("unacked", "unacked_index", "unacked_mutex")
    workers = []

    def start(*, env: dict | None = None, pool: str = "solo", concurrency: int = 1):
        worker = WorkerProcess(
            settings=settings,
            database_name=connection.settings_dict["NAME"],
            env=env or {},
            pool=pool,
            concurrency=concurrency,
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker_process(celery_worker_factory):
    """One real worker (solo pool)."""
    return celery_worker_factory()


@pytest.fixture(autouse=True)
def _celery_eager_by_default(request):
    """Logic tests run tasks in-process; tests with a real worker switch it off."""
    from qualityhub.celery import app

    eager = not {"celery_worker_process", "celery_worker_factory"} & set(request.fixturenames)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _no_gap_computation_pending():
    """The gap engine's debounce mark lives in Redis for 30 s; a test starts without one, as a
    fresh deployment would, rather than with one an earlier test left."""
    from django.core.cache import cache

    from reports.gaps.tasks import DEBOUNCE_KEY

    cache.delete(DEBOUNCE_KEY)
