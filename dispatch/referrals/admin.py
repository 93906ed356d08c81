"""The log of clinical reads in the admin: for reading only (it is append-only)."""

from django.contrib import admin

from dispatch.referrals.models import ClinicalRead


@admin.register(ClinicalRead)
class ClinicalReadAdmin(admin.ModelAdmin):
    list_display = ("read_at", "user", "mission", "endpoint", "ip_address")
    list_filter = ("endpoint", "read_at")
    search_fields = ("user__username", "mission__code", "ip_address")
    date_hierarchy = "read_at"
    list_select_related = ("user", "mission")
    readonly_fields = ("read_at", "user", "mission", "endpoint", "path", "ip_address", "user_agent")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
