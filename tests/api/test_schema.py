"""The schema is valid OpenAPI 3, and its documentation page needs nothing from the internet."""

import json
import re

import pytest
import schemathesis
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3():
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)  # drf-spectacular's check against the OpenAPI 3.0 JSON schema
    schemathesis.openapi.from_dict(document).validate()  # and Schemathesis's, as it loads it
    paths = set(document["paths"])
    for path in (
        "/api/v1/values/",
        "/api/v1/values/{id}/",
        "/api/v1/values/{id}/approve/",
        "/api/v1/qualitative-reports/",
        "/api/v1/indicators/{code}/",
        "/api/v1/assessment/",
        "/api/v1/scorecards/{id}/pdf/",
    ):
        assert path in paths, path
    assert "tokenAuth" in document["components"]["securitySchemes"]
    # Every operation documents the API's refusals in one shape.
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method in ("get", "post", "patch"):
                assert {"400", "401", "404"} <= set(operation["responses"]), (method, path)


def test_the_yaml_schema_is_served_too():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_docs_page_loads_everything_from_the_site_itself():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert urls, "the page loads its script and stylesheet"
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
    assert "cdn" not in page.lower()
    # The script, stylesheet and icon it names are the site's static files.
    for url in urls:
        if url.startswith(settings.STATIC_URL) or url.startswith("/" + settings.STATIC_URL):
            assert finders.find(url.split(settings.STATIC_URL, 1)[1].split("?")[0]), url
    assert any("swagger-ui-bundle" in url for url in urls)


def test_the_root_lists_the_resources():
    body = Client().get("/api/").json()
    assert body["v1"]["values"].endswith("/api/v1/values/")
    assert body["schema"].endswith("/api/schema/") and body["docs"].endswith("/api/docs/")


def test_an_unknown_api_path_is_a_json_404():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
