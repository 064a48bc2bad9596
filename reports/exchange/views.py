"""The import page: upload, dry-run preview, confirmation, progress; and blank templates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from departments.access import role_of
from departments.choices import Role
from departments.models import Department
from reports.access import job_for_user, office_required
from reports.models import ImportColumnMapping, ImportJob

from .forms import ImportUploadForm, NameConfirmForm
from .parsing import ImportFileError
from .services import (
    import_job_confirm,
    import_job_confirm_name,
    import_job_create,
    import_job_discard,
    import_job_map_columns,
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
        _job_action(request, job, request.POST.get("action", "import"))
        return redirect("reports:import_job", pk=job.pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": job.status,
                "processed": job.processed,
                "total": job.total,
                "counts": job.counts,
                "message": job.message,
                "finished": job.status not in RUNNING,
            }
        )
    preview = job.preview or {}
    return render(
        request,
        "reports/import_job.html",
        {
            "job": job,
            "preview": preview,
            "fields": ImportColumnMapping.Field.choices,
            "unrecognised": [
                (sheet["name"], column)
                for sheet in preview.get("sheets", [])
                for column in sheet.get("columns", [])
                if column["header"] and not column["field"] and not column["ignored"]
            ],
        },
    )


def _job_action(request, job: ImportJob, action: str) -> None:
    """What the office asked of a job on its page: import, check again, discard, say what a
    column holds, or say what a name means."""
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
    elif action == "map":
        headers = request.POST.getlist("header")
        chosen = request.POST.getlist("field")
        mapping = {h: f for h, f in zip(headers, chosen, strict=False) if h and f}
        if import_job_map_columns(
            job,
            mapping=mapping,
            acting_user=request.user,
            remember=request.POST.get("remember") == "on",
        ):
            job.refresh_from_db()
            import_job_start(job)
            messages.success(request, _("已按指定的列重新检查。"))
        else:
            messages.error(request, _("请为至少一列选择对应的字段。"))
    elif action == "name":
        form = NameConfirmForm(request.POST)
        try:
            confirmed = form.is_valid() and import_job_confirm_name(
                job,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                target_id=form.cleaned_data["target"],
                acting_user=request.user,
            )
        except ValidationError as exc:  # the name is already another row's
            messages.error(request, " ".join(exc.messages))
            return
        if confirmed:
            job.refresh_from_db()
            import_job_start(job)
            messages.success(
                request,
                _("已记住“%(text)s”的写法，并重新检查。") % {"text": form.cleaned_data["text"]},
            )
        else:
            messages.error(request, _("无法确认该名称，请重新选择。"))
    elif import_job_confirm(
        job, acting_user=request.user, accept_flags=request.POST.get("accept_flags") == "on"
    ):
        import_job_write(job)
    elif job.counts.get("flags") and not job.errors:
        messages.error(request, _("请先核对标出的数值，勾选确认后再导入。"))
    else:
        messages.error(request, _("该文件不能导入：请先处理预览中的错误。"))
