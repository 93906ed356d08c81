"""Serializers per use: small inputs that validate, outputs that render."""

from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from dispatch import statuses
from dispatch.models import Mission, MissionEvent, MissionStatus, Sex, Support, TeamRole
from hospitals.models import Hospital


class HospitalOutput(serializers.ModelSerializer):
    icu_phone = serializers.CharField()

    class Meta:
        model = Hospital
        fields = ["id", "name", "code", "kind", "city", "address", "latitude", "longitude", "has_helipad", "icu_phone"]


class HospitalBrief(serializers.ModelSerializer):
    class Meta:
        model = Hospital
        fields = ["id", "name", "code"]


class MissionCreateInput(serializers.Serializer):
    referring_hospital = serializers.PrimaryKeyRelatedField(
        queryset=Hospital.objects.all(),
        required=False,
        help_text=_("Required for coordinators; referrers refer from their own hospital."),
    )
    receiving_centre = serializers.PrimaryKeyRelatedField(queryset=Hospital.objects.all(), required=False)
    support = serializers.ChoiceField(choices=Support.choices)
    patient_age = serializers.IntegerField(min_value=0, max_value=120, help_text=_("Years."))
    patient_sex = serializers.ChoiceField(choices=Sex.choices)
    patient_weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=1, max_value=400)
    referring_physician = serializers.CharField(max_length=120)
    callback_phone = PhoneNumberField(help_text=_("E.164, e.g. +38641123456."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    required_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=TeamRole.choices), required=False, allow_empty=False
    )


class AssignmentOutput(serializers.Serializer):
    team_role = serializers.CharField()
    member_id = serializers.IntegerField(source="member.id")
    member = serializers.SerializerMethodField()
    assigned_at = serializers.DateTimeField()

    def get_member(self, obj) -> str:
        return obj.member.get_full_name() or obj.member.get_username()


PHASE_FIELDS = [
    "review_started_at",
    "decided_at",
    "team_activated_at",
    "team_ready_at",
    "departed_at",
    "on_site_at",
    "cannulation_started_at",
    "flow_established_at",
    "departed_with_patient_at",
    "arrived_at",
    "handed_over_at",
    "closed_at",
]


class MissionOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display")
    referring_hospital = HospitalBrief()
    receiving_centre = HospitalBrief()
    callback_phone = serializers.CharField()
    patient_weight_kg = serializers.FloatField()
    phase_times = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    team = AssignmentOutput(source="assignments", many=True)
    travel = serializers.SerializerMethodField()

    class Meta:
        model = Mission
        fields = [
            "id",
            "code",
            "status",
            "status_label",
            "support",
            "referring_hospital",
            "receiving_centre",
            "patient_age",
            "patient_sex",
            "patient_weight_kg",
            "referring_physician",
            "callback_phone",
            "note",
            "required_roles",
            "team",
            "created_at",
            "updated_at",
            "status_changed_at",
            "phase_times",
            "close_reason",
            "allowed_transitions",
            "travel",
        ]

    def get_travel(self, obj: Mission) -> dict | None:
        """Outbound/return estimates and the expected arrival of the current phase (detail only)."""
        if not self.context.get("with_travel", False):
            return None
        from hospitals.selectors import mission_travel

        return mission_travel(obj)

    def get_phase_times(self, obj: Mission) -> dict[str, str | None]:
        return {
            "requested_at": obj.created_at.isoformat(),
            **{field: (value.isoformat() if (value := getattr(obj, field)) else None) for field in PHASE_FIELDS},
        }

    def get_allowed_transitions(self, obj: Mission) -> list[str]:
        return sorted(statuses.allowed_next(obj.status))


class TransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=MissionStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    expected_status = serializers.ChoiceField(
        choices=MissionStatus.choices,
        required=False,
        help_text=_("The status the client believes is current; a mismatch is a 409."),
    )

    def validate(self, attrs):
        if attrs["to"] in statuses.REASON_REQUIRED and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": [_("A reason is required for this change.")]})
        return attrs


class EventOutput(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = MissionEvent
        fields = ["sequence", "kind", "from_status", "to_status", "actor", "source", "note", "payload", "created_at"]

    def get_actor(self, obj: MissionEvent) -> str | None:
        if obj.actor is None:
            return None
        return obj.actor.get_full_name() or obj.actor.get_username()


class TransitionOutput(serializers.Serializer):
    mission = MissionOutput()
    event = EventOutput()
    replayed = serializers.BooleanField()


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    team_role = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    hospital = HospitalBrief(allow_null=True)
