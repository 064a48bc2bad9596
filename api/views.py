"""The API's pages: its root listing, the tokens page, and a JSON 404 under ``/api/``."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from reports.access import staff_required

from .base import ApiViewMixin
from .forms import ApiTokenForm
from .models import ApiToken
from .services import TokenError, api_token_create, api_token_revoke

#: The resources of ``/api/v1/``, as the root lists them (name → URL name).
RESOURCES = {
    "documents": "api:document-list",
    "indicators": "api:indicator-list",
    "targets": "api:target-list",
    "tasks": "api:task-list",
    "departments": "api:department-list",
    "responsibilities": "api:responsibility-list",
    "periods": "api:period-list",
    "values": "api:value-list",
    "qualitative_reports": "api:qualitative-report-list",
    "gaps": "api:gap-list",
    "scorecards": "api:scorecard-list",
    "scorecard_runs": "api:scorecard-run-list",
    "assessment": "api:assessment",
}


@extend_schema(exclude=True)
class RootView(ApiViewMixin, APIView):
    """Where everything is: the resources, the schema, its documentation, the tokens page."""

    permission_classes = [AllowAny]

    def get(self, request):
        url = request.build_absolute_uri
        return Response(
            {
                "v1": {name: url(reverse(target)) for name, target in RESOURCES.items()},
                "schema": url(reverse("api:schema")),
                "docs": url(reverse("api:docs")),
                "tokens": url(reverse("api:tokens")),
                "documentation": "docs/api.md",
            }
        )


@extend_schema(exclude=True)
class NotFoundView(ApiViewMixin, APIView):
    """Any other path under ``/api/``: a JSON 404, as the resources answer."""

    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    get = options = http_method_not_allowed


@never_cache
@staff_required
def tokens(request):
    """The user's API tokens: create one (its key is shown once, here), or revoke one."""
    form = ApiTokenForm()
    created = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token = ApiToken.objects.filter(
                user=request.user, pk=_id(request.POST.get("token"))
            ).first()
            if token is None:
                raise Http404
            if api_token_revoke(token=token):
                messages.success(request, _("已撤销令牌：%(name)s") % {"name": token.name})
            return redirect("api:tokens")
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, key = api_token_create(user=request.user, name=form.cleaned_data["name"])
            except TokenError as exc:
                form.add_error("name", str(exc))
            else:
                created = {"token": token, "key": key}
                form = ApiTokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "created": created,
            "tokens": ApiToken.objects.filter(user=request.user),
            "api_root": request.build_absolute_uri(reverse("api:root")),
            "docs_url": reverse("api:docs"),
        },
    )


def _id(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None
