"""The import page: upload, dry-run preview, confirmation, progress; and blank templates."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from departments.access import role_of
from departments.choices import Role
from departments.models import Department
from reports.access import job_for_user, office_required
from reports.models import ImportJob

from .forms import ImportUploadForm
from .parsing import ImportFileError
from .services import (
    import_job_confirm,
    import_job_create,
    import_job_discard,
    import_job_retry,
)
from .tasks import import_job_start, import_job_write
from .templates import import_template as build_template
from .templates import template_choices

RUNNING = (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING)
#: The catalogue is imported in the admin, by administrators only.
ADMIN_SCREENS = {
    "departments": "departments_department",
    "indicators": "indicators_indicator",
    "targets": "indicators_target",
    "responsibilities": "indicators_responsibility",
}


@office_required
def imports(request):
    """Upload a file of reported values; it is checked (dry run) before anything is written."""
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("reports:imports")
        try:
            job = import_job_create(
                upload=form.cleaned_data["file"],
                department=form.cleaned_data["department"],
                acting_user=request.user,
            )
        except ImportFileError as exc:
            messages.error(request, str(exc))
            return redirect("reports:imports")
        import_job_start(job)
        return redirect("reports:import_job", pk=job.pk)
    is_admin = role_of(request.user) == Role.ADMIN and request.user.is_staff
    templates = [
        {
            "key": key,
            "title": title,
            "admin_url": reverse(f"admin:{ADMIN_SCREENS[key]}_import")
            if is_admin and key in ADMIN_SCREENS
            else None,
        }
        for key, title in template_choices()
    ]
    context = {
        "jobs": ImportJob.objects.visible_to(request.user).select_related(
            "created_by", "department"
        )[:20],
        "departments": Department.objects.current().order_by("code"),
        "templates": templates,
    }
    return render(request, "reports/imports.html", context)


@office_required
def import_template(request, resource: str, kind: str):
    """A blank file to fill in, with Chinese headers (see ``reports.exchange.templates``)."""
    try:
        filename, data = build_template(resource, kind)
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
    job = job_for_user(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action", "import")
        if action == "retry":
            if import_job_retry(job, acting_user=request.user):
                job.refresh_from_db()
                import_job_start(job)
            else:
                messages.error(request, _("只有失败的导入可以重新检查。"))
        elif action == "discard":
            if import_job_discard(job, acting_user=request.user):
                messages.success(request, _("已放弃该导入，文件已删除。"))
            else:
                messages.error(request, _("该导入已完成或正在进行，不能放弃。"))
        elif import_job_confirm(job, acting_user=request.user):
            import_job_write(job)
        else:
            messages.error(request, _("该文件不能导入：请先处理预览中的错误。"))
        return redirect("reports:import_job", pk=job.pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "processed": job.processed,
                "total": job.total,
                "counts": job.counts,
                "message": job.message,
                "finished": job.status
                not in (ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING),
            }
        )
    return render(request, "reports/import_job.html", {"job": job})
