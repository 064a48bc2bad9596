"""Every refusal of the API as one JSON shape, in the request's language.

``{"detail": message, "code": code}``, with ``fields`` (each field's messages) for invalid
input, ``field`` for a rule a figure or note breaks, and ``current`` (the row as it is now)
for a write from a stale version. The services' exceptions become:

- ``RuleViolation`` → 400, ``code: "rule_violation"`` and the ``field`` it concerns;
- ``StaleValueError`` → 409, ``code: "stale"`` with the row as it is now;
- ``WorkflowError`` → 409, ``code: "workflow"`` (a locked row, a closed period);
- ``PermissionDenied`` (the services' second line) → 403; ``Http404`` → 404.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from reports.reporting.rules import RuleViolation
from reports.reporting.services import StaleValueError, WorkflowError


class Invalid(exceptions.APIException):
    """A request the API cannot act on, with the field it concerns."""

    status_code = 400
    default_code = "invalid"

    def __init__(self, detail, *, field: str | None = None, code: str | None = None):
        super().__init__(detail, code)
        self.field = field


class RuleBroken(Invalid):
    default_code = "rule_violation"


class Conflict(exceptions.APIException):
    """The row or the period is not in a state that allows the write."""

    status_code = 409
    default_code = "workflow"


class Stale(Conflict):
    default_code = "stale"

    def __init__(self, detail, *, current: dict | None):
        super().__init__(detail)
        self.current = current


class ErrorSerializer(serializers.Serializer):
    """What every refusal of the API looks like (for the schema)."""

    detail = serializers.CharField(help_text=_("说明，按请求的语言（Accept-Language）"))
    code = serializers.CharField(help_text=_("错误代码，例如 invalid、not_found、stale"))
    field = serializers.CharField(required=False, help_text=_("规则所涉及的字段"))
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("各字段的错误"),
    )
    current = serializers.DictField(
        required=False, allow_null=True, help_text=_("版本冲突时，该记录的当前内容")
    )


@contextmanager
def service_errors(*, forbidden: str, current: Callable[[object], dict | None]):
    """Turn the write services' exceptions into the API's (see the module's docstring).

    ``forbidden`` is the message of a refusal by role; ``current`` serialises the row a stale
    write is shown.
    """
    try:
        yield
    except RuleViolation as exc:
        raise RuleBroken(str(exc), field=exc.field) from None
    except StaleValueError as exc:
        row = exc.current
        raise Stale(str(exc), current=current(row) if row is not None else None) from None
    except WorkflowError as exc:
        raise Conflict(str(exc)) from None
    except DjangoPermissionDenied:
        raise exceptions.PermissionDenied(forbidden) from None


def _flatten(data, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{field: [message, …]}`` (nested names joined by dots)."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in _flatten(value, name).items():
                out.setdefault(inner, []).extend(messages)
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict | list):
                for inner, messages in _flatten(item, prefix).items():
                    out.setdefault(inner, []).extend(messages)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(str(item))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(data))
    return out


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()))[0] if fields else str(_("输入无效。"))
        body = {"detail": first, "code": "invalid", "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, dict | list):
            fields = _flatten(detail)
            detail = next(iter(fields.values()))[0] if fields else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": str(code)}
    if getattr(exc, "field", None):
        body["field"] = exc.field
    if isinstance(exc, Stale):
        body["current"] = exc.current
    response.data = body
    return response
