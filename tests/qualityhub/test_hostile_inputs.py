"""Bad input is never a 5xx: every URL pattern × every role × every parameter and form field.

The walk takes the project's URL patterns from the resolver (a new page is walked without being
listed here, and a pattern the walk cannot fill fails ``test_every_url_pattern_can_be_filled``),
fills each with valid arguments from a small world built through the services, and then, as
each role — anonymous, a reporter and a reviewer of 农牧厅, a reporter of 知识产权局, the
leadership-group office, an administrator —

- puts hostile values (``PATH_VALUES``) in each path parameter (int, str and path converters);
- puts hostile values (``QUERY_VALUES``: the core ones, and those of the parameter's kind) in
  each query parameter the view reads (``QUERY_PARAMS``; for the admin, search, ordering, paging
  and every list filter's own parameters), in an unknown parameter, and as a parameter's name;
- posts every form the pages show — found by reading their HTML, so the department form's
  ``value_<pk>``, the admin's add, change, delete, action, import and export forms and the login
  and language forms are all found — with the hostile values of each field's kind in each field
  and hostile files in file fields, plus the fields a view reads that no page shows
  (``EXTRA_FIELDS``); and posts every form as every other role with all its fields hostile;
- and lets Hypothesis, derandomised, send generated values in several parameters or fields at
  once (``GENERATED_EXAMPLES`` requests per test).

Where a role is refused at the door (a login page; for query parameters and forms also the 404
or 403 of a page it may not see), nothing it sends is read: it gets the short ``SMOKE`` values.
The admin's parameters and forms are read by Django's own code, the same way for every model,
and its pages are heavy: it gets the values that matter most for each kind (``ADMIN_*``), and
its lists are shortened to five rows. So the file stays near a minute.

Each request runs in a savepoint that is rolled back afterwards, so every request sees the same
world (a delete or a save does not spoil the next one), and the client's cookies are put back (a
logout or a language switch does not carry over). Every response ≥ 500 is collected with its
URL, role, parameter, value and the last line of its traceback; a test fails listing them all.
A NUL is expected to be a 400, and a hostile path value never a 2xx.

The management commands that take user input are tried with hostile arguments and files: they
must end with a ``CommandError`` (a message), never a traceback.
"""

from __future__ import annotations

import io
import itertools
import logging
import re
import traceback
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

import django.test.client
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from indicators.models import Document, Indicator, Responsibility, Target, Task
from reports.choices import ValueState
from reports.exchange.services import import_job_check, import_job_create
from reports.models import GapResult, ReportedValue, ReportingPeriod
from reports.periods import Period
from reports.reporting.selectors import department_form
from reports.reporting.services import reported_value_save_draft, row_submit
from tests.factories import (
    UserFactory,
    qualitative_report,
    reported_value,
    reporting_period,
    scorecard,
)
from tests.reports.conftest import QUARTER, people  # noqa: F401  (the cast of the access matrix)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "reviewer", "outsider", "office", "admin")

# --- Hostile values -----------------------------------------------------------------------------

LONG = "x" * 5000
NUL = "\x00"

#: In a path, as they are written in the URL (percent-encoded where a browser would).
PATH_VALUES = {
    "nul": "%00",
    "nul inside": "1%00",
    "5,000 characters": LONG,
    "not an integer": "abc",
    "2**63": str(2**63),
    "10**30": str(10**30),
    "5,000 digits": "9" * 5000,
    "negative": "-1",
    "zero": "0",
    "full-width digits": quote("１２３"),
    "dot-dot": "..",
    "dot-dot-slash": "..%2F..%2Fetc%2Fpasswd",
    "unicode": quote("指标😀\u202e"),
    "percent garbage": "%FF%FE%C0%AF",
    "double-encoded nul": "%2500",
    "quote": quote("1' OR '1'='1"),
}
PATH_SMOKE = ("nul", "5,000 characters")
#: An admin object id goes through Django's own lookup, the same for every model: fewer there.
ADMIN_PATH_VALUES = (
    "nul",
    "5,000 characters",
    "not an integer",
    "2**63",
    "10**30",
    "5,000 digits",
    "negative",
    "full-width digits",
    "dot-dot-slash",
    "percent garbage",
)
#: In a query string; a ``bytes`` value is written into the query as it is (not valid UTF-8).
QUERY_VALUES = {
    "nul": NUL,
    "nul inside": "2026Q3\x00",
    "5,000 characters": LONG,
    "not an integer": "abc",
    "2**63": str(2**63),
    "10**30": str(10**30),
    "negative": "-1",
    "full-width digits": "１２３",
    "dot-dot-slash": "../../etc/passwd",
    "unicode": "指标😀\u202e",
    "empty": "",
    "bad quarter": "2026Q5",
    "far quarter": "2999Q4",
    "other host": "https://evil.example/",
    "bad encoding": b"%FF%FE%C0%AF",
}
#: Every query parameter gets the core values, and those of its kind; Hypothesis sends the rest.
QUERY_CORE = ("nul", "5,000 characters", "not an integer", "10**30", "empty", "bad encoding")
QUERY_BY_PARAM = {
    "period": ("nul inside", "bad quarter", "far quarter", "full-width digits", "unicode"),
    "next": ("other host", "dot-dot-slash", "unicode"),
    "department": ("unicode", "2**63", "negative"),
    "indicator": ("unicode",),
    "document": ("unicode",),
    "category": ("unicode",),
    "format": ("unicode",),
    "language": ("unicode",),
    "q": ("unicode",),
    "term": ("unicode",),
    "o": ("negative", "2**63"),
    "p": ("negative", "2**63"),
    "page": ("negative", "2**63"),
}
#: The admin's pages are heavy and its parameters read by Django's own code, the same way for
#: every model: fewer values there.
ADMIN_QUERY_CORE = ("nul", "not an integer")
ADMIN_QUERY_BY_PARAM = {
    "q": ("empty", "10**30"),
    "o": ("empty", "10**30"),
    "p": ("empty", "10**30"),
    "_to_field": ("empty",),
    "_changelist_filters": ("empty",),
}
#: The few values sent where the door is shut (the role may not open the page at all).
SMOKE = ("nul", "5,000 characters")

TEXT = {
    "nul": NUL,
    "nul inside": "a\x00b",
    "5,000 characters": LONG,
    "5,000 Chinese characters": "长" * 5000,
    "unicode": "指标😀\u202e\ufeff",
    "markup": "<script>alert(1)</script>{{ x }}",
    "blank": " \u3000 ",
}
NUMBER = {
    "nul": NUL,
    "not an integer": "abc",
    "2**63": str(2**63),
    "10**30": str(10**30),
    "15 digits": "123456789012345",
    "negative": "-1",
    "full-width digits": "１２３",
    "1e400": "1e400",
    "NaN": "NaN",
    "5,000 digits": "9" * 5000,
}
CHOICE = {
    "nul": NUL,
    "not an integer": "abc",
    "10**30": str(10**30),
    "negative": "-1",
    "5,000 characters": LONG,
    "unicode": "指标😀",
}
DATE = {
    "nul": NUL,
    "30 February": "2026-02-30",
    "year 99999": "99999-12-31",
    "year 0": "0000-01-01",
    "not a date": "abc",
    "5,000 characters": LONG,
}
JSON = {
    "nul": NUL,
    "not JSON": "[1, 2",
    "object": '{"a": [1, {"b": null}]}',
    "strings": '["2025", "x"]',
    "huge number": "[1e400]",
    "escaped nul": '["\\u0000"]',
    "lone surrogate": '["\\ud800"]',
    "deep": "[" * 5000 + "]" * 5000,
}

GOOD_CSV = "指标,部门,期间,数值\nAGRI_PRODUCT_SAFETY_PASS_RATE,AGRI,2026Q3,11\n"


def _xlsx_of_garbage() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
        archive.writestr("xl/workbook.xml", "\x00\x01")
    return buffer.getvalue()


#: (file name, content) for file fields.
FILES = {
    "empty": ("x.csv", b""),
    "nul bytes": ("x.csv", b"\x00" * 200),
    "nul in a cell": ("x.csv", GOOD_CSV.replace("11", "1\x001").encode()),
    "binary garbage": ("x.csv", bytes(range(256)) * 8),
    "garbage named xlsx": ("x.xlsx", bytes(range(256)) * 8),
    "zip that is not xlsx": ("x.xlsx", _xlsx_of_garbage()),
    "field over the csv limit": ("x.csv", ("指标,部门,期间,数值\n" + "a" * 200_000).encode()),
    "GBK": ("x.csv", GOOD_CSV.encode("gbk")),
    "not UTF-8 or GBK": ("x.csv", b"\xff\xfe\xfa\x80\x81,\xc0\n\x81\x30\n"),
    "UTF-16": ("x.csv", GOOD_CSV.encode("utf-16")),
    "100,000 columns": ("x.csv", ("," * 100_000 + "\n").encode()),
    "formula": ("x.csv", GOOD_CSV.replace(",11", ",=1+1").encode()),
    "15-digit value": ("x.csv", GOOD_CSV.replace(",11", ",123456789012345").encode()),
    "5,000-character name": (LONG + ".csv", GOOD_CSV.encode()),
    "path in the name": ("../../../etc/passwd.csv", GOOD_CSV.encode()),
    "nul in the name": ("x\x00.csv", GOOD_CSV.encode()),
    "pdf": ("x.pdf", b"%PDF-1.4 garbage"),
}

#: The query parameters each view reads (see its code); every page also gets ``UNKNOWN``.
QUERY_PARAMS = {
    "home": (),
    "login": ("next",),
    "logout": ("next",),
    "set_language": ("next", "language"),
    "reports:form": ("period", "department"),
    "reports:inbox": ("period", "department", "indicator"),
    # A review page opened from the inbox carries its filter on to the next item.
    "reports:value_detail": ("inbox", "period", "department", "indicator"),
    "reports:qualitative_detail": ("inbox", "period", "department", "indicator"),
    "reports:value_review": ("inbox", "period", "department", "indicator"),
    "reports:value_followup": ("inbox", "period", "department", "indicator"),
    "reports:qualitative_review": ("inbox", "period", "department", "indicator"),
    "reports:completeness": ("period",),
    "reports:overview": ("period", "document", "category", "department"),
    "reports:indicator": ("department",),
    "reports:department": ("period",),
    "reports:import_job": ("format",),
    "reports:scorecards": ("period",),
    "reports:scorecard_run": ("format",),
    "reports:assessment": ("year", "department"),
    "reports:assessment_file": ("year", "department"),
    "notices:list": ("page",),
    "admin:login": ("next",),
    "admin:autocomplete": ("term", "app_label", "model_name", "field_name", "page"),
    # The API's lists: their filters and paging (api/filters.py).
    "api:value-list": ("period", "department", "indicator", "state", "source", "page", "page_size"),
    "api:qualitative-report-list": ("period", "department", "task", "indicator", "state"),
    "api:gap-list": ("period", "department", "indicator", "status", "region", "page"),
    "api:indicator-list": ("category", "frequency", "value_kind", "document", "department"),
    "api:responsibility-list": ("department", "indicator", "task", "document", "role"),
    "api:document-list": ("kind", "year"),
    "api:target-list": ("indicator", "document", "year"),
    "api:scorecard-list": ("period", "department"),
    "api:assessment": ("year", "department", "page", "page_size"),
}
ADMIN_CHANGELIST_PARAMS = ("q", "o", "p", "all", "e", "_popup", "_to_field", "_facets")
ADMIN_OBJECT_PARAMS = ("_changelist_filters", "_popup", "_to_field")
UNKNOWN = "unknown"

#: Fields a view reads that its page does not show (or shows to another role only).
EXTRA_FIELDS = {
    "reports:form": ("department", "action"),
    "reports:value_review": ("action", "comment", "next"),
    "reports:value_followup": ("followup", "comment"),
    "reports:qualitative_review": ("action", "comment", "next"),
    "reports:inbox": ("value_ids", "qualitative_ids"),
    "reports:periods": ("period", "deadline", "action"),
    "reports:imports": ("department",),
    "reports:import_job": ("action",),
    # The list shows its forms only beside notices, and the world has none.
    "notices:read": ("notice", "page", "open"),
    "notices:read_all": ("page",),
    "login": ("username", "password", "next"),
    "logout": ("next",),
    "set_language": ("language", "next"),
    "api:tokens": ("action", "name", "token"),
}


# --- The world ----------------------------------------------------------------------------------


@pytest.fixture
def world(people):  # noqa: F811
    """Something of everything, made through the services: a submitted value with evidence, an
    approved one, another department's, a submitted qualitative report, an open quarter, a
    scorecard and its rendering, a checked import job, a group and a failed login (for the
    admin's pages of each)."""
    agri = people.owner.membership.department
    ipa = people.outsider.membership.department
    agri_rate = Indicator.objects.get(code="AGRI_PRODUCT_SAFETY_PASS_RATE")
    reporting_period(QUARTER, deadline="2026-10-15", office=people.office)
    rv, _ = reported_value_save_draft(
        indicator=agri_rate,
        department=agri,
        period=QUARTER,
        value=Decimal("98.4"),
        note="",
        evidence=SimpleUploadedFile("x.pdf", b"%PDF-1.4 evidence"),
        acting_user=people.owner,
        expected_version=0,
    )
    rv = row_submit(rv, acting_user=people.owner)
    approved = reported_value(
        indicator=agri_rate,
        department=agri,
        period="2026Q2",
        value="97",
        state="approved",
        reporter=people.owner,
        office=people.office,
    )
    ipa_value = reported_value(
        indicator=Indicator.objects.get(code="GEOGRAPHICAL_INDICATIONS"),
        department=ipa,
        period=QUARTER,
        value="420",
        state="submitted",
        reporter=people.outsider,
    )
    report = qualitative_report(
        task=Task.objects.filter(responsibilities__department__code="AGRI").first(),
        department=agri,
        period="2025Q4",
        status="in_progress",
        narrative="x",
        state="submitted",
        reporter=people.owner,
    )
    snapshot = scorecard(department=agri, period=QUARTER, created_by=people.owner)
    job = import_job_create(
        upload=SimpleUploadedFile("x.csv", GOOD_CSV.encode()),
        department=None,
        acting_user=people.office,
    )
    import_job_check(job)
    Group.objects.create(name="测试组")
    Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
    return {
        "value": rv,
        "approved": approved,
        "ipa_value": ipa_value,
        "report": report,
        "run": snapshot.run,
        "scorecard": snapshot,
        "job": job,
        "people": people,
    }


@pytest.fixture
def small_admin_pages(monkeypatch):
    """Admin lists of five rows, no record of each page's templates and contexts, and no log
    line for each of thousands of 4xx: the walk looks at status codes only, and the rest would
    only make it slow. Errors are still logged."""
    for model_admin in admin.site._registry.values():
        monkeypatch.setattr(model_admin, "list_per_page", 5)
    monkeypatch.setattr(django.test.client, "store_rendered_templates", lambda *a, **k: None)
    loggers = {name: logging.getLogger(name) for name in ("django.request", "axes")}
    levels = {name: logger.level for name, logger in loggers.items()}
    for logger in loggers.values():
        logger.setLevel(logging.ERROR)
    yield
    for name, logger in loggers.items():
        logger.setLevel(levels[name])


# --- URL patterns -------------------------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:[^>:]+:)?(?P<name>[^>]+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name (its path template, if unnamed) and the template of its path."""

    name: str
    template: str  # "/reports/values/{pk}/"
    params: tuple[str, ...]
    admin_model: type | None = None

    def url(self, args: dict) -> str:
        return self.template.format(**{k: str(v) for k, v in args.items()})


def _is_admin(route: Route) -> bool:
    return route.name.startswith(("admin:", "/admin/"))


def _template(pattern) -> str:
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", text)
    return _REGEX_GROUP.sub(lambda m: "{" + m["name"] + "}", text).lstrip("^").rstrip("$")


def all_routes() -> list[Route]:
    """Every leaf URL pattern of the project, walked from the root resolver."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, prefix + _template(pattern.pattern), inner)
                continue
            template = "/" + prefix + _template(pattern.pattern)
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            params = tuple(_PLACEHOLDER.findall(template))
            found.append(Route(name or template, template, params, _admin_model(template)))

    walk(get_resolver().url_patterns, "", "")
    return found


def _admin_model(template: str):
    parts = template.strip("/").split("/")
    if len(parts) >= 3 and parts[0] == "admin":
        for model in admin.site._registry:
            if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
                return model
    return None


def valid_args(route: Route, world: dict) -> dict:
    """Arguments that open the page for the role allowed to; a new pattern must be added here."""
    cast = world["people"]
    if not route.params:
        return {}
    by_name = {
        "reports:value_detail": {"pk": world["value"].pk},
        "reports:value_evidence": {"pk": world["value"].pk},
        "reports:value_review": {"pk": world["value"].pk},
        "reports:value_followup": {"pk": world["value"].pk},
        "reports:qualitative_detail": {"pk": world["report"].pk},
        "reports:qualitative_review": {"pk": world["report"].pk},
        "reports:indicator": {"code": "AGRI_PRODUCT_SAFETY_PASS_RATE"},
        "reports:indicator_download": {"code": "AGRI_PRODUCT_SAFETY_PASS_RATE", "kind": "csv"},
        "reports:department": {"code": "AGRI"},
        "reports:import_job": {"pk": world["job"].pk},
        "reports:import_template": {"resource": "values", "kind": "xlsx"},
        "reports:scorecard_run": {"pk": world["run"].pk},
        "reports:scorecard_detail": {"pk": world["scorecard"].pk},
        "reports:scorecard_snapshot": {"pk": world["scorecard"].pk},
        "reports:scorecard_file": {"pk": world["scorecard"].pk, "kind": "pdf"},
        "reports:assessment_file": {"kind": "xlsx"},
        "admin:auth_user_password_change": {"id": cast.owner.pk},
        "admin:view_on_site": {
            "content_type_id": ContentType.objects.get_for_model(ReportedValue).pk,
            "object_id": world["value"].pk,
        },
        "admin:app_list": {"app_label": "reports"},
        "/admin/{url}": {"url": "no-such-page/"},
    }
    if route.name in by_name:
        return by_name[route.name]
    if route.name.startswith("api:"):
        return _api_args(route, world)
    if route.admin_model is not None and route.params == ("object_id",):
        preferred = {ReportedValue: world["value"]}.get(route.admin_model)
        obj = preferred or route.admin_model._default_manager.order_by("-pk").first()
        return {"object_id": obj.pk if obj else 1}
    raise LookupError(f"the walk has no valid arguments for {route.name}: add them to valid_args")


def _api_args(route: Route, world: dict) -> dict:
    """The API's detail routes (``api:value-detail``, ``api:value-approve``…) by resource."""
    first = {
        "document": lambda: {"code": Document.objects.order_by("pk").first().code},
        "indicator": lambda: {"code": "AGRI_PRODUCT_SAFETY_PASS_RATE"},
        "target": lambda: {"pk": Target.objects.order_by("pk").first().pk},
        "task": lambda: {"code": Task.objects.order_by("pk").first().code},
        "department": lambda: {"code": "AGRI"},
        "responsibility": lambda: {"pk": Responsibility.objects.order_by("pk").first().pk},
        "period": lambda: {"period": QUARTER},
        "value": lambda: {"pk": world["value"].pk},
        "qualitative-report": lambda: {"pk": world["report"].pk},
        "gap": lambda: {
            "pk": GapResult.objects.order_by("pk").values_list("pk", flat=True).first() or 1
        },
        "scorecard": lambda: {"pk": world["scorecard"].pk},
        "scorecard-run": lambda: {"pk": world["run"].pk},
    }
    resource = route.name.removeprefix("api:").rsplit("-", 1)[0]
    if resource not in first:
        raise LookupError(
            f"the walk has no valid arguments for {route.name}: add them to _api_args"
        )
    return first[resource]()


# --- Sending requests ---------------------------------------------------------------------------

LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


@dataclass
class ServerError:
    method: str
    url: str
    role: str
    where: str
    value: str
    status: int
    cause: str
    error: str

    def __str__(self) -> str:
        url = self.url if len(self.url) < 160 else self.url[:150] + "…"
        return (
            f"{self.status} {self.method} {url} as {self.role}: {self.where} = {self.value} → "
            f"{self.error}"
        )


@dataclass
class Walker:
    """Sends requests as each role, each in a rolled-back savepoint, and keeps the 5xx."""

    world: dict
    requests: int = 0
    errors: list[ServerError] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    def __post_init__(self):
        cast = self.world["people"]
        self.clients, self.cookies = {}, {}
        for role in ROLES:
            client = Client(raise_request_exception=False)
            user = getattr(cast, role)
            if user is not None:
                client.force_login(user)
            self.clients[role] = client
            self.cookies[role] = {name: morsel.value for name, morsel in client.cookies.items()}

    def send(self, role, method, url, data=None, *, where="", value="", expect=None):
        client = self.clients[role]
        with transaction.atomic():
            response = client.get(url) if method == "get" else client.post(url, data or {})
            transaction.set_rollback(True)
        client.cookies.clear()
        for name, cookie in self.cookies[role].items():
            client.cookies[name] = cookie
        self.requests += 1
        self.statuses[response.status_code // 100] += 1
        if response.status_code >= 500:
            self.errors.append(
                ServerError(
                    method.upper(), url, role, where, value, response.status_code, *_error(response)
                )
            )
        elif expect is not None and response.status_code not in expect:
            self.unexpected.append(
                f"{response.status_code} {method.upper()} {url[:150]} as {role}: {where} = "
                f"{value} (expected {'/'.join(map(str, expect))})"
            )
        return response

    def door_shut(self, response) -> bool:
        """The role is refused before the page reads its query or its form: a login page, or
        the 403/404 of a page it may not see (405: a page that only takes a POST)."""
        if response.status_code in (403, 404, 405):
            return True
        location = response.get("Location", "")
        return response.status_code == 302 and urlsplit(location).path in LOGIN_PATHS

    def report(self, what: str) -> str:
        """Every response ≥ 500, after a summary by cause (the exception and where it was)."""
        causes = Counter(error.cause for error in self.errors)
        summary = [f"  {n:5d} × {cause}" for cause, n in causes.most_common()]
        return "\n".join(
            [
                f"{what}: {len(self.errors)} responses ≥ 500 in {self.requests} requests",
                "by cause:",
                *summary,
                "each:",
                *(f"  {error}" for error in self.errors),
            ]
        )


def _error(response) -> tuple[str, str]:
    """(cause, message): the exception's type with the last frame of our code it passed through,
    the last one above the ORM and the very last; and the traceback's last line."""
    if not getattr(response, "exc_info", None):
        return "(no exception recorded)", ""
    exc_type, exc, tb = response.exc_info
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if _ours(f.filename)]
    # The last frame above the ORM's own (a widget, a view of a library), and the very last.
    above = [f for f in frames if not re.search(r"django/(db|utils)/", f.filename)]
    shown = [*ours[-1:], *above[-1:], frames[-1]]
    where = ", ".join(dict.fromkeys(f"{_short(f.filename)}:{f.lineno}" for f in shown))
    last = traceback.format_exception_only(exc_type, exc)[-1].strip()
    return f"{exc_type.__module__}.{exc_type.__qualname__} at {where}", last[:300]


def _ours(filename: str) -> bool:
    """A frame of the project's own code (not a library's, nor the test's)."""
    path = Path(filename)
    return (
        path.is_relative_to(ROOT)
        and not path.is_relative_to(ROOT / ".venv")
        and not path.is_relative_to(ROOT / "tests")
    )


def _short(filename: str) -> str:
    path = Path(filename)
    if "site-packages" in path.parts:
        return "/".join(path.parts[path.parts.index("site-packages") + 1 :])
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


ROOT = Path(__file__).resolve().parents[2]
TALLY: Counter = Counter()


@pytest.fixture(scope="module", autouse=True)
def _print_tally(request):
    """At the end of the file, one line with the size of the walk and what it found."""
    yield
    if not TALLY:
        return
    walks = {k: n for k, n in TALLY.items() if k not in ("≥ 500", "commands")}
    line = (
        f"The hostile-input walk: {TALLY['≥ 500']} responses ≥ 500 over every URL × role × "
        f"parameter, in {sum(walks.values())} requests ("
        + ", ".join(f"{what} {n}" for what, n in walks.items())
        + f"); {TALLY['commands']} command runs."
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown even when every test passes
            reporter.write_line("")
            reporter.write_line(line)


def _tally(what: str, walker: Walker) -> None:
    TALLY[what] += walker.requests
    TALLY["≥ 500"] += len(walker.errors)
    print(
        f"{what}: {walker.requests} requests, statuses by class {dict(walker.statuses)}, "
        f"{len(walker.errors)} ≥ 500"
    )


def _query(param: str, value) -> str:
    if isinstance(value, bytes):
        return f"{quote(param)}={value.decode()}"
    return urlencode({param: value})


def query_params(route: Route, user) -> tuple[str, ...]:
    """The query parameters the page reads (for the admin: from its list filters too)."""
    params = list(QUERY_PARAMS.get(route.name, ()))
    model = route.admin_model
    if model is not None:
        model_admin = admin.site._registry[model]
        tail = route.name.rsplit("_", 1)[-1]
        if tail in ("changelist", "export"):
            params += ADMIN_CHANGELIST_PARAMS
            request = RequestFactory().get("/")
            request.user = user
            changelist = model_admin.get_changelist_instance(request)
            for spec in changelist.filter_specs:
                params += spec.expected_parameters()
        elif tail in ("change", "delete"):
            params += ADMIN_OBJECT_PARAMS
    return (*dict.fromkeys(params), UNKNOWN)


# --- Forms, as the pages show them --------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, number (and hidden), date, choice, checkbox, submit, file
    value: str = ""
    checked: bool = True


@dataclass
class PageForm:
    """A POST form of a page: where it posts, as whom it was found, and its fields."""

    route: str
    action: str
    role: str
    fields: list[FormField] = field(default_factory=list)
    synthetic: bool = False

    def baseline(self) -> dict:
        """What a person would post: the page's values, the first button, and an example in a
        blank field a person must fill (so a hostile value elsewhere is not stopped early by a
        missing one)."""
        data: dict[str, list] = {}
        button = False
        for f in self.fields:
            if not f.value and f.name in EXAMPLES:
                data.setdefault(f.name, []).append(EXAMPLES[f.name])
                continue
            if f.kind == "file":
                continue
            if f.kind == "submit":
                if not button:
                    data.setdefault(f.name, []).append(f.value)
                    button = True
                continue
            if f.kind == "checkbox" and not f.checked:
                continue
            data.setdefault(f.name, []).append(f.value)
        return data

    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict, list[FormField]]] = []
        self._fields: list[FormField] | None = None
        self._select: tuple[str, list[str], list[str], bool] | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._fields = []
            self.forms.append((a, self._fields))
            return
        if self._fields is None:
            return
        # A disabled field is not posted by a browser, and not read by the form.
        name = None if "disabled" in a else a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            classes = a.get("class", "")
            if kind in ("submit", "image"):
                self._fields.append(FormField(name, "submit", a.get("value", "")))
            elif kind in ("checkbox", "radio"):
                self._fields.append(
                    FormField(name, "checkbox", a.get("value", "on"), "checked" in a)
                )
            elif kind == "file":
                self._fields.append(FormField(name, "file"))
            elif kind in ("button", "reset"):
                return
            elif "vDateField" in classes or kind == "date":
                self._fields.append(FormField(name, "date", a.get("value", "")))
            elif "vTimeField" in classes or kind == "number" or kind == "hidden":
                self._fields.append(FormField(name, "number", a.get("value", "")))
            else:
                self._fields.append(FormField(name, "text", a.get("value", "")))
        elif tag == "button" and name:
            self._fields.append(FormField(name, "submit", a.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, [], [], "multiple" in a)
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = FormField(name, "textarea", "")
            self._fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            name, options, selected, multiple = self._select
            # Nothing selected: a person would pick something (an action, a department).
            chosen = selected or ([] if multiple else [o for o in options if o][:1] or options[:1])
            for value in chosen or [""]:
                self._fields.append(FormField(name, "choice", value))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_forms(html: str, page_url: str, role: str) -> list[PageForm]:
    parser = _FormParser()
    parser.feed(html)
    found = []
    for attrs, fields in parser.forms:
        if attrs.get("method", "get").lower() != "post":
            continue
        action = urljoin(page_url, attrs.get("action", "") or page_url)
        path = urlsplit(action).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        route = match.view_name if match.url_name else match.route
        found.append(PageForm(route, action, role, [f for f in fields if f.name != CSRF]))
    return found


CSRF = "csrfmiddlewaretoken"
#: What a person types in these fields when the page leaves them blank.
EXAMPLES = {
    "username": "alice",
    "password": "a-wrong-password",
    "period": "2026Q4",
    "deadline": "2027-01-15",
    "comment": "请核实",
    "old_password": "a-wrong-password",
    "new_password1": "Quality-2026-hub",
    "new_password2": "Quality-2026-hub",
    "password1": "Quality-2026-hub",
    "password2": "Quality-2026-hub",
}
JSON_FIELDS = {"horizon_years"}


def _model_kind(model, name: str) -> str | None:
    """A finer kind for an admin form's field, from the model field behind it."""
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(name.split("-")[-1])
    except Exception:
        return None
    internal = model_field.get_internal_type()
    if internal == "JSONField":
        return "json"
    if internal in (
        "IntegerField",
        "BigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "DecimalField",
        "FloatField",
    ):
        return "number"
    return None


def field_kind(form_field: FormField, model=None) -> str:
    kind = _model_kind(model, form_field.name) or form_field.kind
    if form_field.name in JSON_FIELDS:
        return "json"
    if re.match(r"(value|version|qversion|expected_version)(_|$)", form_field.name):
        return "number"
    if form_field.name in ("period", "deadline"):
        return "period"
    return kind


FIELD_VALUES = {
    "text": TEXT,
    "textarea": TEXT,
    "number": {**NUMBER, "5,000 characters": LONG},
    "date": DATE,
    "period": {**DATE, **{k: QUERY_VALUES[k] for k in ("bad quarter", "far quarter")}},
    "choice": CHOICE,
    "checkbox": CHOICE,
    "submit": CHOICE,
    "json": JSON,
}
#: The admin's forms are heavy pages: there, each field gets the values that matter most for
#: its kind, and Hypothesis sends the others.
ADMIN_FIELD_CORE = {
    "text": ("nul", "5,000 characters", "unicode"),
    "textarea": ("nul", "5,000 Chinese characters"),
    "number": ("nul", "not an integer", "10**30", "15 digits", "NaN"),
    "formset": ("nul", "not an integer", "10**30"),
    "date": ("nul", "30 February", "year 99999"),
    "period": ("nul", "bad quarter", "not a date"),
    "choice": ("nul", "not an integer", "10**30"),
    "checkbox": ("nul", "not an integer", "10**30"),
    "submit": ("nul", "not an integer"),
    "json": tuple(JSON),
}


def hostile_values(form_field: FormField, model=None, *, core: bool = False) -> dict:
    """The hostile values for a field of this kind (with ``core``, the admin's few)."""
    kind = field_kind(form_field, model)
    values = FIELD_VALUES[kind]
    if core:
        # An inline's fields and management form (changes-TOTAL_FORMS, targets-0-id) are read
        # by Django's formsets, the same way for every model.
        labels = ADMIN_FIELD_CORE["formset" if "-" in form_field.name else kind]
        return {label: {**NUMBER, **values}[label] for label in labels}
    return values


def _normal(name: str) -> str:
    """A field's name with its row's id taken out: value_123 and value_456 are one kind."""
    return re.sub(r"\d+", "#", name)


def discover_forms(walker: Walker, routes: list[Route]) -> list[PageForm]:
    """Every POST form every page shows to every role, once per kind; and a form for each view
    that reads posted fields no page shows to that role (``EXTRA_FIELDS``).

    An admin add form starts from what the change form of the same model holds, so that a
    hostile value in one field is not stopped early by the others being blank.
    """
    forms: dict[tuple, PageForm] = {}
    for route in routes:
        if route.name.startswith("/") or route.name.endswith(NO_FORMS):
            continue
        url = route.url(valid_args(route, walker.world))
        for role in ROLES:
            response = walker.send(role, "get", url, where="(discovery)")
            if "text/html" not in response.get("Content-Type", "") or response.streaming:
                continue
            for form in page_forms(response.content.decode(), url, role):
                kinds = tuple(sorted({_normal(n) for n in form.names()}))
                forms.setdefault((role, form.route, kinds), form)
    changes = {
        (form.role, form.route.removesuffix("_change")): form
        for form in forms.values()
        if form.route.endswith("_change")
    }
    for form in forms.values():
        change = changes.get((form.role, form.route.removesuffix("_add")))
        if form.route.endswith("_add") and change is not None:
            filled = {f.name: f for f in change.fields if f.value}
            for f in form.fields:
                if not f.value and f.name in filled and f.kind != "checkbox":
                    f.value = filled[f.name].value
    by_route = {route.name: route for route in routes}
    for name, extra in EXTRA_FIELDS.items():
        action = by_route[name].url(valid_args(by_route[name], walker.world))
        for role in ROLES:
            found = [f for f in forms.values() if f.role == role and f.route == name]
            for form in found:
                for extra_name in extra:
                    if extra_name not in form.names():
                        form.fields.append(FormField(extra_name, "text"))
            if not found:
                synthetic = PageForm(name, action, role, synthetic=True)
                synthetic.fields = [FormField(n, "text") for n in extra]
                forms[(role, name, extra)] = synthetic
    # Change forms first: an add form's fields that its change form has are not posted twice.
    return sorted(forms.values(), key=lambda f: (not f.route.endswith("_change"), f.route))


#: Pages that show no form of their own (histories, downloads, scripts, redirects).
NO_FORMS = (
    "_history",
    ":jsi18n",
    ":autocomplete",
    ":view_on_site",
    ":password_change_done",
    ":value_evidence",
    ":indicator_download",
    ":import_template",
    ":scorecard_file",
    ":scorecard_snapshot",
)


def _admin_model_of(form: PageForm):
    return _admin_model(urlsplit(form.action).path)


def post_hostile_fields(walker: Walker, form: PageForm, done: set, *, smoke: bool = False) -> None:
    """Post ``form`` once per (kind of field, hostile value), everything else as the page had it.

    Fields of the same kind in another row (value_123, value_456) get the values once: they are
    read by the same code; so do the fields an admin add form shares with the change form
    (``done`` keeps what was posted). With ``smoke``, the SMOKE values only.
    """
    model = _admin_model_of(form)
    scope = model or form.route
    base = form.baseline()
    for form_field in form.fields:
        key = (form.role, scope, _normal(form_field.name))
        if key in done:
            continue
        done.add(key)
        if form_field.kind == "file":
            values = {label: FILES[label] for label in FILES}
        else:
            values = hostile_values(form_field, model, core=model is not None)
        if smoke:
            values = {k: v for k, v in values.items() if k in SMOKE} or dict(
                itertools.islice(values.items(), 2)
            )
        for label, value in values.items():
            data = dict(base)
            if form_field.kind == "file":
                value = SimpleUploadedFile(*value)  # a fresh, unread upload each time
                # Django's multipart parser drops a NUL from a file's name before any view
                # sees it: such an upload is an ordinary one (and must still not be a 5xx).
                nul = False
            else:
                nul = NUL in value
                if form_field.kind == "checkbox":
                    value = [*base.get(form_field.name, []), value]
            data[form_field.name] = value
            walker.send(
                form.role,
                "post",
                form.action,
                data,
                where=f"field {form_field.name}",
                value=label,
                expect={400} if nul else None,
            )


# --- The walk -----------------------------------------------------------------------------------

POSTED_WITH_A_PATH = (
    "reports:value_review",
    "reports:value_followup",
    "reports:qualitative_review",
    "reports:import_job",
)
# (401 and 429: the API's answers to a caller without credentials, or calling too often.)
NOT_2XX = frozenset({301, 302, 400, 401, 403, 404, 405, 429})


def test_every_url_pattern_can_be_filled(world):
    """The walk knows valid arguments for every pattern; a new one must be taught to it."""
    routes = all_routes()
    assert len(routes) > 150
    for route in routes:
        url = route.url(valid_args(route, world))
        assert resolve(urlsplit(url).path), route.name
    names = {route.name for route in routes}
    assert set(QUERY_PARAMS) <= names and set(EXTRA_FIELDS) <= names


def test_hostile_path_parameters(world, small_admin_pages):
    walker = Walker(world)
    routes = [route for route in all_routes() if route.params]
    for route in routes:
        args = valid_args(route, world)
        takes_post = route.name in POSTED_WITH_A_PATH or route.name.endswith(
            ("_change", "_delete", "_password_change")
        )
        for role in ROLES:
            # A 404 here may come from looking the id up: only a login page is a shut door.
            baseline = walker.send(role, "get", route.url(args), where="(valid)")
            shut = walker.door_shut(baseline) and baseline.status_code == 302
            labels = PATH_SMOKE if shut else ADMIN_PATH_VALUES if _is_admin(route) else PATH_VALUES
            values = {k: PATH_VALUES[k] for k in labels}
            for param, (label, raw) in itertools.product(route.params, values.items()):
                url = route.url({**args, param: raw})
                # Django's admin reads full-width digits as the number they spell (int() does).
                spelled = route.admin_model is not None and label == "full-width digits"
                expect = {400} if raw.endswith("%00") else None if spelled else NOT_2XX
                for method in ("get", "post") if takes_post else ("get",):
                    where = f"path {param}"
                    walker.send(role, method, url, where=where, value=label, expect=expect)
    _tally("path parameters", walker)
    assert not walker.errors, walker.report("hostile path parameters")
    assert not walker.unexpected, "\n".join(walker.unexpected)


def query_values(route: Route, param: str) -> tuple[str, ...]:
    """The labels of QUERY_VALUES sent in ``param`` of ``route``."""
    if _is_admin(route):
        # A list filter's parameter (state__exact, department__id__exact) is typed.
        extra = ("empty", "10**30") if "__" in param else ADMIN_QUERY_BY_PARAM.get(param, ())
        return (*ADMIN_QUERY_CORE, *extra)
    if param == UNKNOWN:
        return ("nul", "5,000 characters", "bad encoding")  # the site's views read names only
    return (*QUERY_CORE, *QUERY_BY_PARAM.get(param, ()))


def test_hostile_query_parameters(world, small_admin_pages):
    walker = Walker(world)
    admin_user = world["people"].admin
    for route in all_routes():
        url = route.url(valid_args(route, world))
        params = query_params(route, admin_user)
        for role in ROLES:
            # The admin's pages all open for an administrator: no need to knock first.
            shut = False
            if not (role == "admin" and _is_admin(route)):
                shut = walker.door_shut(walker.send(role, "get", url, where="(valid)"))
            if shut:
                # Nothing is read behind a shut door: every parameter hostile at once.
                for label in SMOKE:
                    query = "&".join(_query(param, QUERY_VALUES[label]) for param in params)
                    walker.send(
                        role,
                        "get",
                        f"{url}?{query}",
                        where="every parameter",
                        value=label,
                        expect={400} if label == "nul" else None,
                    )
                continue
            for param in params:
                for label in query_values(route, param):
                    value = QUERY_VALUES[label]
                    walker.send(
                        role,
                        "get",
                        f"{url}?{_query(param, value)}",
                        where=f"query {param}",
                        value=label,
                        expect={400} if isinstance(value, str) and NUL in value else None,
                    )
            if _is_admin(route):
                continue  # Django reads the admin's query by name: an unknown one is ignored
            for label, name in {"nul": NUL, "5,000 characters": LONG}.items():
                walker.send(
                    role,
                    "get",
                    f"{url}?{_query(name, '1')}",
                    where="a query parameter's name",
                    value=label,
                    expect={400} if name == NUL else None,
                )
    generated_requests(walker, all_routes(), GENERATED_EXAMPLES)
    _tally("query parameters", walker)
    assert not walker.errors, walker.report("hostile query parameters")
    assert not walker.unexpected, "\n".join(walker.unexpected)


def test_hostile_form_fields(world, small_admin_pages):
    walker = Walker(world)
    routes = all_routes()
    forms = discover_forms(walker, routes)
    posted_routes = {form.route for form in forms}
    # Every view that reads posted fields is reached with a form.
    assert set(EXTRA_FIELDS) <= posted_routes
    assert any(f.route == "reports:form" and f.role == "owner" and not f.synthetic for f in forms)
    done: set = set()
    for form in forms:
        post_hostile_fields(walker, form, done, smoke=form.synthetic)
    # Each form posted by every other role too, with every field hostile at once.
    for form, role in itertools.product(forms, ROLES):
        if role == form.role or form.synthetic:
            continue
        text_fields = [f for f in form.fields if f.kind != "file"]
        for label in SMOKE:
            data = form.baseline()
            for form_field in text_fields:
                data[form_field.name] = QUERY_VALUES[label]
            walker.send(
                role,
                "post",
                form.action,
                data,
                where="every field",
                value=label,
                expect={400} if label == "nul" and text_fields else None,
            )
    generated_form_posts(walker, forms, GENERATED_EXAMPLES)
    _tally("form fields", walker)
    print(f"{len(forms)} forms, {len(posted_routes)} views that take a POST")
    assert not walker.errors, walker.report("hostile form fields")
    assert not walker.unexpected, "\n".join(walker.unexpected)


# --- Generated values (Hypothesis) --------------------------------------------------------------

#: Requests Hypothesis makes in each walk test, on top of the corpora; derandomised, so every run
#: sends the same ones.
GENERATED_EXAMPLES = 120
_EVERY_VALUE = sorted(
    {
        value
        for corpus in (QUERY_VALUES, TEXT, NUMBER, CHOICE, DATE, JSON)
        for value in corpus.values()
        if isinstance(value, str)
    }
)
GENERATED = st.one_of(
    st.sampled_from(_EVERY_VALUE),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[0-9０-９]{1,5}[QqSs年-]?[0-9０-９]{0,2}\Z"),
    st.integers(min_value=0, max_value=6000).map(lambda n: "x" * n),
)
FILE_NAMES = st.one_of(st.sampled_from(["x.csv", "x.xlsx", "x.pdf", "x.png", "x"]), GENERATED)


def _hypothesis_settings(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


def _short_repr(values: dict) -> str:
    return ", ".join(f"{k[:30]!r}={str(v)[:40]!r}" for k, v in values.items())[:300]


def generated_requests(walker: Walker, routes: list[Route], examples: int) -> None:
    """GET a random pattern as a random role, with generated values in some path parameters
    and in several query parameters (those the page reads, and others)."""
    admin_user = walker.world["people"].admin
    valid = {route.name: valid_args(route, walker.world) for route in routes}
    params = {route.name: query_params(route, admin_user) for route in routes}

    @_hypothesis_settings(examples)
    @given(data=st.data())
    def probe(data):
        route = data.draw(st.sampled_from(routes))
        role = data.draw(st.sampled_from(ROLES))
        args = dict(valid[route.name])
        hostile = {}
        for param in route.params:
            if data.draw(st.booleans()):
                hostile[param] = args[param] = data.draw(GENERATED)
                args[param] = quote(args[param], safe="")
        names = st.one_of(st.sampled_from(params[route.name]), GENERATED)
        query = data.draw(st.dictionaries(names, GENERATED, max_size=4))
        url = route.url(args) + (f"?{urlencode(query)}" if query else "")
        nul = any(NUL in text for text in [*hostile.values(), *query, *query.values()])
        walker.send(
            role,
            "get",
            url,
            where="generated path and query",
            value=_short_repr({**hostile, **query}),
            expect={400} if nul else None,
        )

    probe()


def generated_form_posts(walker: Walker, forms: list[PageForm], examples: int) -> None:
    """POST a random form, mostly as the role it was found by, with generated values in one to
    four of its fields (or generated files in its file fields)."""

    @_hypothesis_settings(examples)
    @given(data=st.data())
    def probe(data):
        form = data.draw(st.sampled_from(forms))
        role = data.draw(st.sampled_from([form.role] * 4 + list(ROLES)))
        post = form.baseline()
        fields = {f.name: f for f in form.fields} or {UNKNOWN: FormField(UNKNOWN, "text")}
        chosen = data.draw(
            st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=4, unique=True)
        )
        shown, nul = {}, False
        for name in chosen:
            if fields[name].kind == "file":
                upload = SimpleUploadedFile(
                    data.draw(FILE_NAMES) or "x", data.draw(st.binary(max_size=4000))
                )
                # (A NUL in a file's name never reaches a view: Django drops it.)
                post[name], shown[name] = upload, f"file {upload.name[:30]!r}"
            else:
                post[name] = shown[name] = data.draw(GENERATED)
                nul |= NUL in post[name] or NUL in name
        walker.send(
            role,
            "post",
            form.action,
            post,
            where="generated fields",
            value=_short_repr(shown),
            expect={400} if nul else None,
        )

    probe()


# --- Management commands ------------------------------------------------------------------------

#: (command, arguments, files to write first). The arguments never hold a NUL: a command line
#: cannot carry one. Paths are relative to a temporary folder.
COMMAND_CASES = [
    *(("import_values", [f"files/{label}", "--dry-run"]) for label in FILES if NUL not in label),
    ("import_values", ["files/GBK", "--dry-run", "--department", LONG]),
    ("import_values", ["files/GBK", "--dry-run", "--department", "１２３"]),
    ("import_values", ["files/GBK", "--dry-run", "--department", "../AGRI"]),
    ("import_values", ["files/GBK", "--dry-run", "--user", LONG]),
    ("import_values", ["files/GBK", "--dry-run", "--user", "指标😀\u202e"]),
    ("import_values", ["no-such-file.csv", "--dry-run"]),
    ("import_values", ["files", "--dry-run"]),
    ("export_values", ["--format", "pdf", "--output", "out.csv"]),
    ("export_values", ["--period", "2026Q5", "--output", "out.csv"]),
    ("export_values", ["--period", LONG, "--output", "out.csv"]),
    ("export_values", ["--department", LONG, "--output", "out.csv"]),
    ("export_values", ["--document", "指标😀\u202e", "--output", "out.csv"]),
    ("export_values", ["--state", "nonsense", "--output", "out.csv"]),
    ("export_values", ["--what", "gaps", "--format", "dhis2-json", "--output", "out.json"]),
    ("export_values", ["--output", "no-such-folder/out.csv"]),
    ("export_values", ["--output", "files"]),
    ("compute_gaps", ["--period", "2026Q5"]),
    ("compute_gaps", ["--period", LONG]),
    ("compute_gaps", ["--period", "１２３"]),
    ("compute_gaps", ["--period", ""]),
    ("render_scorecards", ["--period", "2026Q5"]),
    ("render_scorecards", ["--period", "2026"]),
    ("render_scorecards", ["--period", LONG]),
    ("render_scorecards", ["--period", "2026Q3", "--department", LONG]),
    ("render_scorecards", ["--period", "2026Q3", "--timeout", "abc"]),
    ("render_scorecards", ["--period", "2026Q3", "--timeout", str(10**30), "--no-wait"]),
    ("export_assessment", ["--year", "abc"]),
    ("export_assessment", ["--year", str(10**30)]),
    ("export_assessment", ["--year", "2025", "--department", LONG]),
    ("export_assessment", ["--year", "2025", "--output", "/no/such/dir/a.csv"]),
    ("clean_media", ["--dry-run", "--hours", "abc"]),
    ("clean_media", ["--dry-run", "--hours", "nan"]),
    ("clean_media", ["--dry-run", "--hours", "inf"]),
    ("clean_media", ["--dry-run", "--hours", "1e300"]),
    ("clean_media", ["--dry-run", "--hours", str(10**30)]),
    ("clean_media", ["--dry-run", "--hours", "-1"]),
]


def test_commands_answer_hostile_arguments_with_a_message(catalog, tmp_path, monkeypatch):
    """Every command that takes user input ends with a CommandError (a message) or does its
    work; none ends with a traceback."""
    (tmp_path / "files").mkdir()
    for label, (_name, content) in FILES.items():
        if NUL not in label:
            (tmp_path / "files" / label).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    failures = []
    for command, args in COMMAND_CASES:
        try:
            call_command(command, *args, stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError:
            pass
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if _ours(f.filename)] or frames
            where = f"{_short(ours[-1].filename)}:{ours[-1].lineno}"
            shown = " ".join(a if len(a) < 40 else a[:20] + f"…({len(a)} chars)" for a in args)
            failures.append(
                f"manage.py {command} {shown} → {type(exc).__name__}: {str(exc)[:200]} [{where}]"
            )
    TALLY["commands"] += len(COMMAND_CASES)
    assert not failures, "commands ending in a traceback:\n" + "\n".join(failures)


# --- The typical cases, answered as they should be ----------------------------------------------


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_nul_byte_anywhere_is_a_chinese_400_before_any_view(world):
    client = _client(world["people"].office)
    for url in (
        "/reports/indicators/%00/",
        "/reports/departments/AGRI%00/",
        f"/reports/values/{world['value'].pk}%00/",
        "/reports/overview/?period=%00",
        "/reports/inbox/?department=AGRI%00",
        "/reports/form/?%00=1",
        "/admin/reports/reportedvalue/?q=%00",
    ):
        for who in (client, _client()):
            response = who.get(url)
            assert response.status_code == 400, url
            page = response.content.decode()
            assert "请求无效" in page and "空字符" in page, url
    response = client.post("/reports/periods/", {"period": "2026Q4\x00", "deadline": "2027-01-15"})
    assert response.status_code == 400
    assert not ReportingPeriod.objects.filter(period="2026Q4").exists()


def test_a_cookie_with_a_nul_byte_is_ignored_not_a_server_error(world):
    client = _client(world["people"].owner)
    client.cookies["sessionid"] = "abc\x00def"
    response = client.get("/reports/form/")
    assert response.status_code == 302  # no session: to the login page
    assert response["Location"].startswith("/accounts/login/")


def test_refusals_read_in_chinese():
    assert "页面不存在" in Client().get("/no-such-page/").content.decode()
    nobody = UserFactory(username="nobody-at-all")
    response = _client(nobody).get("/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    page = render_to_string("500.html")  # rendered with no request and no database
    assert "服务器出错" in page and "{%" not in page


def test_the_admin_refuses_an_empty_to_field_and_a_bad_export_filter(world):
    client = _client(world["people"].admin)
    indicator = Indicator.objects.order_by("pk").first()
    for url in (
        f"/admin/indicators/indicator/{indicator.pk}/change/?_to_field=",
        f"/admin/indicators/indicator/{indicator.pk}/delete/?_to_field=",
        "/admin/indicators/target/export/?year=abc",
        "/admin/indicators/indicator/export/?no_such_field=1",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "筛选或查找参数无效" in response.content.decode()
    # The changelist itself still answers a bad filter its own way.
    response = client.get("/admin/indicators/target/?year=abc")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_ids_in_the_inbox_that_are_not_ids_are_left_out(world):
    value = world["value"]
    response = _client(world["people"].office).post(
        "/reports/inbox/",
        {
            "value_ids": ["abc", "1.5", str(10**30), "-1", "１", "", str(value.pk)],
            "qualitative_ids": [LONG, str(2**63)],
        },
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.state == ValueState.APPROVED


def test_a_15_digit_value_is_a_form_error_in_chinese(world):
    owner = world["people"].owner
    agri = owner.membership.department
    sheet = department_form(agri, Period.parse(QUARTER))
    row = next(r for r in sheet.value_rows if r.indicator.max_value is None and r.editable_state)
    response = _client(owner).post(
        f"/reports/form/?period={QUARTER}",
        {
            "action": "save",
            f"value_{row.key}": "123456789012345",
            f"note_{row.key}": "",
            f"version_{row.key}": row.value.version if row.value else 0,
        },
    )
    assert response.status_code == 200
    assert "超出可保存的范围" in response.content.decode()
    assert not ReportedValue.objects.filter(
        indicator=row.indicator, department=agri, value=Decimal("123456789012345")
    ).exists()


def test_a_bad_period_or_deadline_is_a_form_error_in_chinese(world):
    client = _client(world["people"].office)
    response = client.post("/reports/periods/", {"period": "2026Q5", "deadline": "2026-02-30"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "请按季度填写期间" in page and "有效的日期" in page
    response = client.post("/reports/periods/", {"period": LONG, "deadline": "99999-01-01"})
    assert response.status_code == 200
    response = client.post("/reports/periods/", {"action": "close", "period": "abc"})
    assert response.status_code == 404
