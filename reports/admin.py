from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from departments.access import is_office

from .choices import ChangeVia, ValueSource
from .exchange.parsing import ImportFileError
from .exchange.resources import ReportedValueImportResource, ReportedValueResource, ValuesFile
from .models import (
    GapResult,
    ImportJob,
    QualitativeReport,
    QualitativeReportChange,
    ReportedValue,
    ReportedValueChange,
    ReportingPeriod,
    Scorecard,
    ScorecardRun,
)
from .reporting.services import reported_value_write


class ReportedValueChangeInline(admin.TabularInline):
    model = ReportedValueChange
    extra = 0
    can_delete = False
    fields = (
        "changed_at",
        "changed_by",
        "via",
        "action",
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
    """Checks range and staleness before the service writes, so errors show on the form."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReportedValue
        # Evidence files are attached through the reporting form, which stores them safely.
        fields = (
            "indicator",
            "department",
            "period",
            "value",
            "note",
            "state",
            "source",
            "document",
            "clause",
            "quote",
            "review_comment",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_version"].initial = (
            self.instance.version if self.instance.pk else None
        )

    def clean(self):
        cleaned = super().clean()
        indicator, value = cleaned.get("indicator"), cleaned.get("value")
        if indicator is not None and value is not None and not indicator.in_range(value):
            self.add_error("value", _("超出该指标的有效范围。"))
        if self.instance.pk:
            current = (
                ReportedValue.objects.filter(pk=self.instance.pk)
                .values_list("version", "value")
                .first()
            )
            if current and current[0] != cleaned.get("expected_version"):
                raise forms.ValidationError(
                    _("该数值已被他人修改（当前值：%(value)s），请刷新后再保存。"),
                    params={"value": current[1]},
                )
        return cleaned


@admin.register(ReportedValue)
class ReportedValueAdmin(ImportExportModelAdmin):
    """Edits go through :func:`reports.reporting.services.reported_value_write`, so they enter
    the history.

    Imports go through :mod:`reports.exchange` (see :class:`ReportedValueResource`); the history
    records them, so the admin log does not.
    """

    resource_classes = [ReportedValueResource]
    import_formats = [ValuesFile]
    skip_admin_log = True

    def get_import_resource_classes(self, request):
        return [ReportedValueImportResource]

    list_display = ("indicator", "department", "period", "value", "state", "source", "updated_at")
    list_filter = ("state", "source", "period", "department")
    search_fields = ("indicator__code", "indicator__name_zh", "department__name_zh", "period")
    autocomplete_fields = ("indicator", "department", "document")
    list_select_related = ("indicator", "department")
    readonly_fields = (
        "version",
        "updated_by",
        "updated_at",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
    )
    inlines = [ReportedValueChangeInline]
    form = ReportedValueAdminForm

    def has_import_permission(self, request) -> bool:
        return is_office(request.user) and super().has_import_permission(request)

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def save_model(self, request, obj: ReportedValue, form, change: bool) -> None:
        saved, _changed = reported_value_write(
            indicator=obj.indicator,
            department=obj.department,
            period=obj.period,
            value=obj.value,
            note=obj.note,
            state=obj.state,
            source=obj.source if change else ValueSource.ADMIN,
            document=obj.document,
            clause=obj.clause,
            quote=obj.quote,
            acting_user=request.user,
            via=ChangeVia.ADMIN,
            expected_version=form.cleaned_data.get("expected_version") if change else None,
        )
        obj.pk = saved.pk


@admin.register(ReportedValueChange)
class ReportedValueChangeAdmin(admin.ModelAdmin):
    list_display = (
        "reported_value",
        "changed_at",
        "changed_by",
        "via",
        "action",
        "old_value",
        "new_value",
        "new_state",
    )
    list_filter = ("via", "action")
    list_select_related = ("reported_value__indicator", "reported_value__department", "changed_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GapResult)
class GapResultAdmin(admin.ModelAdmin):
    list_display = ("indicator", "department", "period", "actual", "target_value", "gap", "status")
    list_filter = ("status", "period")
    list_select_related = ("indicator", "department")


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ("period", "deadline", "status", "changed_by", "changed_at")
    list_filter = ("status",)
    readonly_fields = ("changed_by", "changed_at")

    def save_model(self, request, obj, form, change):
        obj.changed_by = request.user
        super().save_model(request, obj, form, change)


class QualitativeReportChangeInline(admin.TabularInline):
    model = QualitativeReportChange
    extra = 0
    can_delete = False
    fields = (
        "changed_at",
        "changed_by",
        "via",
        "action",
        "old_status",
        "new_status",
        "old_state",
        "new_state",
        "comment",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QualitativeReport)
class QualitativeReportAdmin(admin.ModelAdmin):
    """Read-only here: qualitative reports are written through the department form."""

    list_display = ("__str__", "status", "state", "updated_at")
    list_filter = ("state", "status", "period", "department")
    list_select_related = ("task", "indicator", "department")
    inlines = [QualitativeReportChangeInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(QualitativeReportChange)
class QualitativeReportChangeAdmin(admin.ModelAdmin):
    list_display = ("report", "changed_at", "changed_by", "action", "new_state")
    list_select_related = ("report__task", "report__indicator", "report__department", "changed_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScorecardRun)
class ScorecardRunAdmin(admin.ModelAdmin):
    list_display = ("period", "department", "total", "created_by", "created_at")
    list_select_related = ("department", "created_by")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """Snapshots are written by the rendering job only; here they can be looked up."""

    list_display = ("department", "period", "created_at", "run")
    list_filter = ("period", "department")
    list_select_related = ("department", "run")
    exclude = ("html",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "status", "created_by", "created_at", "total")
    list_filter = ("status",)
    readonly_fields = ("counts", "errors", "message", "total", "processed")

    def has_add_permission(self, request) -> bool:
        return False
