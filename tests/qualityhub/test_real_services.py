"""The PostgreSQL, Redis and Celery path, exercised against the real servers."""

import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from indicators.models import Target
from reports.reporting.tasks import catalog_load_task

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 13


def test_the_cache_is_redis_and_values_reach_the_server():
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"probe-{uuid.uuid4()}"
    cache.set(key, {"指标": 93.71}, timeout=30)
    assert cache.get(key) == {"指标": 93.71}
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert any(key in k.decode() for k in client.scan_iter(match=f"*{key}*"))
    cache.delete(key)


def test_a_real_worker_loads_the_catalogue_through_the_redis_broker(celery_worker_process):
    Target.objects.all().delete()
    result = catalog_load_task.delay()
    lines = result.get(timeout=120)
    assert any(line.startswith("targets: created") for line in lines)
    assert Target.objects.count() > 90
    # Idempotent: running the job again changes nothing.
    again = catalog_load_task.delay().get(timeout=120)
    assert all("created" not in line and "updated" not in line for line in again)
