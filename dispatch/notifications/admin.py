from django.contrib import admin

from dispatch.notifications.models import (
    Alert,
    AlertRecipient,
    EscalationPolicy,
    Heartbeat,
    InboundSms,
    Notification,
    PagingContact,
    Shift,
)


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["team_role", "tier", "member", "starts_at", "ends_at"]
    list_filter = ["team_role", "tier"]
    autocomplete_fields = ["member"]
    date_hierarchy = "starts_at"


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ["team_role", "sms_wait_s", "call_wait_s", "backup_wait_s", "everyone_wait_s", "call_attempts"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Paging records are evidence: look, do not touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecipientInline(admin.TabularInline):
    model = AlertRecipient
    extra = 0
    can_delete = False
    readonly_fields = ["member", "tier", "first_paged_at", "response", "responded_at", "responded_via"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["mission", "team_role", "state", "step_index", "next_step_due_at", "accepted_by", "opened_at"]
    list_filter = ["state", "team_role"]
    inlines = [RecipientInline]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "alert", "purpose", "channel", "recipient", "to_number", "attempt", "status",
                    "error_code"]
    list_filter = ["channel", "status", "purpose"]
    search_fields = ["to_number", "provider_sid"]


@admin.register(PagingContact)
class PagingContactAdmin(admin.ModelAdmin):
    list_display = ["member", "sms_opted_out", "blocked_number", "sms_blocked_code", "voice_blocked_code"]


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "from_number", "member", "outcome", "answered", "body"]
    list_filter = ["outcome"]


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_run_at"]
