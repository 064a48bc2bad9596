from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from .models import Document, Indicator, ReportingAssignment, Responsibility, Target, Task
from .resources import IndicatorResource, ResponsibilityResource, TargetResource


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ("document", "year", "comparator", "value", "clause", "quote")
    autocomplete_fields = ("document",)


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    fields = ("document", "department_as_written", "department", "role", "clause", "quote")
    autocomplete_fields = ("document", "department")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("code", "title_zh", "kind", "issued_year", "issued_on")
    list_filter = ("kind",)
    search_fields = ("code", "title_zh", "title_en")


@admin.register(Indicator)
class IndicatorAdmin(ImportExportModelAdmin):
    resource_classes = [IndicatorResource]
    list_display = ("code", "name_zh", "unit", "value_kind", "category", "frequency")
    list_filter = ("category", "value_kind", "frequency", "targets__document")
    search_fields = ("code", "name_zh", "name_en")
    inlines = [TargetInline, ResponsibilityInline]


@admin.register(Target)
class TargetAdmin(ImportExportModelAdmin):
    resource_classes = [TargetResource]
    list_display = ("indicator", "document", "clause", "comparator", "value", "year")
    list_filter = ("document", "year", "comparator")
    search_fields = ("indicator__code", "indicator__name_zh", "quote", "clause")
    autocomplete_fields = ("indicator", "document")
    list_select_related = ("indicator", "document")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("code", "clause", "title_zh", "document")
    list_filter = ("document",)
    search_fields = ("code", "title_zh", "quote")
    autocomplete_fields = ("document",)
    list_select_related = ("document",)


@admin.register(Responsibility)
class ResponsibilityAdmin(ImportExportModelAdmin):
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

    @admin.display(description=_("指标或任务"))
    def subject(self, obj: Responsibility) -> str:
        return str(obj.indicator or obj.task)

    @admin.display(description=_("现部门"))
    def current_department_name(self, obj: Responsibility) -> str:
        return obj.current_department.name_zh


@admin.register(ReportingAssignment)
class ReportingAssignmentAdmin(admin.ModelAdmin):
    list_display = ("indicator", "department", "role", "basis")
    list_filter = ("role", "department")
    search_fields = ("indicator__code", "indicator__name_zh", "department__name_zh", "basis")
    autocomplete_fields = ("indicator", "department")
    list_select_related = ("indicator", "department")
