"""Reporting views: the department's quarterly form, value history, the office's review.

Every object comes through ``reports.access``; the department, state and reviewer never come from
the request.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from departments.access import is_office
from departments.models import Department
from indicators.models import Indicator
from indicators.selectors import departments_with_responsibilities
from reports.access import (
    form_department_for,
    office_required,
    report_for_user,
    value_for_user,
)
from reports.choices import PeriodStatus, ValueSource
from reports.models import QualitativeReport, ReportedValue, ReportingPeriod
from reports.periods import Period

from .forms import DepartmentReportForm, FollowupForm, ReportingPeriodForm, ReviewForm
from .rules import RuleViolation, range_text
from .selectors import (
    completeness,
    default_reporting_period,
    department_form,
    followup_values,
    inbox_next,
    inbox_qualitative,
    inbox_values,
    previous_report,
    reporting_deadline,
    review_contexts,
)
from .services import (
    StaleValueError,
    WorkflowError,
    department_submit,
    qualitative_report_save_draft,
    reported_value_followup_set,
    reported_value_save_draft,
    reporting_period_set,
    row_approve,
    row_reopen,
    row_return,
)


def quarter_from(request) -> Period:
    """The quarter a page shows: ``?period=2026Q3``, or the quarter now being reported."""
    text = (request.GET.get("period") or "").strip().upper()
    if text:
        try:
            period = Period.parse(text)
            if period.kind == "Q":
                return period
        except ValueError:
            pass
        messages.warning(
            request,
            _("“%(text)s”不是有效的季度，已显示当前填报季度。") % {"text": text[:20]},
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
    code = request.GET.get("department") or request.POST.get("department") or ""
    department, read_only = form_department_for(request.user, code)

    quarter = quarter_from(request)
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
    cleaned = form.cleaned_data
    saved = 0
    for row in form.value_rows:
        key = row.key
        saved += _save_row(
            form,
            data,
            key,
            main=f"value_{key}",
            version=f"version_{key}",
            save=lambda row=row, key=key: reported_value_save_draft(
                indicator=row.indicator,
                department=department,
                period=row.period.id,
                value=cleaned.get(f"value_{key}"),
                note=(cleaned.get(f"note_{key}") or "").strip(),
                evidence=cleaned.get(f"evidence_{key}"),
                acting_user=request.user,
                expected_version=cleaned.get(f"version_{key}"),
                quarter=quarter,
            ),
        )
    for row in form.qualitative_rows:
        key = row.key
        saved += _save_row(
            form,
            data,
            key,
            main=f"status_{key}",
            version=f"qversion_{key}",
            save=lambda row=row, key=key: qualitative_report_save_draft(
                task=row.task,
                indicator=row.indicator,
                department=department,
                period=row.period.id,
                status=cleaned.get(f"status_{key}") or "",
                narrative=(cleaned.get(f"narrative_{key}") or "").strip(),
                acting_user=request.user,
                expected_version=cleaned.get(f"qversion_{key}"),
            ),
        )

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


def _save_row(form, data, key: str, *, main: str, version: str, save) -> bool:
    """Save one row of the form through its service; a refusal becomes an error at its field.

    A row with an error of its own is not saved. After a save the page carries the row's new
    version. On a conflict it keeps what was typed, shows the newer value, and takes the newer
    version: saving again is then a deliberate overwrite by someone who has seen the change.
    """
    if form.row_errors(key):
        return False
    try:
        with transaction.atomic():
            row, changed = save()
    except StaleValueError as exc:
        form.add_error(main, str(exc))
        data[version] = exc.current_version
        return False
    except RuleViolation as exc:
        form.add_error(f"{exc.field}_{key}" if exc.field != "value" else main, str(exc))
        return False
    except WorkflowError as exc:
        form.add_error(main, str(exc))
        return False
    if row is not None:
        data[version] = row.version
    return changed


# --- A value and its history ----------------------------------------------------------------


@login_required
def value_detail(request, pk: int):
    value = value_for_user(request.user, pk)
    changes = value.changes.select_related("changed_by").order_by("-changed_at", "-id")
    _label_expected_ranges([value])
    return render(
        request,
        "reports/value_detail.html",
        {
            "value": value,
            "review": review_contexts([value])[value.pk],
            "changes": changes,
            "review_form": ReviewForm() if is_office(request.user) else None,
            "can_review": is_office(request.user),
            "inbox_query": _inbox_query(request.GET),
        },
    )


@login_required
def value_evidence(request, pk: int):
    value = value_for_user(request.user, pk)
    if not value.evidence:
        raise Http404
    return FileResponse(
        value.evidence.open("rb"),
        as_attachment=True,
        filename=value.evidence_name or value.evidence.name.rsplit("/", 1)[-1],
    )


@login_required
def qualitative_detail(request, pk: int):
    report = report_for_user(request.user, pk)
    changes = report.changes.select_related("changed_by").order_by("-changed_at", "-id")
    return render(
        request,
        "reports/qualitative_detail.html",
        {
            "report": report,
            "previous": previous_report(report),
            "changes": changes,
            "review_form": ReviewForm() if is_office(request.user) else None,
            "can_review": is_office(request.user),
            "inbox_query": _inbox_query(request.GET),
        },
    )


def _review(request, row, detail_url: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if query := _inbox_query(request.GET):
        detail_url = f"{detail_url}?{query}"  # a refusal keeps the reviewer in the inbox's round
    form = ReviewForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(detail_url)
    action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
    seen = form.cleaned_data.get("version")
    done = False
    try:
        if action == "approve":
            row_approve(row, acting_user=request.user, comment=comment, expected_version=seen)
            messages.success(request, _("已审核通过：%(row)s") % {"row": row})
        elif action == "return":
            row_return(row, acting_user=request.user, comment=comment, expected_version=seen)
            messages.success(request, _("已退回：%(row)s") % {"row": row})
        else:
            row_reopen(row, acting_user=request.user, reason=comment, expected_version=seen)
            messages.success(request, _("已重新打开：%(row)s") % {"row": row})
        done = action in ("approve", "return")
    except (WorkflowError, StaleValueError) as exc:
        messages.error(request, str(exc))
    if done and "inbox" in request.GET:
        # Reviewing from the inbox: on to the next item waiting under the same filter.
        return redirect(_next_in_inbox(request, row))
    next_url = request.POST.get("next") or ""
    safe = next_url.startswith("/reports/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    )
    return redirect(next_url if safe else detail_url)


@office_required
def value_review(request, pk: int):
    value = value_for_user(request.user, pk)
    return _review(request, value, reverse("reports:value_detail", args=[pk]))


@office_required
def value_followup(request, pk: int):
    """The office marks a value for follow-up, or takes the mark off (recorded in its history)."""
    value = value_for_user(request.user, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    detail_url = reverse("reports:value_detail", args=[pk])
    if query := _inbox_query(request.GET):
        detail_url = f"{detail_url}?{query}"
    form = FollowupForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(detail_url)
    followup = form.cleaned_data["followup"]
    _row, changed = reported_value_followup_set(
        value, followup=followup, acting_user=request.user, comment=form.cleaned_data["comment"]
    )
    if changed:
        done = _("已标记跟进：%(row)s") if followup else _("已取消跟进：%(row)s")
        messages.success(request, done % {"row": value})
    return redirect(detail_url)


def _label_expected_ranges(values) -> None:
    """Each value's expected range when it was written, as the pages show it."""
    for value in values:
        value.expected_text = range_text(value.expected_low, value.expected_high)


@office_required
def qualitative_review(request, pk: int):
    report = report_for_user(request.user, pk)
    return _review(request, report, reverse("reports:qualitative_detail", args=[pk]))


# --- The office ---------------------------------------------------------------------------------


INBOX_FILTERS = ("department", "period", "indicator")
#: Values marked for follow-up listed under the inbox, newest first.
FOLLOWUPS_SHOWN = 200


def _inbox_query(params) -> str:
    """The inbox's filter as a query string that a review page carries (``inbox=1`` marks a
    review started from the inbox, even with no filter)."""
    if "inbox" not in params:
        return ""
    query = {"inbox": "1"} | {k: params[k] for k in INBOX_FILTERS if params.get(k)}
    return urlencode(query)


def _inbox_filters(request) -> dict:
    """The inbox's filter from the query string: department, period and indicator (or None)."""
    params = request.GET
    department = Department.objects.filter(code=params.get("department") or "").first()
    indicator = Indicator.objects.filter(code=params.get("indicator") or "").first()
    period = (params.get("period") or "").strip().upper() or None
    if period:
        try:
            period = Period.parse(period).id
        except ValueError:
            if request.method == "GET":
                messages.warning(request, _("“%(text)s”不是有效的期间。") % {"text": period[:20]})
            period = None
    return {"department": department, "period": period, "indicator": indicator}


def _next_in_inbox(request, row) -> str:
    """The review page of the next item waiting under the inbox filter, or the inbox itself."""
    filters = _inbox_filters(request)
    query = _inbox_query(request.GET)
    following = inbox_next(**filters, after=row)
    if isinstance(following, ReportedValue):
        return f"{reverse('reports:value_detail', args=[following.pk])}?{query}"
    if isinstance(following, QualitativeReport):
        return f"{reverse('reports:qualitative_detail', args=[following.pk])}?{query}"
    messages.info(request, _("筛选范围内已没有待审核的项目。"))
    rest = urlencode({k: v for k, v in request.GET.items() if k in INBOX_FILTERS and v})
    return reverse("reports:inbox") + (f"?{rest}" if rest else "")


@office_required
def inbox(request):
    """Submissions waiting for review, filtered, each beside the figure before it, its target
    and whether it stands out; several can be approved at once."""
    filters = _inbox_filters(request)
    department, period, indicator = (filters[k] for k in INBOX_FILTERS)

    if request.method == "POST":
        # Each ticked row goes through the same workflow service, under its own lock; a row
        # that is no longer waiting (another reviewer got there first) is refused by name.
        approved, failed = 0, []
        values = ReportedValue.objects.visible_to(request.user).filter(
            pk__in=_ids(request.POST.getlist("value_ids"))
        )
        reports = QualitativeReport.objects.visible_to(request.user).filter(
            pk__in=_ids(request.POST.getlist("qualitative_ids"))
        )
        for row in [*values, *reports]:
            kind = "value" if isinstance(row, ReportedValue) else "qualitative"
            seen = request.POST.get(f"{kind}_version_{row.pk}", "")
            try:
                row_approve(
                    row,
                    acting_user=request.user,
                    expected_version=int(seen) if seen.isascii() and seen.isdigit() else None,
                )
                approved += 1
            except (WorkflowError, StaleValueError) as exc:
                failed.append(str(exc))
        if approved:
            messages.success(request, _("已审核通过 %(n)d 项。") % {"n": approved})
        for error in failed:
            messages.error(request, error)
        if not approved and not failed:
            messages.warning(request, _("请先勾选要审核通过的项目。"))
        return redirect(request.get_full_path())

    values = list(inbox_values(department=department, period=period, indicator=indicator))
    contexts = review_contexts(values)
    for value in values:
        value.review = contexts[value.pk]
    followups = list(followup_values()[:FOLLOWUPS_SHOWN])
    _label_expected_ranges([*values, *followups])
    query = {"inbox": "1"} | {
        k: request.GET[k] for k in INBOX_FILTERS if request.GET.get(k) and filters[k]
    }
    return render(
        request,
        "reports/inbox.html",
        {
            "values": values,
            "followups": followups,
            "followups_shown": FOLLOWUPS_SHOWN,
            "qualitative": inbox_qualitative(department=department, period=period),
            "departments": Department.objects.current().order_by("code"),
            "selected": {"department": department, "period": period or "", "indicator": indicator},
            "review_query": urlencode(query),
        },
    )


@office_required
def periods(request):
    """Open a quarter for entry with a deadline, or close it."""
    form = ReportingPeriodForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "open")
        if action in ("close", "reopen"):
            reporting_period = ReportingPeriod.objects.filter(
                period=(request.POST.get("period") or "")[:6]
            ).first()
            if reporting_period is None:
                raise Http404
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
    quarter = quarter_from(request)
    rows = completeness(quarter, departments_with_responsibilities())
    rows = [r for r in rows if r.expected]
    deadline, deadline_is_default = reporting_deadline(quarter)
    demo = (
        ReportedValue.objects.visible_to(request.user)
        .filter(
            source=ValueSource.DEMO,
            period__in=[
                quarter.id,
                str(quarter.year),
                f"{quarter.year}S{(quarter.number + 1) // 2}",
            ],
        )
        .exists()
    )
    return render(
        request,
        "reports/completeness.html",
        {
            "quarter": quarter,
            "rows": rows,
            "deadline": deadline,
            "deadline_is_default": deadline_is_default,
            "default_days": settings.REPORTING_DEFAULT_DEADLINE_DAYS,
            "demo": demo,
            "totals": {
                "expected": sum(r.expected for r in rows),
                "submitted": sum(r.submitted for r in rows),
                "approved": sum(r.approved for r in rows),
            },
        },
    )


def _ids(values: list[str]) -> list[int]:
    """The ids ticked in a list; anything that is not an id is left out (it matches no row)."""
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]
