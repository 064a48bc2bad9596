"""The final assessment page and its downloads (xlsx, PDF, csv).

The office sees the region and any department; a department user sees its own department's
table only, whatever the URL asks (another department's answers 404, as everywhere).
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from departments.access import is_office
from departments.models import Department
from reports.access import department_for_user, scorecard_scope, staff_required
from reports.scorecards.pdf import render_pdf

from .render import display_sections, render_csv, render_html, render_xlsx
from .selectors import default_year, final_assessment, target_years, year_ended

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


def _department(request) -> Department | None:
    """The department the table is for: a department user's own, always; the office's choice
    (None: region-wide)."""
    code = (request.GET.get("department") or "").strip()
    own = scorecard_scope(request.user)  # 404 for anyone who is neither
    if own is not None:
        return department_for_user(request.user, code) if code else own
    return department_for_user(request.user, code) if code else None


def _year(request, years: list[int], *, strict: bool) -> int | None:
    text = (request.GET.get("year") or "").strip()
    if text:
        try:
            year = int(text)
        except ValueError:
            year = None
        if year in years:
            return year
        if strict:
            raise Http404
        messages.warning(
            request,
            _("“%(text)s”年没有目标，已显示默认的目标年份。") % {"text": text[:20]},
        )
    return default_year(years)


@staff_required
def assessment(request):
    """Every target of a target year: met or not, by how much, and who answers for it."""
    department = _department(request)
    years = target_years()
    year = _year(request, years, strict=False)
    data = final_assessment(year, department=department) if year is not None else None
    query = {"year": year} | ({"department": department.code} if department else {})
    return render(
        request,
        "reports/assessment.html",
        {
            "assessment": data,
            "sections": display_sections(data) if data else [],
            "years": [(y, year_ended(y)) for y in years],
            "year": year,
            "department": department,
            "departments": (
                Department.objects.current().order_by("code") if is_office(request.user) else []
            ),
            "query": urlencode(query),
        },
    )


@staff_required
def assessment_file(request, kind: str):
    if kind not in CONTENT_TYPES:
        raise Http404
    department = _department(request)
    year = _year(request, target_years(), strict=True)
    if year is None:
        raise Http404
    data = final_assessment(year, department=department)
    if kind == "pdf":
        try:
            content = render_pdf(render_html(data, created_at=timezone.now()))
        except Exception:  # the browser that prints is missing or failed: say so on the page
            logger.exception("printing the final assessment failed")
            messages.error(request, _("PDF 生成失败，请稍后重试或下载 xlsx。"))
            return redirect(reverse("reports:assessment") + "?" + request.GET.urlencode())
    elif kind == "xlsx":
        content = render_xlsx(data)
    else:
        content = render_csv(data)
    where = (department.short_name_zh or department.code) if department else _("全区")
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    filename = _("期末评估-%(year)s-%(where)s.%(kind)s") % {
        "year": year,
        "where": where,
        "kind": kind,
    }
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
