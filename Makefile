# QualityHub — `make demo` serves a first look; `make test` installs and runs the whole suite.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The test suite runs against the real servers (see README.md, "Tests").
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/qualityhub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Two processes (pytest-xdist), a module's tests kept together; each process has its own test
# database and Redis database (qualityhub/settings/test.py). TEST_WORKERS= runs in one process.
TEST_WORKERS ?= -n 2 --dist loadscope


.PHONY: demo-history
.PHONY: install demo serve test lint check migrate catalog demo-users clean bench-gaps bench-import

$(STAMP): pyproject.toml requirements.lock scripts/system-deps.sh
	bash scripts/system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock ".[dev]"
	touch $(STAMP)

MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(PY) manage.py compilemessages --ignore=$(VENV) --ignore=node_modules -v0

install: $(STAMP) $(MO_FILES)

migrate: install
	$(PY) manage.py migrate --noinput

catalog: migrate
	$(PY) manage.py load_catalog

demo-users: catalog
	$(PY) manage.py demo_users

# A generated quarterly history, marked as demo data everywhere (remove: demo_history --remove).
demo-history: demo-users
	$(PY) manage.py demo_history

# Embedded mode: SQLite file db.sqlite3, Celery tasks run in-process.
demo: demo-history
	@echo "QualityHub: http://127.0.0.1:8000/  (accounts above; see README.md)"
	@echo "E-mail: printed to this console (EMAIL_BACKEND, console backend); no mail is sent."
	$(PY) manage.py runserver 127.0.0.1:8000

# PostgreSQL, Redis, a Celery worker and beat, from the Procfile (see README.md).
SERVE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/qualityhub
SERVE_REDIS_URL ?= redis://127.0.0.1:6379/0
serve: export DATABASE_URL ?= $(SERVE_DATABASE_URL)
serve: export REDIS_URL ?= $(SERVE_REDIS_URL)
serve: install
	$(PY) scripts/ensure_database.py
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_catalog
	$(PY) manage.py demo_users
	$(PY) manage.py demo_history
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/honcho start -f Procfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/inner_imports.py

check: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

test: lint check
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(TEST_WORKERS)

# Benchmarks (not tests): see bench/*.py for what they measure and their goals.
bench-gaps: install
	$(PY) bench/gaps.py

bench-import: install
	$(PY) bench/import.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
