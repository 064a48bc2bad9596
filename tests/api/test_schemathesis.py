"""Every operation of the live schema, called with generated input as a reporter and as the
office (with their tokens): no answer is a 5xx, and every answer is one the schema documents
(status, content type, body).

Schemathesis loads ``/api/schema/`` from the running Django application (WSGI, in-process, on
the test database with the real catalogue and a few figures) and generates requests from it.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import api_token_create
from tests.factories import reported_value

from .conftest import QUARTER

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


#: The schema as the application serves it (loaded once, when the tests are collected).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.generation.update(max_examples=10, allow_x00=False, deterministic=True)


@pytest.fixture
def keep_connection():
    """Django closes the database connection at the end of each request it serves through WSGI;
    the test's connection holds the test's transaction, so it must stay open (as the test
    client keeps it)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def callers(db, keep_connection, people, agri_rate, settings):
    """Tokens of a reporter of 农牧厅 and of the office, and a figure of 农牧厅 to find."""
    # No throttling here: the generated requests are many, and a 429 would hide the answers.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    reported_value(
        indicator=agri_rate,
        department=people.owner.membership.department,
        period=QUARTER,
        value="98.4",
        state="submitted",
    )
    return {
        role: {"Authorization": f"Token {api_token_create(user=user, name='schemathesis')[1]}"}
        for role, user in (("reporter", people.owner), ("office", people.office))
    }


def _operations():
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_has_every_kind_of_operation():
    labels = {operation.label for operation in _operations()}
    assert len(labels) >= 40, sorted(labels)
    assert {"GET /api/v1/values/", "POST /api/v1/values/", "POST /api/dataValueSets"} <= labels


def test_every_operation_as_a_reporter_and_as_the_office(callers):
    """One test walks every operation (one item per operation would be one per worker when the
    suite runs in several processes: their ids are the same). A failure names the operation."""
    called, requests = [], []
    for operation in _operations():

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            for role, headers in callers.items():
                case.call_and_validate(headers=headers, checks=CHECKS)
                requests.append(role)

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.label}: {exc}") from exc
        called.append(operation.label)
    assert len(called) == len(_operations())
    # Every operation was called, several times, by both roles.
    assert requests.count("office") == requests.count("reporter") >= 5 * len(called)
