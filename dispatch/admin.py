from django.contrib import admin

from .models import AdverseEvent, Mission, MissionAssignment, MissionEvent, Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team_role", "phone", "hospital")
    list_filter = ("team_role", "hospital")
    search_fields = ("user__username", "user__first_name", "user__last_name", "phone")


class MissionEventInline(admin.TabularInline):
    model = MissionEvent
    extra = 0
    can_delete = False
    fields = ("sequence", "kind", "from_status", "to_status", "actor", "source", "note", "occurred_at", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MissionAssignmentInline(admin.TabularInline):
    model = MissionAssignment
    extra = 0
    readonly_fields = ("mission", "member", "team_role", "assigned_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    """Status is read-only here: it changes only through the state machine, with its event."""

    list_display = ("code", "referring_hospital", "kind", "support", "status", "outcome", "requested_at")
    list_filter = ("status", "kind", "outcome", "support", "referring_hospital")
    search_fields = ("code", "referring_physician", "patient_reference")
    # The record changes only through the state machine and its corrections (new events), never here.
    readonly_fields = (
        "code",
        "status",
        "kind",
        "created_by",
        "requested_at",
        "created_at",
        "updated_at",
        "status_changed_at",
        "close_reason",
        "outcome",
        "support_mode",
        "outbound_transport_mode",
        "return_transport_mode",
        "review_at",
    )
    inlines = [MissionAssignmentInline, MissionEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MissionEvent)
class MissionEventAdmin(admin.ModelAdmin):
    """Read-only: the timeline is evidence and is never edited."""

    list_display = ("sequence", "mission", "kind", "from_status", "to_status", "actor", "source", "created_at")
    list_filter = ("kind", "source")
    search_fields = ("mission__code", "note")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AdverseEvent)
class AdverseEventAdmin(admin.ModelAdmin):
    """Read-only: reported through the API with their timeline event, for the quality record."""

    list_display = ("mission", "category", "code", "severity", "phase", "occurred_at", "reported_by")
    list_filter = ("category", "severity", "phase")
    search_fields = ("mission__code", "code", "note")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
