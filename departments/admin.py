"""Departments in the admin, and the admin machinery of the whole catalogue (used by
``indicators.admin`` too): :class:`ServiceForm` and :class:`ServiceAdmin` check, save and delete
through the catalogue services; :class:`ReadOnlyInline` shows related rows without editing
them; :class:`SafeFieldsAdmin` refuses hostile JSON and keys with a message, not a 500."""

import json
import re

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from qualityhub.resources import CatalogueImportMixin

from .models import Department, DepartmentAlias, Membership
from .resources import DepartmentResource
from .selectors import unconfirmed_reasons
from .services import (
    department_alias_clean,
    department_alias_delete,
    department_alias_save,
    department_clean,
    department_delete,
    department_save,
    storable_json,
)

_SURROGATE = re.compile(r"[\ud800-\udfff]")


class SafeJSONField(forms.JSONField):
    """Django's JSON form field, refusing what it would otherwise crash on: nesting deep enough
    to exhaust the parser, and values no JSON column holds (an escaped NUL, a lone surrogate,
    Infinity), with a message instead of a 500."""

    def to_python(self, value):
        try:
            converted = super().to_python(value)
        except RecursionError:
            raise ValidationError(_("JSON 嵌套过深。"), code="invalid") from None
        if not storable_json(converted):
            raise ValidationError(
                _("含有无法保存的内容（空字符、无效字符或非有限数值）。"), code="invalid"
            )
        return converted

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        try:
            text = json.dumps(value, ensure_ascii=False, cls=self.encoder)
        except (TypeError, ValueError, RecursionError):
            return InvalidJSONInput("")
        # A lone surrogate cannot be written into the page: escape it, as JSON allows.
        return json.dumps(value, cls=self.encoder) if _SURROGATE.search(text) else text


class SafeAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete, showing a posted value that is no valid key as nothing chosen
    (Django's own widget looks it up and crashes with a 500 on, say, "abc" for an integer key;
    the form field refuses the value with a message)."""

    def optgroups(self, name, value, attr=None):
        key = self.field.target_field
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except ValidationError:
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class SafeFieldsAdmin(admin.ModelAdmin):
    """An admin whose JSON fields and autocompletes refuse hostile input with a message."""

    formfield_overrides = {models.JSONField: {"form_class": SafeJSONField}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ServiceForm(forms.ModelForm):
    """An admin form whose checks are the catalogue service's own.

    ``clean`` runs the service's ``*_clean`` and shows its Chinese messages at their fields;
    :class:`ServiceAdmin` then saves and deletes through the service, so an admin edit is
    validated, written and announced (gaps recomputed) exactly like an import or a load.
    A subclass names the service functions, the keyword its ``*_clean`` takes the edited row
    by, and the fields the service receives.
    """

    instance_arg: str
    clean_service = None
    save_service = None
    delete_service = None
    service_fields: tuple[str, ...] = ()
    #: Service field → form field, where the form shows a field under another name.
    error_fields: dict[str, str] = {}

    def service_values(self) -> dict:
        """The service's fields: the form's cleaned values, else the row's own."""
        values = {}
        for name in self.service_fields:
            if name in self.fields:
                values[name] = self.cleaned_data.get(name)
            else:
                values[name] = getattr(self.instance, name)
        return values

    def edited(self):
        return self.instance if self.instance.pk else None

    def clean(self):
        cleaned = super().clean()
        if self.errors:  # the fields' own checks first; the service needs every value
            return cleaned
        try:
            values = self.clean_service(
                **{self.instance_arg: self.edited()}, **self.service_values()
            )
        except ValidationError as exc:
            self.add_service_errors(exc)
        else:
            cleaned.update({name: value for name, value in values.items() if name in cleaned})
        return cleaned

    def add_service_errors(self, exc: ValidationError) -> None:
        for name, messages_ in exc.message_dict.items():
            target = self.error_fields.get(name, name)
            self.add_error(target if target in self.fields else None, messages_)


class ServiceAdmin(SafeFieldsAdmin):
    """Saves and deletes through the catalogue services named by the admin's form
    (:class:`ServiceForm`), never through ``Model.save``."""

    def save_model(self, request, obj, form, change):
        saved = form.save_service(
            **{form.instance_arg: obj if change else None},
            **form.service_values(),
            acting_user=request.user,
        )
        obj.pk = saved.obj.pk

    def save_related(self, request, form, formsets, change):
        # Inlines are read-only (ReadOnlyInline): catalogue rows are changed on their own pages,
        # through their services, so whatever a request posts for them is never saved. The
        # admin's change message reads what each formset saved: nothing.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        self._delete(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._delete(request, obj)

    def _delete(self, request, obj) -> None:
        # The delete views have already refused rows that others protect, the one refusal
        # the services' delete knows.
        self.form.delete_service(**{self.form.instance_arg: obj}, acting_user=request.user)


class ReadOnlyInline(admin.TabularInline):
    """A catalogue inline shown for reference: its rows are edited on their own admin pages,
    where the services check and announce every change."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DepartmentAliasInline(ReadOnlyInline):
    model = DepartmentAlias
    fields = ("name",)


# The fields each admin form edits, and so hands to its service.
DEPARTMENT_FIELDS = (
    "code",
    "name_zh",
    "short_name_zh",
    "name_en",
    "kind",
    "status",
    "successor",
    "successor_year",
    "successor_source",
    "successor_quote",
    "unconfirmed",
    "note",
    "sources",
)
DEPARTMENT_ALIAS_FIELDS = ("name", "department")


class DepartmentForm(ServiceForm):
    instance_arg = "department"
    clean_service = staticmethod(department_clean)
    save_service = staticmethod(department_save)
    delete_service = staticmethod(department_delete)
    service_fields = DEPARTMENT_FIELDS

    class Meta:
        model = Department
        fields = DEPARTMENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post without the kind (a form opened before kinds existed) keeps the row's kind.
        self.fields["kind"].required = False

    def service_values(self) -> dict:
        values = super().service_values()
        values["kind"] = values.get("kind") or self.instance.kind
        return values


@admin.register(Department)
class DepartmentAdmin(CatalogueImportMixin, ServiceAdmin, ImportExportModelAdmin):
    form = DepartmentForm
    resource_classes = [DepartmentResource]
    list_display = (
        "code",
        "name_zh",
        "short_name_zh",
        "kind",
        "status",
        "successor",
        "successor_year",
        "resolution_unconfirmed",
    )
    list_filter = ("kind", "status")
    list_select_related = ("successor",)
    search_fields = ("code", "name_zh", "short_name_zh", "name_en", "aliases__name")
    autocomplete_fields = ("successor",)
    inlines = [DepartmentAliasInline]
    readonly_fields = ("current_department", "unconfirmed_along_chain")

    def get_list_display(self, request):
        # Every row's chain of successors read in one query for the whole list.
        reasons = unconfirmed_reasons()

        @admin.display(description=_("对应待确认"), boolean=True)
        def resolution_unconfirmed(obj: Department) -> bool:
            return obj.pk in reasons

        return tuple(
            resolution_unconfirmed if name == "resolution_unconfirmed" else name
            for name in super().get_list_display(request)
        )

    @admin.display(description=_("现部门"))
    def current_department(self, obj: Department) -> str:
        return obj.current().name_zh if obj.pk else ""

    @admin.display(description=_("对应待确认"), boolean=True)
    def resolution_unconfirmed(self, obj: Department) -> bool:
        return obj.resolution_unconfirmed

    @admin.display(description=_("继承链上的待确认说明"))
    def unconfirmed_along_chain(self, obj: Department) -> str:
        return "\n".join(obj.unconfirmed_reasons) if obj.pk else ""


class DepartmentAliasForm(ServiceForm):
    instance_arg = "alias"
    clean_service = staticmethod(department_alias_clean)
    save_service = staticmethod(department_alias_save)
    delete_service = staticmethod(department_alias_delete)
    service_fields = DEPARTMENT_ALIAS_FIELDS

    class Meta:
        model = DepartmentAlias
        fields = DEPARTMENT_ALIAS_FIELDS


@admin.register(DepartmentAlias)
class DepartmentAliasAdmin(ServiceAdmin):
    form = DepartmentAliasForm
    list_display = ("name", "department")
    search_fields = ("name", "department__name_zh")
    autocomplete_fields = ("department",)


@admin.register(Membership)
class MembershipAdmin(SafeFieldsAdmin):
    list_display = ("user", "role", "department")
    list_filter = ("role",)
    search_fields = ("user__username", "department__name_zh")
    autocomplete_fields = ("user", "department")


# --- Users and groups: permissions named in the interface's language ------------------------
#
# Django stores each permission's name once, in English, when the tables are created ("Can add
# access attempt"); the permission pickers of the user and group forms would show those. Here
# the four built-in permissions of every model are named from the model's translated
# verbose_name instead; any other permission keeps its stored name.

PERMISSION_ACTIONS = {
    "add": _("可增加%(model)s"),
    "change": _("可修改%(model)s"),
    "delete": _("可删除%(model)s"),
    "view": _("可查看%(model)s"),
}


def permission_label(permission: Permission) -> str:
    """``<app> | <model> | <action>`` as the active language writes it."""
    model = permission.content_type.model_class()
    action, _sep, model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS or model_name != model._meta.model_name:
        return str(permission)
    name = PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


class TranslatedPermissionsMixin:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class TranslatedUserAdmin(TranslatedPermissionsMixin, UserAdmin):
    pass


@admin.register(Group)
class TranslatedGroupAdmin(TranslatedPermissionsMixin, GroupAdmin):
    pass
