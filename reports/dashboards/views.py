"""Dashboard views: the region overview, indicator pages and department pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from departments.models import Department
from indicators.choices import Category
from indicators.models import Document
from indicators.selectors import departments_with_responsibilities
from qualityhub.spreadsheets import write_csv, write_xlsx
from reports.access import (
    department_for_user,
    indicator_for_user,
    indicator_scope,
    office_required,
)
from reports.exchange.exports import value_rows
from reports.models import Scorecard
from reports.periods import Period
from reports.reporting.selectors import completeness
from reports.reporting.views import quarter_from

from .selectors import (
    department_statuses,
    indicator_page_data,
    indicator_values,
)
from .selectors import (
    overview as build_overview,
)


@office_required
def overview(request):
    """The whole region at a glance, for the office and admins."""
    quarter = quarter_from(request)
    documents = list(
        Document.objects.filter(kind="plan").defer("source_text").order_by("issued_year")
    )
    document = request.GET.get("document") or None
    if document and document not in {d.code for d in documents}:
        document = None
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    department = (
        Department.objects.current().filter(code=request.GET.get("department") or "").first()
    )
    data = build_overview(
        quarter=quarter, document=document, category=category, department=department
    )
    return render(
        request,
        "reports/overview.html",
        {
            "quarter": quarter,
            "data": data,
            "documents": documents,
            "categories": Category.choices,
            "departments": Department.objects.current().order_by("code"),
            "selected": {"document": document, "category": category, "department": department},
        },
    )


VALUES_SHOWN = 60  # the page lists the latest values; the downloads have them all


@login_required
def indicator_page(request, code: str):
    scope = indicator_scope(request.user)
    indicator = indicator_for_user(request.user, code)
    if scope is None:
        department = Department.objects.filter(code=request.GET.get("department") or "").first()
    else:
        department = scope[0]
    data = indicator_page_data(indicator, scope=scope, department=department, shown=VALUES_SHOWN)
    return render(
        request,
        "reports/indicator.html",
        {
            "indicator": indicator,
            **data,
            "department": department,
            "limited": scope is not None,
            "values_shown": VALUES_SHOWN,
        },
    )


@login_required
def indicator_download(request, code: str, kind: str):
    """The indicator's values the user may see, as csv or xlsx (formula cells neutralised)."""
    scope = indicator_scope(request.user)
    if kind not in ("csv", "xlsx"):
        raise Http404
    indicator = indicator_for_user(request.user, code)
    rows = value_rows(indicator_values(indicator, scope))
    if kind == "csv":
        data, content_type = write_csv(DOWNLOAD_COLUMNS, rows), "text/csv; charset=utf-8"
    else:
        data = write_xlsx(DOWNLOAD_COLUMNS, rows, title=indicator.code[:31])
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{indicator.code}.{kind}"'
    return response


DOWNLOAD_COLUMNS = (
    "indicator_code",
    "indicator",
    "unit",
    "department_code",
    "department",
    "period",
    "value",
    "state",
    "source",
    "demo",
    "note",
    "updated_at",
)


@login_required
def department_page(request, code: str):
    department = department_for_user(request.user, code)
    quarter = quarter_from(request)
    record = []
    q = quarter
    for _i in range(4):
        record.extend(completeness(q, [department]))
        q = q.previous()
    return render(
        request,
        "reports/department.html",
        {
            "department": department,
            "quarter": quarter,
            "statuses": department_statuses(department, quarter),
            "record": [(r, p) for r, p in zip(record, _quarters_back(quarter, 4), strict=True)],
            "scorecards": Scorecard.objects.visible_to(request.user)
            .filter(department=department)
            .order_by("-created_at")[:8],
            "has_duty": department in departments_with_responsibilities(),
        },
    )


def _quarters_back(quarter: Period, n: int) -> list[Period]:
    out = []
    for _i in range(n):
        out.append(quarter)
        quarter = quarter.previous()
    return out
