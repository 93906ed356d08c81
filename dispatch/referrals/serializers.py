"""Referral serializers per use. Inputs parse and convert units; ranges are checked against clinical.FIELDS.

Units: gases come as `pao2` / `paco2` with `gas_unit` ("mmHg" or "kPa", required when a gas is
given) and are stored in mmHg; FiO2 comes as a fraction (0.21–1.0) or a percentage (21–100)
and is stored as a fraction. Unknown keys are rejected, so a misspelt field is never silently
taken as "not given".
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers
from rest_framework.fields import SkipField

from dispatch.decision_support import kpa_to_mmhg, normalise_fio2
from dispatch.decision_support.inputs import MMHG_PER_KPA
from dispatch.errors import ValidationFailed
from dispatch.models import MissionKind, Sex, Support
from dispatch.referrals import audit, clinical
from dispatch.referrals.models import ClinicalRead, Referral, ReferralChange
from dispatch.roles import display_name
from dispatch.services.missions import MAX_REFERRAL_AGE, check_callback_phone
from hospitals.models import Hospital
from hospitals.serializers import HospitalBrief

MMHG, KPA = "mmHg", "kPa"
PERCENT, FRACTION = clinical.PERCENT, clinical.FRACTION
GAS_INPUTS = {"pao2": "pao2_mmhg", "paco2": "paco2_mmhg"}
# Ventilation so far is asked in days and hours; the scores count it in hours.
VENTILATION_DAYS = "ventilation_days"
AS_TYPED = "as_typed"


def _decimal_point(data: Any) -> Any:
    """ "7,5" → "7.5": Slovene writes a decimal comma, and a number may come as text from a form."""
    if isinstance(data, str):
        text = data.strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            return text.replace(",", ".")
        return text
    return data


class LocalFloatField(serializers.FloatField):
    def to_internal_value(self, data):
        return super().to_internal_value(_decimal_point(data))


class LocalIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        return super().to_internal_value(_decimal_point(data))


class LocalDecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        return super().to_internal_value(_decimal_point(data))


def _input_field(spec: clinical.ClinicalField) -> serializers.Field:
    common = {"required": False, "allow_null": True, "help_text": spec.range_message() if spec.low is not None else ""}
    if spec.kind == clinical.BOOL:
        return serializers.BooleanField(**common)
    if spec.kind == clinical.CHOICE:
        return serializers.ChoiceField(choices=spec.choices, **common)
    if spec.kind == clinical.INT:
        return LocalIntegerField(**common)
    return LocalFloatField(**common)


def _error_list(detail: Any) -> Any:
    return detail if isinstance(detail, list | dict) else [detail]


class ClinicalInput(serializers.Serializer):
    """All clinical fields, optional; validated data holds canonical names and units, and `as_typed`.

    Every mistake is reported in one answer (field by field, then the checks across fields),
    so a form is corrected in one round. Numbers may be written with a decimal comma.
    `as_typed` keeps what the referrer typed where it is not the stored unit, per stored field:
    {"pao2_mmhg": {"value": 7.0, "unit": "kPa"}, "fio2": {"value": 60.0, "unit": "%"},
    "ventilation_hours": {"days": 2.0, "hours": 5.0}}; None removes it (the value was cleared).
    """

    pao2 = LocalFloatField(required=False, allow_null=True, help_text=_("PaO2 in `gas_unit`."))
    paco2 = LocalFloatField(required=False, allow_null=True, help_text=_("PaCO2 in `gas_unit`."))
    gas_unit = serializers.ChoiceField(choices=[MMHG, KPA], required=False, help_text=_("Unit of pao2 and paco2."))
    fio2 = LocalFloatField(required=False, allow_null=True, help_text=_("Fraction 0.21–1.0 or percentage 21–100."))
    ventilation_days = LocalFloatField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=100,
        help_text=_("Days of mechanical ventilation, added to `ventilation_hours`."),
    )

    def get_fields(self):
        fields = super().get_fields()
        for spec in clinical.FIELDS:
            if spec.name not in clinical.GAS_FIELDS and spec.name != "fio2":
                fields[spec.name] = _input_field(spec)
        return fields

    def to_internal_value(self, data):
        if not hasattr(data, "keys"):
            return super().to_internal_value(data)
        errors: dict[str, Any] = {name: [_("Unknown field.")] for name in sorted(set(data.keys()) - set(self.fields))}
        attrs: dict[str, Any] = {}
        for field in self._writable_fields:
            check = getattr(self, f"validate_{field.field_name}", None)
            try:
                value = field.run_validation(field.get_value(data))
                if check is not None:
                    value = check(value)
            except serializers.ValidationError as exc:
                errors[field.field_name] = _error_list(exc.detail)
            except SkipField:
                continue
            else:
                attrs[field.source] = value
        attrs = self.check_together(attrs, errors)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def validate_fio2(self, value: float | None) -> float | None:
        if value is None:
            return None
        try:
            normalise_fio2(value)
        except ValueError:
            raise serializers.ValidationError(
                _("FiO2 must be between 0.21 and 1.0 (fraction) or between 21 and 100 (%).")
            ) from None
        return value

    def check_together(self, attrs: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
        """Units, ranges and the checks across fields, on what parsed; adds to `errors`."""
        attrs = dict(attrs)
        typed: dict[str, Any] = {}
        unit = attrs.pop("gas_unit", None)
        for given, stored in GAS_INPUTS.items():
            if given not in attrs:
                continue
            value = attrs.pop(given)
            if value is not None and unit is None:
                errors.setdefault("gas_unit", [_("Say whether the gases are in mmHg or kPa.")])
                continue
            if value is not None and unit == KPA:
                if value < 0:
                    errors[given] = [_("A partial pressure cannot be negative.")]
                    continue
                value_mmhg = kpa_to_mmhg(value)
            else:
                value_mmhg = value
            typed[stored] = {"value": value, "unit": unit} if value is not None else None
            attrs[stored] = value_mmhg
        if attrs.get("fio2") is not None:
            fraction = normalise_fio2(attrs["fio2"])
            typed["fio2"] = {"value": attrs["fio2"], "unit": PERCENT if fraction != attrs["fio2"] else FRACTION}
            attrs["fio2"] = fraction
        elif "fio2" in attrs:
            typed["fio2"] = None
        if VENTILATION_DAYS in attrs or "ventilation_hours" in attrs:
            days, hours = attrs.pop(VENTILATION_DAYS, None), attrs.get("ventilation_hours")
            if days is None and hours is None:
                attrs["ventilation_hours"], typed["ventilation_hours"] = None, None
            else:
                attrs["ventilation_hours"] = (days or 0) * 24 + (hours or 0)
                typed["ventilation_hours"] = {"days": days, "hours": hours}
        range_errors = clinical.range_errors(attrs)
        # Name the field as the client sent it (pao2, not pao2_mmhg), with the range in mmHg and kPa.
        for given, stored in GAS_INPUTS.items():
            if stored in range_errors:
                spec = clinical.BY_NAME[stored]
                range_errors[given] = [
                    _("%(label)s must be between %(low)s and %(high)s mmHg (%(low_kpa)s–%(high_kpa)s kPa).")
                    % {
                        "label": spec.label,
                        "low": clinical.number(spec.low),
                        "high": clinical.number(spec.high),
                        "low_kpa": clinical.number(spec.low / MMHG_PER_KPA, 1),
                        "high_kpa": clinical.number(spec.high / MMHG_PER_KPA, 1),
                    }
                ]
                del range_errors[stored]
        if "ventilation_hours" in range_errors and typed.get("ventilation_hours", {}).get("days") is not None:
            range_errors[VENTILATION_DAYS] = range_errors["ventilation_hours"]
        for name, messages in range_errors.items():
            errors.setdefault(name, messages)
        if "pao2" not in errors and "fio2" not in errors and "paco2" not in errors:
            ceiling = clinical.pao2_ceiling_error(attrs)
            if ceiling is not None:
                gas_unit = (typed.get("pao2_mmhg") or {}).get("unit") or MMHG
                shown = ceiling / MMHG_PER_KPA if gas_unit == KPA else ceiling
                errors["pao2"] = [
                    _(
                        "A PaO2 of %(value)s %(unit)s is impossible at FiO2 %(fio2)s: at most %(ceiling)s %(unit)s."
                        " Check the value and the unit."
                    )
                    % {
                        "value": clinical.number(typed["pao2_mmhg"]["value"]),
                        "unit": gas_unit,
                        "fio2": clinical.number(attrs.get("fio2") or 1.0),
                        "ceiling": clinical.number(shown, 1),
                    }
                ]
        attrs[AS_TYPED] = typed
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
    patient_age = LocalIntegerField(
        min_value=0,
        max_value=120,
        error_messages={
            "min_value": _("Age must be between 0 and 120 years."),
            "max_value": _("Age must be between 0 and 120 years."),
        },
    )
    patient_sex = serializers.ChoiceField(choices=Sex.choices)
    patient_weight_kg = LocalDecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=1,
        max_value=400,
        error_messages={
            "min_value": _("Weight must be between 1 and 400 kg."),
            "max_value": _("Weight must be between 1 and 400 kg."),
        },
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
        required=False,
        allow_blank=True,
        max_length=60,
        default="",
        help_text=_("Your hospital's own patient reference; never sent by SMS."),
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("Time of the first call (becomes requested_at); not in the future.")
    )
    confirm_not_duplicate = serializers.BooleanField(
        default=False, help_text=_("Send true after a 409 possible_duplicate when this is another patient.")
    )

    def check_together(self, attrs: dict[str, Any], errors: dict[str, Any]) -> dict[str, Any]:
        """Also the mission's own checks (first call, callback phone), so they come in the same answer."""
        attrs = super().check_together(attrs, errors)
        occurred_at = attrs.get("occurred_at")
        if occurred_at is not None:
            now = timezone.now()
            if occurred_at > now + timedelta(seconds=settings.TRACKING_CLOCK_SKEW_S):
                errors.setdefault("occurred_at", [_("This time is in the future.")])
            elif occurred_at < now - MAX_REFERRAL_AGE:
                errors.setdefault("occurred_at", [_("The first call must lie within the last 24 hours.")])
        if attrs.get("callback_phone") and "callback_phone" not in errors:
            try:
                check_callback_phone(str(attrs["callback_phone"]))
            except ValidationFailed as exc:
                errors.update({k: v for k, v in exc.errors.items() if k not in errors})
        return attrs

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        mission = {name: attrs.pop(name) for name in MISSION_FIELDS if name in attrs}
        typed = attrs.pop(AS_TYPED, {})
        return {"mission": mission, "clinical": attrs, AS_TYPED: typed}


class ReferralAssessInput(ClinicalInput):
    """The form's fields as typed so far: everything optional; contact fields are accepted and ignored."""

    support = serializers.ChoiceField(choices=Support.choices, required=False, allow_null=True)
    patient_age = LocalIntegerField(min_value=0, max_value=120, required=False, allow_null=True)
    patient_sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_null=True)
    patient_weight_kg = LocalFloatField(min_value=1, max_value=400, required=False, allow_null=True)
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
        attrs.pop(AS_TYPED, None)
        return {"mission": {name: mission[name] for name in PATIENT_FIELDS}, "clinical": attrs}


class ReferralUpdateInput(ClinicalInput):
    """Only the fields sent are changed; null clears a value (it becomes "not given")."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        typed = attrs.pop(AS_TYPED, {})
        return {"clinical": attrs, AS_TYPED: typed}


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
            "as_typed",
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
