"""Small input and output serializers per use."""

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dispatch.models import TeamRole
from dispatch.notifications.models import Alert, Notification, Shift, Tier
from dispatch.roles import display_name


class AlertOutput(serializers.Serializer):
    """The contract of the team phone page."""

    id = serializers.IntegerField()
    mission_id = serializers.IntegerField()
    mission_code = serializers.CharField(source="mission.code")
    team_role = serializers.CharField()
    hospital = serializers.CharField(source="mission.referring_hospital.name")
    support = serializers.CharField(source="mission.support")
    message = serializers.CharField()
    opened_at = serializers.DateTimeField()
    state = serializers.CharField()
    my_response = serializers.CharField(
        help_text=_("The caller's own answer to this page: accepted, declined, or empty before they answer.")
    )


class AlertAnswerOutput(AlertOutput):
    accepted_by = serializers.SerializerMethodField()

    def get_accepted_by(self, obj: Alert) -> str | None:
        return display_name(obj.accepted_by) or None


class AnswerInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class StandbyOutput(serializers.Serializer):
    """Who is on standby for the mission's current review; `sent_to`: told by this request."""

    mission_id = serializers.IntegerField(source="mission.pk")
    mission_code = serializers.CharField(source="mission.code")
    members = serializers.ListField(child=serializers.CharField())
    sent_to = serializers.ListField(child=serializers.CharField())
    event_sequence = serializers.SerializerMethodField()

    def get_event_sequence(self, obj) -> int | None:
        return obj.event.sequence if obj.event is not None else None


class AlertListFilter(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=True)


class NotificationOutput(serializers.ModelSerializer):
    recipient = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id", "recipient", "purpose", "run", "step", "channel", "attempt", "to_number", "status",
            "status_history", "error_code", "error_reason", "provider_sid", "created_at",
        ]

    def get_recipient(self, obj: Notification) -> str | None:
        return display_name(obj.recipient) or None


class RecipientOutput(serializers.Serializer):
    member = serializers.SerializerMethodField()
    tier = serializers.CharField()
    response = serializers.CharField()
    responded_at = serializers.DateTimeField()
    responded_via = serializers.CharField()

    def get_member(self, obj) -> str | None:
        return display_name(obj.member) or None


class MissionAlertOutput(AlertAnswerOutput):
    step_index = serializers.IntegerField()
    next_step_due_at = serializers.DateTimeField()
    covered_note = serializers.CharField()
    recipients = RecipientOutput(many=True)
    notifications = NotificationOutput(many=True)


class PageMemberInput(serializers.Serializer):
    member_id = serializers.IntegerField()


class CoverInput(serializers.Serializer):
    member_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class LocalDateTimeField(serializers.DateTimeField):
    """A date-time whose local wall time (no offset given) must exist in the display time zone.

    When clocks go forward (Europe/Ljubljana: 02:00 → 03:00 on the last Sunday of March) 02:30
    never happens; zoneinfo would quietly shift it by an hour, so a shift would start at a time
    nobody typed. It is refused with 400 instead.
    """

    default_error_messages = {
        "nonexistent": _("%(value)s does not exist in local time (the clocks change then); give another time.")
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            zone = self.default_timezone() or timezone.get_current_timezone()
            wall = value.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            if wall != value:
                raise serializers.ValidationError(
                    self.error_messages["nonexistent"] % {"value": value.isoformat(sep=" ", timespec="minutes")},
                    code="nonexistent",
                )
        return super().enforce_timezone(value)


class ShiftInput(serializers.Serializer):
    member_id = serializers.IntegerField()
    team_role = serializers.ChoiceField(choices=TeamRole.choices)
    tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.PRIMARY)
    starts_at = LocalDateTimeField(help_text=_("Without an offset: local time, which must exist (DST)."))
    ends_at = LocalDateTimeField(help_text=_("Without an offset: local time, which must exist (DST)."))


class ShiftPatchInput(ShiftInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ShiftFilter(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="Only shifts running at this time.")
    team_role = serializers.ChoiceField(choices=TeamRole.choices, required=False)


class ShiftOutput(serializers.ModelSerializer):
    member_id = serializers.IntegerField()
    member = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = ["id", "member_id", "member", "team_role", "tier", "starts_at", "ends_at"]

    def get_member(self, obj: Shift) -> str | None:
        return display_name(obj.member) or None
