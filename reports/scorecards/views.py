"""Scorecard pages: the quarter's snapshots, a rendering's progress, a snapshot and its files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from reports.access import run_for_user, scorecard_for_user, scorecard_scope, staff_required
from reports.models import Scorecard
from reports.reporting.views import quarter_from

from .services import departments_for_scorecards, is_stale, scorecard_run_progress
from .tasks import scorecard_run_start


@staff_required
def scorecards(request):
    """Snapshots for a quarter; the office renders every department's or one department's, a
    department renders its own."""
    scope = scorecard_scope(request.user)
    quarter = quarter_from(request)
    choices = departments_for_scorecards(quarter) if scope is None else []
    if request.method == "POST":
        department = scope
        code = (request.POST.get("department") or "").strip()
        if scope is None and code:
            department = next((d for d in choices if d.code == code), None)
            if department is None:
                messages.error(
                    request,
                    _("“%(code)s”不是本季度有记分卡内容的部门，请从列表中选择。")
                    % {"code": code[:30]},
                )
                return redirect(f"{reverse('reports:scorecards')}?period={quarter.id}")
        run = scorecard_run_start(quarter=quarter, acting_user=request.user, department=department)
        return redirect("reports:scorecard_run", pk=run.pk)
    snapshots = (
        Scorecard.objects.visible_to(request.user)
        .filter(period=quarter.id)
        .select_related("department", "run")
    )
    latest = {}
    for snapshot in snapshots.order_by("department__code", "-created_at"):
        latest.setdefault(snapshot.department_id, snapshot)
    return render(
        request,
        "reports/scorecards.html",
        {
            "quarter": quarter,
            "snapshots": list(latest.values()),
            "all": snapshots.count(),
            "departments": choices,
        },
    )


@login_required
def scorecard_run(request, pk: int):
    run = run_for_user(request.user, pk)
    progress = scorecard_run_progress(run)
    if request.GET.get("format") == "json":
        return JsonResponse(progress)
    return render(request, "reports/scorecard_run.html", {"run": run, "progress": progress})


@login_required
def scorecard_detail(request, pk: int):
    scorecard = scorecard_for_user(request.user, pk)
    return render(
        request,
        "reports/scorecard_detail.html",
        {"scorecard": scorecard, "stale": is_stale(scorecard)},
    )


@login_required
@xframe_options_sameorigin
def scorecard_snapshot(request, pk: int):
    """The page exactly as it was rendered."""
    return HttpResponse(scorecard_for_user(request.user, pk).html)


@login_required
def scorecard_file(request, pk: int, kind: str):
    scorecard = scorecard_for_user(request.user, pk)
    if kind not in ("pdf", "xlsx"):
        raise Http404
    field = scorecard.pdf if kind == "pdf" else scorecard.xlsx
    label = scorecard.department.short_name_zh or scorecard.department.code
    name = f"记分卡-{label}-{scorecard.period}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)
