"""Serializers per use: small inputs that validate; outputs document the shapes `dispatch.presenters` builds."""

from django.utils.translation import gettext_lazy as _
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from dispatch import statuses
from dispatch.models import (
    ADVERSE_EVENT_CODES,
    AdverseCategory,
    MissionKind,
    MissionStatus,
    Outcome,
    Severity,
    Sex,
    Support,
    SupportMode,
    TeamRole,
    TransportMode,
)
from hospitals.models import Hospital
from hospitals.serializers import HospitalBrief


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
        child=serializers.ChoiceField(choices=TeamRole.choices), required=False, allow_empty=False,
        help_text=_("Coordinators only (a referrer sending it gets 403); default: DEFAULT_REQUIRED_TEAM_ROLES."),
    )
    kind = serializers.ChoiceField(
        choices=MissionKind.choices,
        default=MissionKind.PRIMARY,
        help_text=_("primary: the team cannulates on site; secondary: the patient is already on ECMO."),
    )
    patient_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=60, default="",
        help_text=_("The referring hospital's own patient reference; never sent by SMS."),
    )
    occurred_at = serializers.DateTimeField(
        required=False, help_text=_("Time of the first call (becomes requested_at); not in the future.")
    )
    confirm_not_duplicate = serializers.BooleanField(
        default=False,
        help_text=_("Send true after a 409 possible_duplicate when this is another patient."),
    )


class AssignmentOutput(serializers.Serializer):
    team_role = serializers.CharField()
    member_id = serializers.IntegerField()
    member = serializers.CharField(help_text=_("Full name, else login."))
    assigned_at = serializers.DateTimeField()


class AdverseEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.ChoiceField(choices=AdverseCategory.choices)
    category_label = serializers.CharField()
    code = serializers.CharField()
    code_label = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    severity_label = serializers.CharField()
    phase = serializers.ChoiceField(choices=MissionStatus.choices)
    occurred_at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)
    reported_by = serializers.CharField()


class MissionOutput(serializers.Serializer):
    """The mission summary of `dispatch.presenters` (also on the live streams); documents its shape."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    url = serializers.CharField(help_text=_("The mission's page."))
    status = serializers.ChoiceField(choices=MissionStatus.choices)
    status_label = serializers.CharField()
    support = serializers.ChoiceField(choices=Support.choices)
    support_label = serializers.CharField()
    referring_hospital = HospitalBrief()
    receiving_centre = HospitalBrief()
    patient_age = serializers.IntegerField()
    patient_sex = serializers.ChoiceField(choices=Sex.choices)
    patient_weight_kg = serializers.FloatField()
    referring_physician = serializers.CharField()
    callback_phone = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    required_roles = serializers.ListField(child=serializers.ChoiceField(choices=TeamRole.choices))
    team = AssignmentOutput(many=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    requested_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    phase_times = serializers.DictField(
        child=serializers.DateTimeField(allow_null=True),
        help_text=_("requested_at and every phase timestamp (null until the phase happens)."),
    )
    close_reason = serializers.CharField(allow_blank=True)
    allowed_transitions = serializers.ListField(child=serializers.ChoiceField(choices=MissionStatus.choices))
    coverage = serializers.DictField(
        child=serializers.DictField(),
        help_text=_("Per required role: {state, member, busy}; state is accepted, paging, declined, uncovered, "
                    "covered_by_phone, withdrawn (paged, then called off with the mission) or not_paged; busy "
                    "lists [{member, mission_code}]: people on call for the role who are on another active "
                    "mission (filled while the team is being found)."),
    )
    referral = serializers.DictField(
        allow_null=True,
        help_text=_("Scores, count of missing inputs, EOLIA status, absolute contraindications and the cause "
                    "({code, label} or null); null without a referral."),
    )
    kind = serializers.ChoiceField(choices=MissionKind.choices)
    kind_label = serializers.CharField()
    is_drill = serializers.BooleanField(help_text=_("An activation drill: never a patient."))
    patient_reference = serializers.CharField(allow_blank=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True)
    outcome_label = serializers.CharField(allow_blank=True)
    support_mode = serializers.ChoiceField(choices=SupportMode.choices, allow_blank=True)
    outbound_transport_mode = serializers.ChoiceField(choices=TransportMode.choices, allow_blank=True)
    return_transport_mode = serializers.ChoiceField(choices=TransportMode.choices, allow_blank=True)
    review_at = serializers.DateTimeField(allow_null=True)
    next_phase = serializers.DictField(
        allow_null=True, help_text=_("The team's next phase from here: {to, label}; null when there is none.")
    )
    adverse_events = AdverseEventOutput(many=True)
    travel = serializers.DictField(
        allow_null=True,
        help_text=_("outbound and return estimates, expected_arrival, expected_arrival_basis, remaining_km, "
                    "phase; null in lists and transition answers (see docs/travel.md)."),
    )
    preparation = serializers.DictField(
        allow_null=True,
        help_text=_("The referring ICU's preparation checklist: {done, total, url}; null when the mission has none "
                    "(opened on activation; see docs/preparation.md)."),
    )


class TransitionInput(serializers.Serializer):
    to = serializers.ChoiceField(choices=MissionStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    expected_status = serializers.ChoiceField(
        choices=MissionStatus.choices,
        required=False,
        help_text=_("The status the client believes is current; a mismatch is a 409 (a double tap never "
                    "advances twice)."),
    )
    occurred_at = serializers.DateTimeField(
        required=False,
        help_text=_("When it happened (a tap queued offline). Not more than TRACKING_CLOCK_SKEW_S in the future, "
                    "not before the current phase's time."),
    )
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        help_text=_("Required to abort (%(aborted)s), to cancel (%(cancelled)s), and on_site → en_route_back "
                    "(transported_without_ecmo).")
        % {"aborted": ", ".join(statuses.ABORT_OUTCOMES), "cancelled": ", ".join(statuses.CANCEL_OUTCOMES)},
    )
    support_mode = serializers.ChoiceField(
        choices=SupportMode.choices, required=False, help_text=_("Required at on_ecmo: vv, va or vav.")
    )
    transport_mode = serializers.ChoiceField(
        choices=TransportMode.choices,
        required=False,
        help_text=_("Required at each departure (en_route_out, en_route_back): road or helicopter."),
    )
    review_at = serializers.DateTimeField(
        required=False, help_text=_("With advice_given: when the coordinator and the referrer are reminded.")
    )
    # The reason, outcome and modes a change needs are checked together by the state machine.


class UndoInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("Why the last phase tap is taken back."))
    expected_status = serializers.ChoiceField(
        choices=MissionStatus.choices,
        required=False,
        help_text=_("The status being taken back; a mismatch is a 409 (a double tap never undoes twice)."),
    )


class CorrectionInput(serializers.Serializer):
    field = serializers.ChoiceField(choices=[*statuses.TIME_FIELDS, *statuses.CORRECTABLE_CHOICE_FIELDS])
    value = serializers.CharField(
        help_text=_("A time in ISO 8601 with offset for a time field; a code for outcome and the modes.")
    )
    reason = serializers.CharField(max_length=2000)


class AdverseEventInput(serializers.Serializer):
    category = serializers.ChoiceField(choices=AdverseCategory.choices)
    code = serializers.CharField(
        max_length=40,
        help_text="; ".join(f"{category}: {', '.join(codes)}" for category, codes in ADVERSE_EVENT_CODES.items()),
    )
    severity = serializers.ChoiceField(choices=Severity.choices)
    phase = serializers.ChoiceField(
        choices=MissionStatus.choices, required=False, help_text=_("Defaults to the mission's current phase.")
    )
    occurred_at = serializers.DateTimeField(required=False, help_text=_("Defaults to now."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class EventOutput(serializers.Serializer):
    """One timeline event (`dispatch.presenters.event_summary`, also the body of a live `mission.event`)."""

    sequence = serializers.IntegerField()
    mission_id = serializers.IntegerField()
    mission_code = serializers.CharField()
    kind = serializers.CharField()
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_null=True, help_text=_("Full name, else login; null for the system."))
    source = serializers.CharField()
    note = serializers.CharField(allow_blank=True)
    payload = serializers.DictField()
    label = serializers.CharField(help_text=_("What happened, in words (translated)."))
    occurred_at = serializers.DateTimeField(help_text=_("When it happened (a tap's own time, the first call)."))
    created_at = serializers.DateTimeField(help_text=_("When it was recorded."))


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
