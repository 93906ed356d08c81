"""Debriefs and follow-ups in the admin: to look at only; they are written through the record's
forms and API (`services`), which also write the timeline event."""

from django.contrib import admin

from dispatch.records.models import Debrief, DebriefAction, PatientFollowUp


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DebriefActionInline(admin.TabularInline):
    model = DebriefAction
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Debrief)
class DebriefAdmin(ReadOnlyAdmin):
    list_display = ("mission", "submitted_by", "submitted_at")
    inlines = [DebriefActionInline]


@admin.register(PatientFollowUp)
class PatientFollowUpAdmin(ReadOnlyAdmin):
    list_display = ("mission", "decannulated_on", "survived_ecmo", "survived_hospital", "entered_by", "updated_at")
    list_filter = ("survived_ecmo", "survived_hospital")
