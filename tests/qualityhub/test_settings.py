"""Both settings modes, and loud failures on malformed environment values.

Each case starts a fresh ``manage.py`` process, since settings are read once at start.
"""

import json

import pytest

from tests.conftest import run_manage

PRINT_SETTINGS = (
    "import json; from django.conf import settings; from qualityhub.celery import app; "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'eager': app.conf.task_always_eager, "
    "'broker': app.conf.broker_url, 'language': settings.LANGUAGE_CODE, "
    "'tz': settings.TIME_ZONE}))"
)


def _settings(env):
    result = run_manage("shell", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_nothing_set_it_runs_embedded_on_sqlite_with_in_process_tasks():
    values = _settings({})
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["cache"].endswith("LocMemCache")
    assert values["eager"] is True
    assert values["language"] == "zh-hans"
    assert values["tz"] == "Asia/Shanghai"


def test_with_database_and_redis_urls_it_uses_postgresql_and_redis():
    values = _settings(
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/qualityhub",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
        }
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["cache"].endswith("RedisCache")
    assert values["eager"] is False
    assert values["broker"] == "redis://127.0.0.1:6379/3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "unsupported scheme 'mysql'"),
        ({"DATABASE_URL": "postgres://127.0.0.1:5432"}, "needs a host and a database name"),
        ({"DATABASE_URL": "postgres://h:notaport/db"}, "is not a valid URL"),
        ({"DATABASE_URL": "sqlite://"}, "give a file path"),
        ({"REDIS_URL": "localhost:6379"}, "expected redis://host:port/db"),
        ({"DEBUG": "maybe"}, "is not a boolean"),
        ({"CELERY_TASK_TIME_LIMIT": "ten"}, "is not an integer"),
    ],
)
def test_a_malformed_value_stops_the_start_with_a_clear_message(env, message):
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_require_a_secret_key():
    result = run_manage("check", env={"DJANGO_SETTINGS_MODULE": "qualityhub.settings.production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_embedded_mode_migrates_and_loads_the_catalogue_into_sqlite(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'first-look.sqlite3'}"}
    assert run_manage("migrate", "--noinput", env=env).returncode == 0
    loaded = run_manage("load_catalog", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "catalogue loaded" in loaded.stdout
    exported = run_manage("export_catalog", "--format", "csv", env=env)
    assert "MFG_PRODUCT_PASS_RATE" in exported.stdout
    users = run_manage("demo_users", "--json", env=env)
    assert users.returncode == 0, users.stderr
    assert {u["role"] for u in json.loads(users.stdout)} == {"admin", "office", "reporter"}
