from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from .models import Department, DepartmentAlias, Membership
from .resources import DepartmentResource


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 0


@admin.register(Department)
class DepartmentAdmin(ImportExportModelAdmin):
    resource_classes = [DepartmentResource]
    list_display = ("code", "name_zh", "short_name_zh", "status", "successor")
    list_filter = ("status",)
    search_fields = ("code", "name_zh", "short_name_zh", "name_en", "aliases__name")
    autocomplete_fields = ("successor",)
    inlines = [DepartmentAliasInline]
    readonly_fields = ("current_department",)

    @admin.display(description=_("现部门"))
    def current_department(self, obj: Department) -> str:
        return obj.current().name_zh if obj.pk else ""


@admin.register(DepartmentAlias)
class DepartmentAliasAdmin(admin.ModelAdmin):
    list_display = ("name", "department")
    search_fields = ("name", "department__name_zh")
    autocomplete_fields = ("department",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "department")
    list_filter = ("role",)
    search_fields = ("user__username", "department__name_zh")
    autocomplete_fields = ("user", "department")
