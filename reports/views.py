"""Reporting views: the department's quarterly form, value history, the office's review.

Every object comes through ``reported_values_visible_to`` / ``qualitative_reports_visible_to``
or the user's own membership; the department, state and reviewer never come from the request.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from departments.access import department_of, is_department_user, is_office
from departments.models import Department
from indicators.models import Indicator

from .choices import PeriodStatus, ValueState
from .forms import DepartmentReportForm, ReportingPeriodForm, ReviewForm
from .models import ReportingPeriod
from .periods import Period
from .selectors import (
    completeness,
    default_reporting_period,
    department_form,
    inbox_qualitative,
    inbox_values,
    qualitative_reports_visible_to,
    reported_values_visible_to,
)
from .services import (
    StaleValueError,
    WorkflowError,
    department_submit,
    qualitative_report_save_draft,
    reported_value_save_draft,
    reporting_period_set,
    row_approve,
    row_reopen,
    row_return,
)


def office_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_office(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _quarter_from(request) -> Period:
    text = (request.GET.get("period") or "").strip().upper()
    if text:
        try:
            period = Period.parse(text)
            if period.kind == "Q":
                return period
        except ValueError:
            pass
        messages.warning(
            request, _("“%(text)s”不是有效的季度，已显示当前填报季度。") % {"text": text}
        )
    return default_reporting_period()


def _form_url(period: Period, department: Department | None = None) -> str:
    query = {"period": period.id}
    if department is not None:
        query["department"] = department.code
    return f"{reverse('reports:form')}?{urlencode(query)}"


# --- The department's form ------------------------------------------------------------------


@login_required
def department_form_view(request):
    """GET: the quarter's form. POST (department users): save drafts, or save and submit.

    Rows without errors are saved even when another row has one, so nothing typed is lost:
    the page comes back with every typed value in place and the errors beside their fields.
    """
    if is_department_user(request.user):
        department, read_only = department_of(request.user), False
    elif is_office(request.user):
        code = request.GET.get("department") or request.POST.get("department") or ""
        department = get_object_or_404(Department.objects.current(), code=code)
        read_only = True
    else:
        raise PermissionDenied

    quarter = _quarter_from(request)
    sheet = department_form(department, quarter)
    if request.method == "POST":
        if read_only:
            raise PermissionDenied
        return _post_department_form(request, department, quarter, sheet)
    form = None if read_only else DepartmentReportForm(sheet)
    return _render_form(request, sheet, form, read_only)


def _render_form(request, sheet, form, read_only, status=200):
    periods = [sheet.period.previous().previous(), sheet.period.previous(), sheet.period]
    if sheet.period.next().start <= default_reporting_period().next().start:
        periods.append(sheet.period.next())
    return render(
        request,
        "reports/department_form.html",
        {
            "sheet": sheet,
            "form": form,
            "read_only": read_only,
            "counts": sheet.counts(),
            "periods": periods,
            "reporting_period": ReportingPeriod.objects.filter(period=sheet.period.id).first(),
        },
        status=status,
    )


def _post_department_form(request, department, quarter, sheet):
    action = request.POST.get("action", "save")
    form = DepartmentReportForm(sheet, request.POST, request.FILES)
    form.is_valid()  # errors are per row; valid rows are still saved below
    data = request.POST.copy()
    saved = 0
    for row in form.value_rows:
        key = row.key
        if form.row_errors(key):
            continue
        cleaned = form.cleaned_data
        try:
            with transaction.atomic():
                rv, changed = reported_value_save_draft(
                    indicator=row.indicator,
                    department=department,
                    period=row.period.id,
                    value=cleaned.get(f"value_{key}"),
                    note=(cleaned.get(f"note_{key}") or "").strip(),
                    evidence=cleaned.get(f"evidence_{key}"),
                    acting_user=request.user,
                    expected_version=cleaned.get(f"version_{key}"),
                    quarter=quarter,
                )
        except StaleValueError as exc:
            # Keep what was typed, show the newer value, and take the newer version: saving
            # again is then a deliberate overwrite by someone who has seen the other change.
            form.add_error(f"value_{key}", str(exc))
            data[f"version_{key}"] = exc.current.version
            continue
        except WorkflowError as exc:
            form.add_error(f"value_{key}", str(exc))
            continue
        if rv is not None:
            data[f"version_{key}"] = rv.version
        saved += changed
    for row in form.qualitative_rows:
        key = row.key
        if form.row_errors(key):
            continue
        cleaned = form.cleaned_data
        try:
            with transaction.atomic():
                report, changed = qualitative_report_save_draft(
                    task=row.task,
                    indicator=row.indicator,
                    department=department,
                    period=row.period.id,
                    status=cleaned.get(f"status_{key}") or "",
                    narrative=(cleaned.get(f"narrative_{key}") or "").strip(),
                    acting_user=request.user,
                    expected_version=cleaned.get(f"qversion_{key}"),
                )
        except StaleValueError as exc:
            form.add_error(f"status_{key}", str(exc))
            data[f"qversion_{key}"] = exc.current.version
            continue
        except WorkflowError as exc:
            form.add_error(f"status_{key}", str(exc))
            continue
        if report is not None:
            data[f"qversion_{key}"] = report.version
        saved += changed

    if form.errors:
        messages.error(
            request,
            _("有 %(n)d 处需要修改，见标红的字段；其余 %(saved)d 项已保存为草稿。")
            % {"n": sum(len(e) for e in form.errors.values()), "saved": saved},
        )
        # Show the page again with what was typed, and the new versions of saved rows.
        sheet = department_form(department, quarter)
        again = DepartmentReportForm(sheet, data, request.FILES)
        again.is_valid()
        for name, errors in form.errors.items():
            for error in errors:
                if error not in again.errors.get(name, []):
                    again.add_error(name if name in again.fields else None, error)
        return _render_form(request, sheet, again, False, status=200)

    if action == "submit":
        try:
            count = department_submit(
                department=department, quarter=quarter, acting_user=request.user
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已提交 %(n)d 项，等待领导小组办公室审核。") % {"n": count})
    else:
        messages.success(request, _("已保存草稿（%(n)d 项有修改）。") % {"n": saved})
    return redirect(_form_url(quarter))


# --- A value and its history ----------------------------------------------------------------


@login_required
def value_detail(request, pk: int):
    value = get_object_or_404(reported_values_visible_to(request.user), pk=pk)
    changes = value.changes.select_related("changed_by").order_by("-changed_at", "-id")
    return render(
        request,
        "reports/value_detail.html",
        {
            "value": value,
            "changes": changes,
            "review_form": ReviewForm() if is_office(request.user) else None,
            "can_review": is_office(request.user),
        },
    )


@login_required
def value_evidence(request, pk: int):
    value = get_object_or_404(reported_values_visible_to(request.user), pk=pk)
    if not value.evidence:
        raise Http404
    return FileResponse(
        value.evidence.open("rb"),
        as_attachment=True,
        filename=value.evidence_name or value.evidence.name.rsplit("/", 1)[-1],
    )


@login_required
def qualitative_detail(request, pk: int):
    report = get_object_or_404(qualitative_reports_visible_to(request.user), pk=pk)
    changes = report.changes.select_related("changed_by").order_by("-changed_at", "-id")
    return render(
        request,
        "reports/qualitative_detail.html",
        {
            "report": report,
            "changes": changes,
            "review_form": ReviewForm() if is_office(request.user) else None,
            "can_review": is_office(request.user),
        },
    )


def _review(request, row, detail_url: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(detail_url)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    try:
        if action == "approve":
            row_approve(row, acting_user=request.user, comment=comment)
            messages.success(request, _("已审核通过：%(row)s") % {"row": row})
        elif action == "return":
            row_return(row, acting_user=request.user, comment=comment)
            messages.success(request, _("已退回：%(row)s") % {"row": row})
        else:
            row_reopen(row, acting_user=request.user, reason=comment)
            messages.success(request, _("已重新打开：%(row)s") % {"row": row})
    except WorkflowError as exc:
        messages.error(request, str(exc))
    next_url = request.POST.get("next") or ""
    return redirect(next_url if next_url.startswith("/reports/") else detail_url)


@office_required
def value_review(request, pk: int):
    value = get_object_or_404(reported_values_visible_to(request.user), pk=pk)
    return _review(request, value, reverse("reports:value_detail", args=[pk]))


@office_required
def qualitative_review(request, pk: int):
    report = get_object_or_404(qualitative_reports_visible_to(request.user), pk=pk)
    return _review(request, report, reverse("reports:qualitative_detail", args=[pk]))


# --- The office ---------------------------------------------------------------------------------


@office_required
def inbox(request):
    """Submissions waiting for review, filtered; several can be approved at once."""
    department = Department.objects.filter(code=request.GET.get("department") or "").first()
    indicator = Indicator.objects.filter(code=request.GET.get("indicator") or "").first()
    period = (request.GET.get("period") or "").strip().upper() or None
    if period:
        try:
            period = Period.parse(period).id
        except ValueError:
            messages.warning(request, _("“%(text)s”不是有效的期间。") % {"text": period})
            period = None

    if request.method == "POST":
        approved, failed = 0, []
        values = reported_values_visible_to(request.user).filter(
            pk__in=request.POST.getlist("value_ids"), state=ValueState.SUBMITTED
        )
        reports = qualitative_reports_visible_to(request.user).filter(
            pk__in=request.POST.getlist("qualitative_ids"), state=ValueState.SUBMITTED
        )
        for row in [*values, *reports]:
            try:
                row_approve(row, acting_user=request.user)
                approved += 1
            except WorkflowError as exc:
                failed.append(str(exc))
        if approved:
            messages.success(request, _("已审核通过 %(n)d 项。") % {"n": approved})
        for error in failed:
            messages.error(request, error)
        if not approved and not failed:
            messages.warning(request, _("请先勾选要审核通过的项目。"))
        return redirect(request.get_full_path())

    return render(
        request,
        "reports/inbox.html",
        {
            "values": inbox_values(department=department, period=period, indicator=indicator),
            "qualitative": inbox_qualitative(department=department, period=period),
            "departments": Department.objects.current().order_by("code"),
            "selected": {"department": department, "period": period or "", "indicator": indicator},
        },
    )


@office_required
def periods(request):
    """Open a quarter for entry with a deadline, or close it."""
    form = ReportingPeriodForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "open")
        if action in ("close", "reopen"):
            reporting_period = get_object_or_404(ReportingPeriod, period=request.POST.get("period"))
            reporting_period_set(
                period=Period.parse(reporting_period.period),
                deadline=reporting_period.deadline,
                status=PeriodStatus.CLOSED if action == "close" else PeriodStatus.OPEN,
                acting_user=request.user,
            )
            messages.success(request, _("已更新：%(p)s") % {"p": reporting_period.period})
            return redirect("reports:periods")
        if form.is_valid():
            reporting_period_set(
                period=form.cleaned_data["period"],
                deadline=form.cleaned_data["deadline"],
                status=PeriodStatus.OPEN,
                acting_user=request.user,
            )
            messages.success(
                request, _("已开放填报：%(p)s") % {"p": form.cleaned_data["period"].id}
            )
            return redirect("reports:periods")
    return render(
        request,
        "reports/periods.html",
        {"form": form, "periods": ReportingPeriod.objects.select_related("changed_by")},
    )


@office_required
def completeness_view(request):
    from departments.selectors import departments_with_responsibilities

    quarter = _quarter_from(request)
    rows = completeness(quarter, departments_with_responsibilities())
    rows = [r for r in rows if r.expected]
    from .models import ReportedValue

    demo = ReportedValue.objects.filter(
        source="demo",
        period__in=[quarter.id, str(quarter.year), f"{quarter.year}S{(quarter.number + 1) // 2}"],
    ).exists()
    return render(
        request,
        "reports/completeness.html",
        {
            "quarter": quarter,
            "rows": rows,
            "reporting_period": ReportingPeriod.objects.filter(period=quarter.id).first(),
            "demo": demo,
            "totals": {
                "expected": sum(r.expected for r in rows),
                "submitted": sum(r.submitted for r in rows),
                "approved": sum(r.approved for r in rows),
            },
        },
    )


# --- Scorecards -----------------------------------------------------------------------------


def _scorecards_visible_to(user):
    from .models import Scorecard

    scorecards = Scorecard.objects.select_related("department", "run")
    if is_office(user):
        return scorecards
    department = department_of(user)
    return scorecards.filter(department=department) if department else scorecards.none()


@login_required
def scorecards(request):
    """Snapshots for a quarter; the office renders all, a department renders its own."""
    from .scorecard_service import scorecard_run_start

    if not (is_office(request.user) or is_department_user(request.user)):
        raise PermissionDenied
    quarter = _quarter_from(request)
    if request.method == "POST":
        department = None if is_office(request.user) else department_of(request.user)
        run = scorecard_run_start(quarter=quarter, acting_user=request.user, department=department)
        return redirect("reports:scorecard_run", pk=run.pk)
    snapshots = _scorecards_visible_to(request.user).filter(period=quarter.id)
    latest = {}
    for snapshot in snapshots.order_by("department__code", "-created_at"):
        latest.setdefault(snapshot.department_id, snapshot)
    return render(
        request,
        "reports/scorecards.html",
        {"quarter": quarter, "snapshots": list(latest.values()), "all": snapshots.count()},
    )


@login_required
def scorecard_run(request, pk: int):
    from .models import ScorecardRun
    from .scorecard_service import scorecard_run_progress

    runs = ScorecardRun.objects.all()
    if not is_office(request.user):
        runs = runs.filter(created_by=request.user)
    run = get_object_or_404(runs, pk=pk)
    progress = scorecard_run_progress(run)
    if request.GET.get("format") == "json":
        from django.http import JsonResponse

        return JsonResponse(progress)
    return render(request, "reports/scorecard_run.html", {"run": run, "progress": progress})


@login_required
def scorecard_detail(request, pk: int):
    from .scorecards import is_stale

    scorecard = get_object_or_404(_scorecards_visible_to(request.user), pk=pk)
    return render(
        request,
        "reports/scorecard_detail.html",
        {"scorecard": scorecard, "stale": is_stale(scorecard)},
    )


@login_required
@xframe_options_sameorigin
def scorecard_snapshot(request, pk: int):
    """The page exactly as it was rendered."""
    from django.http import HttpResponse

    scorecard = get_object_or_404(_scorecards_visible_to(request.user), pk=pk)
    return HttpResponse(scorecard.html)


@login_required
def scorecard_file(request, pk: int, kind: str):
    if kind not in ("pdf", "xlsx"):
        raise Http404
    scorecard = get_object_or_404(_scorecards_visible_to(request.user), pk=pk)
    field = scorecard.pdf if kind == "pdf" else scorecard.xlsx
    label = scorecard.department.short_name_zh or scorecard.department.code
    name = f"记分卡-{label}-{scorecard.period}.{kind}"
    return FileResponse(field.open("rb"), as_attachment=True, filename=name)


# --- Dashboards -------------------------------------------------------------------------------


@office_required
def overview(request):
    """The whole region at a glance, for the office and admins."""
    from indicators.choices import Category
    from indicators.models import Document

    from .dashboard import overview as build_overview

    quarter = _quarter_from(request)
    documents = list(Document.objects.filter(kind="plan").order_by("issued_year"))
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


def _indicator_scope(request, indicator):
    """Which departments' data the user may see on an indicator page (None: every one)."""
    if is_office(request.user):
        return None
    if is_department_user(request.user):
        return [department_of(request.user)]
    raise PermissionDenied


@login_required
def indicator_page(request, code: str):
    from .dashboard import indicator_page_data

    indicator = get_object_or_404(Indicator, code=code)
    scope = _indicator_scope(request, indicator)
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
    from django.http import HttpResponse

    from qualityhub.spreadsheets import write_csv, write_xlsx

    from .dashboard import indicator_values
    from .exports import value_rows

    if kind not in ("csv", "xlsx"):
        raise Http404
    indicator = get_object_or_404(Indicator, code=code)
    rows = value_rows(indicator_values(indicator, _indicator_scope(request, indicator)))
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
    from departments.selectors import departments_with_responsibilities

    from .dashboard import department_statuses
    from .models import Scorecard

    if is_office(request.user):
        department = get_object_or_404(Department.objects.current(), code=code)
    elif is_department_user(request.user) and department_of(request.user).code == code:
        department = department_of(request.user)
    else:
        raise Http404
    quarter = _quarter_from(request)
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
            "scorecards": Scorecard.objects.filter(department=department).order_by("-created_at")[
                :8
            ],
            "has_duty": department in departments_with_responsibilities(),
        },
    )


def _quarters_back(quarter: Period, n: int) -> list[Period]:
    out = []
    for _i in range(n):
        out.append(quarter)
        quarter = quarter.previous()
    return out


# --- Imports ------------------------------------------------------------------------------------


@office_required
def imports(request):
    """Upload a file of reported values; it is checked (dry run) before anything is written."""
    from django.conf import settings as django_settings

    from .imports import MAX_BYTES, import_job_check
    from .models import ImportJob
    from .tasks import import_job_task

    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的文件。"))
            return redirect("reports:imports")
        if upload.size > MAX_BYTES:
            messages.error(
                request, _("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20}
            )
            return redirect("reports:imports")
        scope = None
        if request.POST.get("department"):
            scope = Department.objects.current().filter(pk=request.POST["department"]).first()
            if scope is None:
                messages.error(request, _("所选部门不存在，请重新选择。"))
                return redirect("reports:imports")
        background = upload.size > django_settings.IMPORT_BACKGROUND_BYTES
        job = ImportJob(
            filename=upload.name[:200],
            size=upload.size,
            created_by=request.user,
            status=ImportJob.Status.CHECKING,
            background=background,
            department=scope,
        )
        job.file.save(upload.name, upload, save=False)
        job.save()
        if background:
            transaction.on_commit(lambda: import_job_task.delay(job.pk, "check"))
        else:
            import_job_check(job)
        return redirect("reports:import_job", pk=job.pk)
    from departments.access import role_of
    from departments.choices import Role

    from .import_templates import template_choices

    jobs = ImportJob.objects.select_related("created_by", "department")[:20]
    # The catalogue is imported in the admin, by administrators only.
    admin_screens = {
        "departments": "departments_department",
        "indicators": "indicators_indicator",
        "targets": "indicators_target",
        "responsibilities": "indicators_responsibility",
    }
    is_admin = role_of(request.user) == Role.ADMIN and request.user.is_staff
    templates = [
        {
            "key": key,
            "title": title,
            "admin_url": reverse(f"admin:{admin_screens[key]}_import")
            if is_admin and key in admin_screens
            else None,
        }
        for key, title in template_choices()
    ]
    context = {
        "jobs": jobs,
        "departments": Department.objects.current().order_by("code"),
        "templates": templates,
    }
    return render(request, "reports/imports.html", context)


@office_required
def import_template(request, resource: str, kind: str):
    """A blank file to fill in, with Chinese headers (see ``reports.import_templates``)."""
    from django.http import HttpResponse

    from .import_templates import import_template as build

    try:
        filename, data = build(resource, kind)
    except KeyError:
        raise Http404 from None
    content_type = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[kind]
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@office_required
def import_job(request, pk: int):
    from .imports import import_job_run
    from .models import ImportJob
    from .tasks import import_job_task

    job = get_object_or_404(ImportJob, pk=pk)
    if request.method == "POST":
        if job.status != ImportJob.Status.PREVIEWED or job.errors:
            messages.error(request, _("该文件不能导入：请先处理预览中的错误。"))
        elif job.background:
            transaction.on_commit(lambda: import_job_task.delay(job.pk, "import"))
        else:
            import_job_run(job)
        return redirect("reports:import_job", pk=job.pk)
    if request.GET.get("format") == "json":
        from django.http import JsonResponse

        return JsonResponse(
            {
                "status": job.status,
                "processed": job.processed,
                "total": job.total,
                "counts": job.counts,
                "finished": job.status in ("previewed", "done", "failed"),
            }
        )
    return render(request, "reports/import_job.html", {"job": job})
