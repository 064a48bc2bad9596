"""Importing files of reported values: the write, and an import job's life on the import page.

A job is created from an upload, checked (the dry run), confirmed, written; or it fails, with
the reason on its page, and may be checked again or discarded. Whatever goes wrong while a job
is checked or written, even a worker process that dies under it, the job ends as failed, never
stuck at "checking" or "importing".
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.models import Department
from departments.services import department_alias_save
from indicators.models import Indicator
from indicators.services import indicator_alias_save
from qualityhub.spreadsheets import MAX_BYTES
from reports.access import require_office
from reports.choices import ChangeVia
from reports.models import ImportColumnMapping, ImportJob

from .checking import CHANGES_SHOWN, ImportPreview, parse_values_file
from .layout import fold
from .parsing import ImportFileError
from .writing import ImportedValue, reported_values_import

logger = logging.getLogger(__name__)

Status = ImportJob.Status


def import_values(
    preview: ImportPreview,
    *,
    acting_user,
    on_progress=None,
    accept_flags: bool = False,
    via: str = ChangeVia.IMPORT,
) -> dict[str, int]:
    """Write a checked file: all of it or, if anything fails, none of it.

    Only the office and administrators import (``acting_user=None`` is the command line). A
    file with values that look like a scale mistake is written only once the office has
    confirmed them (``accept_flags``). The counts returned are what was written, read afresh
    under lock: a value changed by someone else since the preview is compared as it is now.
    ``on_progress(rows_done)`` is called as the rows are written and at the end. ``via`` is
    the path the history records (``api`` for a dataValueSet sent to the API).
    """
    require_office(acting_user)
    if not preview.ok:
        raise ImportFileError(_("文件有错误，未导入任何数据。"))
    if preview.flags and not accept_flags:
        raise ImportFileError(
            _(
                "有 %(n)d 个数值需要核对（单位或比例可能有误，或超出该部门历史预期范围），"
                "请在预览中核对并确认后再导入。"
            )
            % {"n": len(preview.flags)}
        )
    rows = [
        ImportedValue(
            r.row,
            r.indicator.pk,
            r.department.pk,
            r.period,
            r.value,
            r.note,
            r.sheet if preview.sheets_named else "",
        )
        for r in preview.rows
    ]
    try:
        counts = reported_values_import(
            rows,
            acting_user=acting_user,
            filename=preview.filename,
            on_progress=on_progress,
            via=via,
        )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "57014":  # query_canceled
            raise
        raise ImportFileError(
            _("写入超时（可能有另一个导入正在进行），未导入任何数据，请稍后重试。")
        ) from exc
    return {
        **counts,
        "errors": 0,
        "skipped": len(preview.skipped),
        "flags": len(preview.flags),
    }


# --- Import jobs ----------------------------------------------------------------------------


def import_job_create(
    *, upload: UploadedFile, department: Department | None, acting_user
) -> ImportJob:
    """Keep an uploaded file as a job waiting for its check. Raises ImportFileError."""
    require_office(acting_user)
    if upload.size > MAX_BYTES:
        raise ImportFileError(_("文件超过 %(mb)d MB，不能导入。") % {"mb": MAX_BYTES // 2**20})
    if not upload.size:
        raise ImportFileError(_("文件是空的。"))
    job = ImportJob(
        filename=(upload.name or "upload")[:200],
        size=upload.size,
        created_by=acting_user,
        status=Status.CHECKING,
        stage_started_at=timezone.now(),
        background=upload.size > settings.IMPORT_BACKGROUND_BYTES,
        department=department,
    )
    job.file.save(upload.name or "upload", upload, save=False)
    job.save()
    return job


def import_job_check(job: ImportJob) -> None:
    """Dry run of a job's file: store counts and row errors for the preview page.

    Whatever goes wrong, the job leaves "checking": previewed, or failed with the reason.
    """
    try:
        with transaction.atomic():  # a database error here must not spoil recording the failure
            preview = _check(job)
    except ImportFileError as exc:
        import_job_fail(job, str(exc), status=Status.CHECKING)
        return
    except Exception:
        logger.exception("import job %s: check failed", job.pk)
        import_job_fail(job, _unexpected(), status=Status.CHECKING)
        return
    ImportJob.objects.filter(pk=job.pk, status=Status.CHECKING).update(
        status=Status.PREVIEWED,
        counts=preview.counts,
        errors=[e.as_dict() for e in preview.errors[:CHANGES_SHOWN]],
        preview=preview.as_dict(),
        total=len(preview.rows),
        message="",
    )


def _check(job: ImportJob) -> ImportPreview:
    """The dry run of a job's file, with the columns the office has mapped for its department."""
    mapping = ImportColumnMapping.objects.for_department(job.department)
    mapping.update(job.mapping or {})
    return parse_values_file(_read(job), job.filename, department=job.department, mapping=mapping)


def import_job_confirm(job: ImportJob, *, acting_user, accept_flags: bool = False) -> bool:
    """The office confirms a clean preview; False if the job cannot be imported as it stands
    (errors, nothing to write, or values that need confirming and were not confirmed)."""
    require_office(acting_user)
    job.refresh_from_db()
    if job.counts.get("flags") and not accept_flags:
        return False
    preview = {**(job.preview or {}), "flags_accepted": bool(accept_flags)}
    confirmed = ImportJob.objects.filter(
        pk=job.pk, status=Status.PREVIEWED, errors=[], total__gt=0
    ).update(
        preview=preview,
        status=Status.IMPORTING,
        processed=0,
        deliveries=0,
        confirmed_by=acting_user,
        stage_started_at=timezone.now(),
    )
    return bool(confirmed)


def import_job_run(job: ImportJob) -> None:
    """Write a confirmed job's file (all or nothing), recording progress as it goes.

    The values and the job's "done" are committed together: a worker that dies after the write
    leaves the job importing, never done without its values or written twice over.
    """
    job.refresh_from_db()
    if job.status != Status.IMPORTING:
        return  # already written, failed or discarded: a late delivery does nothing twice
    try:
        with transaction.atomic():
            preview = _check(job)
            counts = _import_with_progress(preview, job)
            ImportJob.objects.filter(pk=job.pk, status=Status.IMPORTING).update(
                status=Status.DONE, counts=counts, processed=len(preview.rows), message=""
            )
    except ImportFileError as exc:
        import_job_fail(job, str(exc), status=Status.IMPORTING)
    except Exception:
        logger.exception("import job %s: import failed", job.pk)
        import_job_fail(job, _unexpected(), status=Status.IMPORTING)


def import_job_fail(job: ImportJob, message: str, *, status: str) -> None:
    """End a job that is still at ``status`` (checking or importing) as failed, with the reason.

    Nothing of it was written; the counts say so (one error: the reason).
    """
    ImportJob.objects.filter(pk=job.pk, status=status).update(
        status=Status.FAILED, message=message, counts={"errors": 1}, errors=[]
    )


def import_job_delivery(job_id: int, status: str) -> ImportJob | None:
    """Count one delivery of a job's task for the step at ``status``; the job, or None.

    None when the job has moved on (a late or repeated delivery) or has had enough: a task
    whose worker died is delivered again, and a file that kills its worker every time would be
    delivered for ever, so after ``IMPORT_MAX_DELIVERIES`` deliveries of one step the job ends
    as failed instead.
    """
    counted = ImportJob.objects.filter(pk=job_id, status=status).update(
        deliveries=F("deliveries") + 1
    )
    job = ImportJob.objects.filter(pk=job_id, status=status).first() if counted else None
    if job is None:
        return None
    if job.deliveries > settings.IMPORT_MAX_DELIVERIES:
        import_job_fail(
            job,
            _(
                "处理该文件的后台进程意外终止了 %(n)d 次，已停止处理，未导入任何数据。"
                "文件可能过大或已损坏；可重新检查，或放弃后拆分文件再上传。"
            )
            % {"n": job.deliveries - 1},
            status=status,
        )
        return None
    return job


def import_jobs_sweep(*, now=None) -> int:
    """End as failed every job stuck checking or importing past ``IMPORT_STALE_MINUTES``.

    A job checked in the web request itself has no redelivery: if that process dies (a
    timeout, a restart), or a background job's message is lost with the broker, nothing else
    would ever end it. Returns how many jobs it ended.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    ended = 0
    for job in ImportJob.objects.filter(
        status__in=[Status.CHECKING, Status.IMPORTING], stage_started_at__lt=cutoff
    ):
        ended += ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=Status.FAILED,
            counts={"errors": 1},
            errors=[],
            message=_(
                "处理中断：超过 %(m)d 分钟仍未完成（处理它的进程可能已终止），未导入任何数据。"
                "可重新检查，或放弃该导入。"
            )
            % {"m": settings.IMPORT_STALE_MINUTES},
        )
    return ended


@transaction.atomic
def import_job_map_columns(
    job: ImportJob, *, mapping: dict[str, str], acting_user, remember: bool = True
) -> bool:
    """The office says what unrecognised columns hold (header → field, or "ignore"), and the
    job is checked again with them. ``remember`` keeps them for the department's next file
    (the job's chosen department, or every department's file when none was chosen)."""
    require_office(acting_user)
    allowed = set(ImportColumnMapping.Field.values)
    mapping = {fold(h)[:200]: f for h, f in mapping.items() if fold(h) and f in allowed}
    job = (
        ImportJob.objects.select_for_update()
        .filter(pk=job.pk, status__in=[Status.PREVIEWED, Status.FAILED])
        .first()
    )
    if not mapping or job is None:
        return False
    if remember:
        for header, chosen in mapping.items():
            ImportColumnMapping.objects.update_or_create(
                department=job.department,
                header=header,
                defaults={"field": chosen, "created_by": acting_user},
            )
    return _check_again(
        job, [Status.PREVIEWED, Status.FAILED], mapping={**(job.mapping or {}), **mapping}
    )


def import_column_mapping_delete(mapping: ImportColumnMapping, *, acting_user) -> None:
    """Forget a remembered column mapping: the department's next file is read without it."""
    require_office(acting_user)
    deleted, _by_model = ImportColumnMapping.objects.filter(pk=mapping.pk).delete()
    if deleted:
        logger.info(
            "import column mapping %r → %s (department %s) deleted by %s",
            mapping.header,
            mapping.field,
            mapping.department_id,
            acting_user,
        )


@transaction.atomic
def import_job_confirm_name(
    job: ImportJob, *, kind: str, text: str, target_id: int, acting_user
) -> bool:
    """The office confirms that a name the file writes means an indicator or department (one of
    the preview's suggestions, or another it chose): the name is kept as an alias, so this file
    and the next find it, and the job is checked again."""
    require_office(acting_user)
    job = (
        ImportJob.objects.select_for_update()
        .filter(pk=job.pk, status__in=[Status.PREVIEWED, Status.FAILED])
        .first()
    )
    if job is None:
        return False
    if kind == "indicator":
        indicator = Indicator.objects.filter(pk=target_id).first()
        if indicator is None:
            return False
        indicator_alias_save(
            indicator=indicator, name=text, source="office", acting_user=acting_user
        )
    elif kind == "department":
        department = Department.objects.current().filter(pk=target_id).first()
        if department is None:
            return False
        department_alias_save(name=text, department=department, acting_user=acting_user)
    else:
        return False
    return _check_again(job, [Status.PREVIEWED, Status.FAILED])


def import_job_retry(job: ImportJob, *, acting_user) -> bool:
    """Check a failed job's file again from the start."""
    require_office(acting_user)
    return _check_again(job, [Status.FAILED])


def _check_again(job: ImportJob, statuses: list[str], **changes) -> bool:
    """Send a job in one of ``statuses`` back to be checked from the start (the caller starts
    the check); False when it is in none of them."""
    return bool(
        ImportJob.objects.filter(pk=job.pk, status__in=statuses).update(
            status=Status.CHECKING,
            message="",
            counts={},
            errors=[],
            preview={},
            total=0,
            processed=0,
            deliveries=0,
            stage_started_at=timezone.now(),
            **changes,
        )
    )


def import_job_discard(job: ImportJob, *, acting_user) -> bool:
    """Give up a job that was not imported; its file is removed."""
    require_office(acting_user)
    discarded = ImportJob.objects.filter(
        pk=job.pk, status__in=[Status.FAILED, Status.PREVIEWED]
    ).update(status=Status.DISCARDED)
    if discarded and job.file:
        job.file.delete(save=False)
    return bool(discarded)


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


def _unexpected() -> str:
    return _("处理文件时发生意外错误，未导入任何数据。请重新检查；如仍失败，请联系系统管理员。")


def _import_with_progress(preview: ImportPreview, job: ImportJob) -> dict[str, int]:
    """Import a job's file, writing its progress where the page can see it mid-transaction.

    Progress goes through a second, autocommitting connection (PostgreSQL only: SQLite, the
    embedded mode, allows one writer at a time, and its imports are small).
    """
    writer = job.confirmed_by or job.created_by
    accept = bool((job.preview or {}).get("flags_accepted"))
    if connection.vendor != "postgresql":
        return import_values(preview, acting_user=writer, accept_flags=accept)
    progress = connections.create_connection("default")

    def report(done: int) -> None:
        with progress.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportJob._meta.db_table} SET processed = %s WHERE id = %s",
                [done, job.pk],
            )

    try:
        return import_values(preview, acting_user=writer, on_progress=report, accept_flags=accept)
    finally:
        progress.close()
