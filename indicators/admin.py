"""The catalogue in the admin. Every save and delete goes through :mod:`indicators.services`
(see :class:`departments.admin.ServiceAdmin`), so an admin edit is checked like an import and
schedules the gap recomputation; the indicator page's inlines are read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from departments.admin import ReadOnlyInline, ServiceAdmin, ServiceForm
from qualityhub.resources import CatalogueImportMixin
from qualityhub.spreadsheets import format_number

from .models import (
    Document,
    Indicator,
    IndicatorAlias,
    ReportingAssignment,
    Responsibility,
    Target,
    Task,
)
from .parsing import MAX_SOURCE_BYTES, decode_source_text, parse_value
from .resources import IndicatorResource, ResponsibilityResource, TargetResource
from .services import (
    document_clean,
    document_delete,
    document_save,
    indicator_alias_clean,
    indicator_alias_delete,
    indicator_alias_save,
    indicator_clean,
    indicator_delete,
    indicator_save,
    reporting_assignment_clean,
    reporting_assignment_delete,
    reporting_assignment_save,
    responsibility_clean,
    responsibility_delete,
    responsibility_save,
    target_clean,
    target_delete,
    target_save,
    task_clean,
    task_delete,
    task_save,
)

#: Catalogue rows shown with their document: its source text (tens of kilobytes) stays behind.
WITHOUT_SOURCE_TEXT = "document__source_text"


# The fields each admin form edits, and so hands to its service.
INDICATOR_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "unit",
    "value_kind",
    "decimals",
    "min_value",
    "max_value",
    "frequency",
    "category",
    "aggregation",
    "region_department",
    "region_parts",
    "note",
)
TARGET_FIELDS = (
    "indicator",
    "document",
    "year",
    "comparator",
    "value",
    "clause",
    "quote",
    "no_quote_reason",
    "note",
)
TASK_FIELDS = (
    "code",
    "document",
    "title_zh",
    "clause",
    "quote",
    "no_quote_reason",
    "note",
)
RESPONSIBILITY_FIELDS = (
    "indicator",
    "task",
    "department",
    "department_as_written",
    "role",
    "document",
    "clause",
    "quote",
    "no_quote_reason",
    "note",
)
REPORTING_ASSIGNMENT_FIELDS = ("indicator", "department", "role", "basis")
INDICATOR_ALIAS_FIELDS = ("indicator", "name", "source", "document", "clause", "quote")


# --- Documents --------------------------------------------------------------------------------


class DocumentForm(ServiceForm):
    """A document's source text comes from an uploaded .txt (UTF-8 or GB18030), never typed."""

    instance_arg = "document"
    clean_service = staticmethod(document_clean)
    save_service = staticmethod(document_save)
    delete_service = staticmethod(document_delete)
    service_fields = (
        "code",
        "kind",
        "title_zh",
        "title_en",
        "issuer_zh",
        "issued_on",
        "issued_year",
        "date_note",
        "horizon_years",
        "source_text",
        "source_file",
        "quote_file",
        "note",
    )
    error_fields = {"source_text": "source_upload"}

    source_upload = forms.FileField(
        label=_("原文文本文件"),
        required=False,
        help_text=_(
            "文件全文的 .txt 纯文本（UTF-8 或 GB18030 编码）。引用将与之逐字核对；"
            "修改已有文件时可不上传，上传则替换原文。"
        ),
    )

    class Meta:
        model = Document
        fields = (
            "code",
            "kind",
            "title_zh",
            "title_en",
            "issuer_zh",
            "issued_on",
            "issued_year",
            "date_note",
            "horizon_years",
            "note",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source_upload"].required = not self.instance.pk
        self.fields["horizon_years"].help_text = _("年份列表，例如 [2025, 2035]。")
        self._source_text = self.instance.source_text if self.instance.pk else ""
        self._source_file = self.instance.source_file if self.instance.pk else ""

    def clean_source_upload(self):
        upload = self.cleaned_data.get("source_upload")
        if upload:
            # One byte beyond the limit is enough to refuse a file that is too large.
            data = upload.read(MAX_SOURCE_BYTES + 1)
            self._source_text = decode_source_text(data, upload.name)
            self._source_file = upload.name[-100:]
        return upload

    def service_values(self) -> dict:
        values = super().service_values()
        values["source_text"] = self._source_text
        values["source_file"] = self._source_file
        return values


@admin.register(Document)
class DocumentAdmin(ServiceAdmin):
    form = DocumentForm
    list_display = ("code", "title_zh", "kind", "issued_year", "issued_on", "source_length")
    list_filter = ("kind",)
    search_fields = ("code", "title_zh", "title_en")
    readonly_fields = ("source_file", "quote_file", "source_length")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(source_chars=Length("source_text"))
            .defer("source_text")
        )

    @admin.display(description=_("原文字数"))
    def source_length(self, obj: Document) -> str:
        chars = getattr(obj, "source_chars", None)
        return "—" if chars is None else f"{chars:,}"


# --- Indicators -------------------------------------------------------------------------------


class TargetInline(ReadOnlyInline):
    model = Target
    fields = ("document", "year", "comparator", "value", "clause", "quote")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document").defer(WITHOUT_SOURCE_TEXT)


class ResponsibilityInline(ReadOnlyInline):
    model = Responsibility
    fields = ("document", "department_as_written", "department", "role", "clause", "quote")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("document", "department")
            .defer(WITHOUT_SOURCE_TEXT)
        )


class IndicatorAliasInline(ReadOnlyInline):
    model = IndicatorAlias
    fields = ("name", "source", "document", "clause", "quote")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("document").defer(WITHOUT_SOURCE_TEXT)


class IndicatorForm(ServiceForm):
    instance_arg = "indicator"
    clean_service = staticmethod(indicator_clean)
    save_service = staticmethod(indicator_save)
    delete_service = staticmethod(indicator_delete)
    service_fields = INDICATOR_FIELDS

    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS


@admin.register(Indicator)
class IndicatorAdmin(CatalogueImportMixin, ServiceAdmin, ImportExportModelAdmin):
    form = IndicatorForm
    resource_classes = [IndicatorResource]
    list_display = ("code", "name_zh", "unit", "value_kind", "category", "frequency")
    list_filter = ("category", "value_kind", "frequency", "targets__document")
    search_fields = ("code", "name_zh", "name_en", "aliases__name")
    inlines = [IndicatorAliasInline, TargetInline, ResponsibilityInline]


class IndicatorAliasForm(ServiceForm):
    """Another name of an indicator: a document's wording (with the passage that contains it)
    or a name the office confirmed."""

    instance_arg = "alias"
    clean_service = staticmethod(indicator_alias_clean)
    save_service = staticmethod(indicator_alias_save)
    delete_service = staticmethod(indicator_alias_delete)
    service_fields = INDICATOR_ALIAS_FIELDS

    class Meta:
        model = IndicatorAlias
        fields = INDICATOR_ALIAS_FIELDS


@admin.register(IndicatorAlias)
class IndicatorAliasAdmin(ServiceAdmin):
    form = IndicatorAliasForm
    list_display = ("name", "indicator", "source", "document", "clause", "created_by", "created_at")
    list_filter = ("source", "document")
    search_fields = ("name", "indicator__code", "indicator__name_zh", "quote")
    autocomplete_fields = ("indicator", "document")
    list_select_related = ("indicator", "document", "created_by")
    readonly_fields = ("created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).defer(WITHOUT_SOURCE_TEXT)


# --- Targets ----------------------------------------------------------------------------------


class TargetForm(ServiceForm):
    """The value is typed as people write it (96.5, 96.5%, ９６．５, 1,576)."""

    instance_arg = "target"
    clean_service = staticmethod(target_clean)
    save_service = staticmethod(target_save)
    delete_service = staticmethod(target_delete)
    service_fields = TARGET_FIELDS

    value = forms.CharField(
        label=_("目标值"),
        required=False,
        help_text=_("定性指标不填；可写 96.5、96.5%（百分比指标）、1,576。"),
    )

    class Meta:
        model = Target
        fields = TARGET_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.value is not None:
            self.initial["value"] = format_number(self.instance.value)

    def clean_value(self):
        indicator = self.cleaned_data.get("indicator")
        try:
            unit = indicator.unit if indicator else ""
            return parse_value(self.cleaned_data.get("value"), unit=unit)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


@admin.register(Target)
class TargetAdmin(CatalogueImportMixin, ServiceAdmin, ImportExportModelAdmin):
    form = TargetForm
    resource_classes = [TargetResource]
    list_display = ("indicator", "document", "clause", "comparator", "value", "year")
    list_filter = ("document", "year", "comparator")
    search_fields = ("indicator__code", "indicator__name_zh", "quote", "clause")
    autocomplete_fields = ("indicator", "document")
    list_select_related = ("indicator", "document")

    def get_queryset(self, request):
        return super().get_queryset(request).defer(WITHOUT_SOURCE_TEXT)


# --- Tasks and responsibilities ---------------------------------------------------------------


class TaskForm(ServiceForm):
    instance_arg = "task"
    clean_service = staticmethod(task_clean)
    save_service = staticmethod(task_save)
    delete_service = staticmethod(task_delete)
    service_fields = TASK_FIELDS

    class Meta:
        model = Task
        fields = TASK_FIELDS


@admin.register(Task)
class TaskAdmin(ServiceAdmin):
    form = TaskForm
    list_display = ("code", "clause", "title_zh", "document")
    list_filter = ("document",)
    search_fields = ("code", "title_zh", "quote")
    autocomplete_fields = ("document",)
    list_select_related = ("document",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer(WITHOUT_SOURCE_TEXT)


class ResponsibilityForm(ServiceForm):
    instance_arg = "responsibility"
    clean_service = staticmethod(responsibility_clean)
    save_service = staticmethod(responsibility_save)
    delete_service = staticmethod(responsibility_delete)
    service_fields = RESPONSIBILITY_FIELDS

    class Meta:
        model = Responsibility
        fields = RESPONSIBILITY_FIELDS


@admin.register(Responsibility)
class ResponsibilityAdmin(CatalogueImportMixin, ServiceAdmin, ImportExportModelAdmin):
    form = ResponsibilityForm
    resource_classes = [ResponsibilityResource]
    list_display = (
        "subject",
        "department_as_written",
        "current_department_name",
        "role",
        "document",
        "clause",
    )
    list_filter = ("document", "role", "department")
    search_fields = (
        "department_as_written",
        "department__name_zh",
        "indicator__name_zh",
        "task__title_zh",
    )
    autocomplete_fields = ("indicator", "task", "department", "document")
    list_select_related = ("indicator", "task", "document", "department__successor__successor")

    def get_queryset(self, request):
        return super().get_queryset(request).defer(WITHOUT_SOURCE_TEXT)

    @admin.display(description=_("指标或任务"))
    def subject(self, obj: Responsibility) -> str:
        return str(obj.indicator or obj.task)

    @admin.display(description=_("现部门"))
    def current_department_name(self, obj: Responsibility) -> str:
        return obj.current_department.name_zh


class ReportingAssignmentForm(ServiceForm):
    instance_arg = "assignment"
    clean_service = staticmethod(reporting_assignment_clean)
    save_service = staticmethod(reporting_assignment_save)
    delete_service = staticmethod(reporting_assignment_delete)
    service_fields = REPORTING_ASSIGNMENT_FIELDS

    class Meta:
        model = ReportingAssignment
        fields = REPORTING_ASSIGNMENT_FIELDS


@admin.register(ReportingAssignment)
class ReportingAssignmentAdmin(ServiceAdmin):
    form = ReportingAssignmentForm
    list_display = ("indicator", "department", "role", "basis")
    list_filter = ("role", "department")
    search_fields = ("indicator__code", "indicator__name_zh", "department__name_zh", "basis")
    autocomplete_fields = ("indicator", "department")
    list_select_related = ("indicator", "department")
