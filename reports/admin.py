from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from departments.access import is_office
from departments.admin import SafeFieldsAdmin

from .choices import ChangeAction, ChangeVia, ValueSource, ValueState
from .exchange.parsing import ImportFileError
from .exchange.resources import ReportedValueImportResource, ReportedValueResource, ValuesFile
from .exchange.services import import_column_mapping_delete
from .models import (
    GapResult,
    ImportColumnMapping,
    ImportJob,
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
    Scorecard,
    ScorecardRun,
    ValueBounds,
)
from .periods import Period
from .reporting.rules import (
    RuleViolation,
    bounds_problem,
    reporting_period_problem,
    value_problem,
)
from .reporting.services import (
    StaleValueError,
    WorkflowError,
    reported_value_write,
    reporting_period_set,
    row_approve,
    row_reopen,
    row_return,
    value_bounds_delete,
    value_bounds_set,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the app itself (computed results, records of jobs): looked up here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChangeActionFilter(admin.SimpleListFilter):
    """The history's ``action`` by its label (the field is stored without choices)."""

    title = _("操作")
    parameter_name = "action__exact"

    def lookups(self, request, model_admin):
        return ChangeAction.choices

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ReportedValueChangeInline(admin.TabularInline):
    model = ReportedValueChange
    extra = 0
    can_delete = False
    fields = (
        "changed_at",
        "changed_by",
        "via",
        "get_action_display",
        "old_value",
        "new_value",
        "old_state",
        "new_state",
        "comment",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReportedValueAdminForm(forms.ModelForm):
    """An office correction: the figure and note (and, for a new value, what it is a figure of).

    The workflow state is not a field: it changes only by the review actions of the list, which
    call the workflow services. The checks are the services' own rules, run here as well so
    that a problem shows on the form with everything typed kept.
    """

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReportedValue
        # Evidence files are attached through the reporting form, which stores them safely.
        fields = ("indicator", "department", "period", "value", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = self.instance.version if self.instance.pk else 0
        if self.instance.pk:
            for name in ("indicator", "department", "period"):
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        indicator, value = cleaned.get("indicator"), cleaned.get("value")
        if (
            indicator is not None
            and value is not None
            and (problem := value_problem(indicator, value))
        ):
            self.add_error("value", problem)
        if self.instance.pk:
            current = ReportedValue.objects.filter(pk=self.instance.pk).first()
            if current is not None and current.version != cleaned.get("expected_version"):
                raise forms.ValidationError(str(StaleValueError(current)))
        return cleaned


class ReviewActionForm(ActionForm):
    """The list's action bar, with the comment a return or reopen needs."""

    comment = forms.CharField(
        label=_("审核意见 / 原因"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"size": 40}),
    )


class ReviewActionsMixin:
    """Approve, return and reopen from the list, through the workflow services."""

    action_form = ReviewActionForm
    actions = ["approve_selected", "return_selected", "reopen_selected"]

    def _review(self, request, queryset, step, success: str) -> None:
        comment = request.POST.get("comment", "")
        done, failed = 0, []
        for row in queryset:
            try:
                step(row, acting_user=request.user, comment=comment)
                done += 1
            except (WorkflowError, PermissionDenied) as exc:
                failed.append(str(exc) or _("无权执行此操作。"))
        if done:
            self.message_user(request, success % {"n": done}, messages.SUCCESS)
        for error in dict.fromkeys(failed):
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("审核通过所选的已提交项"))
    def approve_selected(self, request, queryset):
        self._review(
            request,
            queryset,
            lambda row, **kw: row_approve(row, via=ChangeVia.ADMIN, **kw),
            _("已审核通过 %(n)d 项。"),
        )

    @admin.action(description=_("退回所选的已提交项（须填写审核意见）"))
    def return_selected(self, request, queryset):
        self._review(
            request,
            queryset,
            lambda row, **kw: row_return(row, via=ChangeVia.ADMIN, **kw),
            _("已退回 %(n)d 项。"),
        )

    @admin.action(description=_("重新打开所选的已审核项（须填写原因）"))
    def reopen_selected(self, request, queryset):
        self._review(
            request,
            queryset,
            lambda row, comment, **kw: row_reopen(row, via=ChangeVia.ADMIN, reason=comment, **kw),
            _("已重新打开 %(n)d 项。"),
        )


class ServiceErrorsMixin:
    """A service that refuses at the last moment (a race with another writer) is a message on
    the form page, never a server error; nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (StaleValueError, RuleViolation, WorkflowError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(ReportedValue)
class ReportedValueAdmin(
    ServiceErrorsMixin, ReviewActionsMixin, SafeFieldsAdmin, ImportExportModelAdmin
):
    """Edits go through :func:`reports.reporting.services.reported_value_write`, and review
    through the workflow services, so every change enters the value's history.

    Imports go through :mod:`reports.exchange` (see :class:`ReportedValueResource`); the history
    records them, so the admin log does not. Values are never deleted here: their history would
    go with them.
    """

    resource_classes = [ReportedValueResource]
    import_formats = [ValuesFile]
    skip_admin_log = True

    def get_import_resource_classes(self, request):
        return [ReportedValueImportResource]

    list_display = (
        "indicator",
        "department",
        "period",
        "value",
        "state",
        "source",
        "outlier",
        "followup",
        "updated_at",
    )
    list_filter = ("state", "source", "outlier", "followup", "period", "department")
    search_fields = ("indicator__code", "indicator__name_zh", "department__name_zh", "period")
    autocomplete_fields = ("indicator", "department")
    list_select_related = ("indicator", "department")
    readonly_fields = (
        "state",
        "source",
        "document",
        "clause",
        "quote",
        "version",
        "updated_by",
        "updated_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_comment",
        "outlier",
        "expected_low",
        "expected_high",
        "followup",
    )
    inlines = [ReportedValueChangeInline]
    form = ReportedValueAdminForm

    def has_import_permission(self, request) -> bool:
        return is_office(request.user) and super().has_import_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_import(self, request, **kwargs):
        """The confirmation: a write refused at this point (another import holding the values
        past the time limit, say) is a message on the import page, and nothing is written."""
        try:
            return super().process_import(request, **kwargs)
        except ImportFileError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reports_reportedvalue_import"))

    def save_model(self, request, obj: ReportedValue, form, change: bool) -> None:
        if change:
            # A correction keeps the value's state, source and citation; only figure and note.
            current = ReportedValue.objects.get(pk=obj.pk)
            state, source = None, current.source
            citation = (current.document, current.clause, current.quote)
        else:
            state, source, citation = ValueState.APPROVED, ValueSource.ADMIN, (None, "", "")
        saved, _changed = reported_value_write(
            indicator=obj.indicator,
            department=obj.department,
            period=obj.period,
            value=obj.value,
            note=obj.note,
            state=state,
            source=source,
            document=citation[0],
            clause=citation[1],
            quote=citation[2],
            acting_user=request.user,
            via=ChangeVia.ADMIN,
            expected_version=form.cleaned_data.get("expected_version"),
        )
        obj.pk = saved.pk if saved is not None else obj.pk


@admin.register(ReportedValueChange)
class ReportedValueChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "reported_value",
        "changed_at",
        "changed_by",
        "via",
        "get_action_display",
        "old_value",
        "new_value",
        "new_state",
    )
    list_filter = ("via", ChangeActionFilter)
    fields = (
        "reported_value",
        "changed_at",
        "changed_by",
        "via",
        "get_action_display",
        "old_value",
        "new_value",
        "old_note",
        "new_note",
        "old_state",
        "new_state",
        "comment",
    )
    readonly_fields = fields
    list_select_related = ("reported_value__indicator", "reported_value__department", "changed_by")


@admin.register(GapResult)
class GapResultAdmin(ReadOnlyAdmin):
    """Written by the gap engine only (``compute_gaps``)."""

    list_display = ("indicator", "department", "period", "actual", "target_value", "gap", "status")
    list_filter = ("status", "period")
    list_select_related = ("indicator", "department")


class ReportingPeriodAdminForm(forms.ModelForm):
    class Meta:
        model = ReportingPeriod
        fields = ("period", "deadline", "status")

    def clean_period(self):
        text = (self.cleaned_data.get("period") or "").strip().upper()
        try:
            period = Period.parse(text)
        except ValueError:
            raise forms.ValidationError(_("请按季度填写期间，例如 2026Q3。")) from None
        if problem := reporting_period_problem(period):
            raise forms.ValidationError(problem)
        return period.id


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """Opened and closed through :func:`reports.reporting.services.reporting_period_set`, as on
    the office's periods page."""

    form = ReportingPeriodAdminForm
    list_display = ("period", "deadline", "status", "changed_by", "changed_at")
    list_filter = ("status",)
    readonly_fields = ("changed_by", "changed_at")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closing a quarter is the way to stop entry

    def save_model(self, request, obj, form, change):
        saved = reporting_period_set(
            period=Period.parse(obj.period),
            deadline=obj.deadline,
            status=obj.status,
            acting_user=request.user,
        )
        obj.pk = saved.pk


class QualitativeReportChangeInline(admin.TabularInline):
    model = QualitativeReportChange
    extra = 0
    can_delete = False
    fields = (
        "changed_at",
        "changed_by",
        "via",
        "get_action_display",
        "get_old_status_display",
        "get_new_status_display",
        "get_old_state_display",
        "get_new_state_display",
        "comment",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QualitativeReport)
class QualitativeReportAdmin(ReviewActionsMixin, admin.ModelAdmin):
    """Written through the department form; reviewed here by the list's actions or on the
    office's pages."""

    list_display = ("__str__", "status", "state", "updated_at")
    list_filter = ("state", "status", "period", "department")
    list_select_related = ("task", "indicator", "department")
    inlines = [QualitativeReportChangeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # The list's review actions need change permission; the change form itself is
        # read-only (every field below).
        return is_office(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(QualitativeReportChange)
class QualitativeReportChangeAdmin(ReadOnlyAdmin):
    list_display = (
        "report",
        "changed_at",
        "changed_by",
        "get_action_display",
        "get_new_state_display",
    )
    list_filter = (ChangeActionFilter,)
    fields = (
        "report",
        "changed_at",
        "changed_by",
        "via",
        "get_action_display",
        "get_old_status_display",
        "get_new_status_display",
        "old_narrative",
        "new_narrative",
        "get_old_state_display",
        "get_new_state_display",
        "comment",
    )
    readonly_fields = fields
    list_select_related = ("report__task", "report__indicator", "report__department", "changed_by")


@admin.register(ScorecardRun)
class ScorecardRunAdmin(ReadOnlyAdmin):
    list_display = ("period", "department", "total", "created_by", "created_at")
    list_select_related = ("department", "created_by")


@admin.register(Scorecard)
class ScorecardAdmin(ReadOnlyAdmin):
    """Snapshots are written by the rendering job only; here they can be looked up."""

    list_display = ("department", "period", "created_at", "run")
    list_filter = ("period", "department")
    list_select_related = ("department", "run")
    exclude = ("html",)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Import jobs are run from the import page (``/reports/imports/``)."""

    list_display = ("filename", "status", "created_by", "created_at", "total")
    list_filter = ("status",)


@admin.register(ImportColumnMapping)
class ImportColumnMappingAdmin(ReadOnlyAdmin):
    """Mappings are made on an import job's page; a wrong one is deleted here (through the
    service), and the next file is read without it."""

    list_display = ("header", "field", "department", "created_by", "created_at")
    list_filter = ("field",)
    list_select_related = ("department", "created_by")
    search_fields = ("header",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("reports.delete_importcolumnmapping")

    def delete_model(self, request, obj):
        import_column_mapping_delete(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                import_column_mapping_delete(obj, acting_user=request.user)


class ValueBoundsAdminForm(forms.ModelForm):
    """The office's expected range for an indicator × department; the service's own check runs
    here too, so that a problem shows on the form."""

    class Meta:
        model = ValueBounds
        fields = ("indicator", "department", "low", "high", "note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # another pair is another range: add it
            for name in ("indicator", "department"):
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        ends = (cleaned.get("low"), cleaned.get("high"))
        if "low" in cleaned and "high" in cleaned and (problem := bounds_problem(*ends)):
            self.add_error("low", problem)
        return cleaned


@admin.register(ValueBounds)
class ValueBoundsAdmin(ServiceErrorsMixin, SafeFieldsAdmin):
    """Set and removed through :func:`reports.reporting.services.value_bounds_set` and
    :func:`~reports.reporting.services.value_bounds_delete` (docs/data-quality.md)."""

    form = ValueBoundsAdminForm
    list_display = ("indicator", "department", "low", "high", "changed_by", "changed_at")
    list_filter = ("department",)
    search_fields = ("indicator__code", "indicator__name_zh", "department__name_zh")
    autocomplete_fields = ("indicator", "department")
    list_select_related = ("indicator", "department", "changed_by")
    readonly_fields = ("changed_by", "changed_at")

    def save_model(self, request, obj, form, change):
        saved = value_bounds_set(
            indicator=obj.indicator,
            department=obj.department,
            low=obj.low,
            high=obj.high,
            note=obj.note,
            acting_user=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        value_bounds_delete(obj, acting_user=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                value_bounds_delete(obj, acting_user=request.user)
