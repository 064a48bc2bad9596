from django.contrib import admin

from .models import Notice, NoticeDelivery, NoticePreference


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the app itself: looked up here, never edited."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NoticeDeliveryInline(admin.TabularInline):
    model = NoticeDelivery
    extra = 0
    can_delete = False
    fields = ("at", "channel", "status", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "key", "created_at", "read_at", "email_status")
    list_filter = ("kind", "email_status", "in_app")
    search_fields = ("key", "recipient__username")
    list_select_related = ("recipient",)
    inlines = [NoticeDeliveryInline]


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notice", "channel", "status", "at", "error")
    list_filter = ("channel", "status")
    list_select_related = ("notice__recipient",)


@admin.register(NoticePreference)
class NoticePreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "email", "in_app")
    list_filter = ("kind",)
    list_select_related = ("user",)
