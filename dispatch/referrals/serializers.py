"""Referral serializers per use. Inputs parse and convert units; ranges are checked against clinical.FIELDS.

Units: gases come as `pao2` / `paco2` with `gas_unit` ("mmHg" or "kPa", required when a gas is
given) and are stored in mmHg; FiO2 comes as a fraction (0.21–1.0) or a percentage (21–100)
and is stored as a fraction. Unknown keys are rejected, so a misspelt field is never silently
taken as "not given".
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from dispatch.decision_support import kpa_to_mmhg, normalise_fio2
from dispatch.models import MissionKind, Sex, Support
from dispatch.referrals import audit, clinical
from dispatch.referrals.models import ClinicalRead, Referral, ReferralChange
from dispatch.roles import display_name
from hospitals.models import Hospital
from hospitals.serializers import HospitalBrief

MMHG, KPA = "mmHg", "kPa"
GAS_INPUTS = {"pao2": "pao2_mmhg", "paco2": "paco2_mmhg"}


def _input_field(spec: clinical.ClinicalField) -> serializers.Field:
    common = {"required": False, "allow_null": True, "help_text": spec.range_message() if spec.low is not None else ""}
    if spec.kind == clinical.BOOL:
        return serializers.BooleanField(**common)
    if spec.kind == clinical.CHOICE:
        return serializers.ChoiceField(choices=spec.choices, **common)
    if spec.kind == clinical.INT:
        return serializers.IntegerField(**common)
    return serializers.FloatField(**common)


class ClinicalInput(serializers.Serializer):
    """All clinical fields, optional; validated data holds canonical names and units."""

    pao2 = serializers.FloatField(required=False, allow_null=True, help_text=_("PaO2 in `gas_unit`."))
    paco2 = serializers.FloatField(required=False, allow_null=True, help_text=_("PaCO2 in `gas_unit`."))
    gas_unit = serializers.ChoiceField(choices=[MMHG, KPA], required=False, help_text=_("Unit of pao2 and paco2."))
    fio2 = serializers.FloatField(
        required=False, allow_null=True, help_text=_("Fraction 0.21–1.0 or percentage 21–100.")
    )

    def get_fields(self):
        fields = super().get_fields()
        for spec in clinical.FIELDS:
            if spec.name not in clinical.GAS_FIELDS and spec.name != "fio2":
                fields[spec.name] = _input_field(spec)
        return fields

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)

    def validate_fio2(self, value: float | None) -> float | None:
        if value is None:
            return None
        try:
            return normalise_fio2(value)
        except ValueError:
            raise serializers.ValidationError(
                _("FiO2 must be between 0.21 and 1.0 (fraction) or between 21 and 100 (%).")
            ) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = dict(attrs)
        unit = attrs.pop("gas_unit", None)
        for given, stored in GAS_INPUTS.items():
            if given not in attrs:
                continue
            value = attrs.pop(given)
            if value is not None and unit is None:
                raise serializers.ValidationError({"gas_unit": [_("Say whether the gases are in mmHg or kPa.")]})
            if value is not None and unit == KPA:
                if value < 0:
                    raise serializers.ValidationError({given: [_("A partial pressure cannot be negative.")]})
                value = kpa_to_mmhg(value)
            attrs[stored] = value
        errors = clinical.range_errors(attrs)
        if errors:
            # Name the field as the client sent it (pao2, not pao2_mmhg), with the range in mmHg and kPa.
            for given, stored in GAS_INPUTS.items():
                if stored in errors:
                    spec = clinical.BY_NAME[stored]
                    errors[given] = [
                        f"{spec.label} must be between {spec.low:g} and {spec.high:g} mmHg "
                        f"({spec.low / 7.50062:.1f}–{spec.high / 7.50062:.1f} kPa)."
                    ]
                    del errors[stored]
            raise serializers.ValidationError(errors)
        return attrs


PATIENT_FIELDS = ("support", "patient_age", "patient_sex", "patient_weight_kg")
MISSION_FIELDS = (
    *PATIENT_FIELDS,
    "referring_hospital",
    "referring_physician",
    "callback_phone",
    "note",
    "kind",
    "patient_reference",
    "occurred_at",
    "confirm_not_duplicate",
)


class ReferralCreateInput(ClinicalInput):
    referring_hospital = serializers.PrimaryKeyRelatedField(
        queryset=Hospital.objects.all(),
        required=False,
        help_text=_("Required for coordinators; referrers refer from their own hospital."),
    )
    support = serializers.ChoiceField(choices=Support.choices)
    patient_age = serializers.IntegerField(
        min_value=0, max_value=120, error_messages={"min_value": _("Age must be between 0 and 120 years."),
                                                    "max_value": _("Age must be between 0 and 120 years.")}
    )
    patient_sex = serializers.ChoiceField(choices=Sex.choices)
    patient_weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=1, max_value=400,
        error_messages={"min_value": _("Weight must be between 1 and 400 kg."),
                        "max_value": _("Weight must be between 1 and 400 kg.")},
    )
    referring_physician = serializers.CharField(max_length=120)
    callback_phone = PhoneNumberField(help_text=_("E.164, e.g. +38641123456."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    kind = serializers.ChoiceField(
        choices=MissionKind.choices,
        default=MissionKind.PRIMARY,
        help_text=_("primary: the team cannulates on site; secondary: the patient is already on ECMO."),
    )
    patient_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=60, default="",
        help_text=_("Your hospital's own patient reference; never sent by SMS."),
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("Time of the first call (becomes requested_at); not in the future.")
    )
    confirm_not_duplicate = serializers.BooleanField(
        default=False, help_text=_("Send true after a 409 possible_duplicate when this is another patient.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        mission = {name: attrs.pop(name) for name in MISSION_FIELDS if name in attrs}
        return {"mission": mission, "clinical": super().validate(attrs)}


class ReferralAssessInput(ClinicalInput):
    """The form's fields as typed so far: everything optional; contact fields are accepted and ignored."""

    support = serializers.ChoiceField(choices=Support.choices, required=False, allow_null=True)
    patient_age = serializers.IntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    patient_sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_null=True)
    patient_weight_kg = serializers.FloatField(min_value=1, max_value=400, required=False, allow_null=True)
    referring_hospital = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    referring_physician = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    callback_phone = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    kind = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    patient_reference = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    occurred_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    confirm_not_duplicate = serializers.BooleanField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        mission = {name: attrs.pop(name, None) for name in MISSION_FIELDS}
        return {"mission": {name: mission[name] for name in PATIENT_FIELDS}, "clinical": super().validate(attrs)}


class ReferralUpdateInput(ClinicalInput):
    """Only the fields sent are changed; null clears a value (it becomes "not given")."""


class ReferralOutput(serializers.ModelSerializer):
    mission_id = serializers.IntegerField()
    mission_code = serializers.CharField(source="mission.code")
    status = serializers.CharField(source="mission.status")
    status_label = serializers.CharField(source="mission.get_status_display")
    close_reason = serializers.CharField(source="mission.close_reason")
    referring_hospital = HospitalBrief(source="mission.referring_hospital")
    support = serializers.CharField(source="mission.support")
    patient_age = serializers.IntegerField(source="mission.patient_age")
    patient_sex = serializers.CharField(source="mission.patient_sex")
    patient_weight_kg = serializers.FloatField(source="mission.patient_weight_kg")
    referring_physician = serializers.CharField(source="mission.referring_physician")
    callback_phone = serializers.CharField(source="mission.callback_phone")
    note = serializers.CharField(source="mission.note")
    submitted_by = serializers.SerializerMethodField()
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "mission_id",
            "mission_code",
            "status",
            "status_label",
            "close_reason",
            "referring_hospital",
            *PATIENT_FIELDS,
            "referring_physician",
            "callback_phone",
            "note",
            "submitted_by",
            "submitted_at",
            "updated_at",
            *clinical.NAMES,
            "assessment",
        ]

    def get_submitted_by(self, obj: Referral) -> str:
        return display_name(obj.submitted_by)

    def get_assessment(self, obj: Referral) -> dict:
        return self.context["assessment"]


class ReferralChangeOutput(serializers.ModelSerializer):
    changed_by = serializers.SerializerMethodField()
    event_sequence = serializers.IntegerField(source="event.sequence")
    unit = serializers.SerializerMethodField()

    class Meta:
        model = ReferralChange
        fields = ["field", "unit", "old_value", "new_value", "changed_by", "changed_at", "source", "event_sequence"]

    def get_changed_by(self, obj: ReferralChange) -> str:
        return display_name(obj.changed_by)

    def get_unit(self, obj: ReferralChange) -> str:
        spec = clinical.BY_NAME.get(obj.field)
        return spec.unit if spec else ""


class ClinicalReadFilter(serializers.Serializer):
    """Filters of the log of clinical reads (all optional, combined with AND)."""

    mission = serializers.IntegerField(required=False, min_value=1, help_text=_("Mission id."))
    user = serializers.IntegerField(required=False, min_value=1, help_text=_("Id of the user who read."))
    endpoint = serializers.ChoiceField(choices=sorted(audit.ENDPOINTS), required=False)
    since = serializers.DateTimeField(required=False, help_text=_("Reads at or after this time."))
    until = serializers.DateTimeField(required=False, help_text=_("Reads before this time."))
    before_id = serializers.IntegerField(required=False, min_value=1, help_text=_("Next page: `next_before_id`."))
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=200)


class ClinicalReadOutput(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    mission = serializers.SerializerMethodField()

    class Meta:
        model = ClinicalRead
        fields = ["id", "read_at", "user", "mission", "endpoint", "path", "ip_address", "user_agent"]

    def get_user(self, obj: ClinicalRead) -> dict[str, Any]:
        return {"id": obj.user_id, "username": obj.user.get_username(), "name": display_name(obj.user)}

    def get_mission(self, obj: ClinicalRead) -> dict[str, Any]:
        return {"id": obj.mission_id, "code": obj.mission.code}


class ClinicalReadPage(serializers.Serializer):
    results = ClinicalReadOutput(many=True)
    next_before_id = serializers.IntegerField(allow_null=True)
