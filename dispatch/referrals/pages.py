"""Referral pages: the form a regional doctor fills in, and the referral's page with the decision, live."""

from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch import roles, statuses
from dispatch import selectors as dispatch_selectors
from dispatch.decision_support.inputs import MMHG_PER_KPA
from dispatch.errors import NotVisible
from dispatch.models import MissionKind, MissionStatus, Sex, Support
from dispatch.referrals import audit, clinical, selectors
from dispatch.referrals.models import Referral
from dispatch.referrals.serializers import GAS_INPUTS, KPA, MMHG
from dispatch.tracking.selectors import mission_travel
from hospitals.models import Hospital, HospitalKind


def _typed_number(value: Any) -> str:
    """A number for an input, as typed in the page's language ("7,5"); empty when not given."""
    return "" if value is None else clinical.number(value, 4)


def _prefill(referral: Referral | None) -> dict[str, dict[str, str]]:
    """Each field's input text, as the referrer typed it (kPa stays kPa, days stay days)."""
    if referral is None:
        return {}
    typed = referral.as_typed or {}
    values: dict[str, dict[str, str]] = {}
    for f in clinical.FIELDS:
        value = getattr(referral, f.name)
        if f.kind == clinical.BOOL:
            text = "" if value is None else ("true" if value else "false")
        elif f.kind == clinical.CHOICE:
            text = value or ""
        elif f.name in typed and "value" in typed[f.name]:
            text = _typed_number(typed[f.name]["value"])
        else:
            text = _typed_number(value)
        values[f.name] = {"value": text}
    ventilation = typed.get("ventilation_hours") or {}
    if ventilation:
        values["ventilation_hours"] = {
            "value": _typed_number(ventilation.get("hours")),
            "days": _typed_number(ventilation.get("days")),
        }
    return values


def _gas_unit(referral: Referral | None) -> str:
    typed = (referral.as_typed or {}) if referral else {}
    for name in clinical.GAS_FIELDS:
        if name in typed:
            return typed[name]["unit"]
    return KPA  # Slovene labs report kPa


def _sections(referral: Referral | None = None) -> list[dict]:
    prefill = _prefill(referral)
    return [
        {
            "id": key,
            "title": title,
            "fields": [
                {
                    "spec": f,
                    "options": [(c, clinical.choice_label(c)) for c in f.choices],
                    **prefill.get(f.name, {"value": ""}),
                }
                for f in clinical.FIELDS
                if f.section == key and f.name not in clinical.GAS_FIELDS
            ],
        }
        for key, title in clinical.SECTIONS.items()
    ]


def _gases(referral: Referral | None = None) -> list[dict]:
    prefill = _prefill(referral)
    return [
        {
            "name": given,
            "label": clinical.BY_NAME[stored].label,
            "low": clinical.BY_NAME[stored].low,
            "high": clinical.BY_NAME[stored].high,
            "value": prefill.get(stored, {}).get("value", ""),
        }
        for given, stored in GAS_INPUTS.items()
    ]


def _fields_context(referral: Referral | None = None) -> dict[str, Any]:
    return {
        "sections": _sections(referral),
        "gases": _gases(referral),
        "gas_units": (KPA, MMHG),
        "gas_unit": _gas_unit(referral),
    }


def _labels() -> dict[str, str]:
    """Names of ClinicalInputs fields for the "missing" lists, in the clinic's words."""
    labels = {"age_years": _("Age"), "sex": _("Sex"), "weight_kg": _("Weight"), "support": _("Requested support")}
    labels |= {f.name: str(f.label) for f in clinical.FIELDS}
    labels |= {"pao2": str(clinical.BY_NAME["pao2_mmhg"].label), "paco2": str(clinical.BY_NAME["paco2_mmhg"].label)}
    labels |= {
        "ventilation_days": str(clinical.BY_NAME["ventilation_hours"].label),
        "gas_unit": _("Unit of the blood gases"),
    }
    labels |= {
        "patient_age": _("Age"),
        "patient_sex": _("Sex"),
        "patient_weight_kg": _("Weight"),
        "referring_physician": _("Your name"),
        "callback_phone": _("Callback phone"),
        "referring_hospital": _("Referring hospital"),
        "occurred_at": _("Time of the first call"),
        "patient_reference": _("Your patient reference"),
        "kind": _("Is the patient already on ECMO?"),
    }
    return labels


def _input_config() -> dict[str, Any]:
    """What the form script needs to read and check the inputs: units, ranges, words."""
    return {
        "mmhgPerKpa": MMHG_PER_KPA,
        "choiceLabels": {value: str(label) for value, label in clinical.CHOICE_LABELS.items()},
        "labels": _labels(),
    }


def _referring_hospitals() -> list[dict]:
    """What a coordinator may refer from: regional hospitals, and the satellites and ECMO units
    (a secondary transfer starts there: the patient is already on ECMO)."""
    groups = ((HospitalKind.REGIONAL, _("Regional hospitals")), (HospitalKind.ECMO_UNIT, _("Satellite and ECMO units")))
    return [
        {"label": label, "hospitals": list(Hospital.objects.filter(kind=kind).order_by("name"))}
        for kind, label in groups
    ]


def _form_texts() -> dict[str, str]:
    """The form script's words (the duplicate warning), translated here."""
    return {
        "duplicateTitle": _("Check: is this the same patient?"),
        "duplicateOpen": _("Open %(code)s (%(status)s)"),
        "sendAnyway": _("This is a different patient: send anyway"),
        "sendFailed": _("Sending failed (%(status)s); please try again."),
        "offline": _("No connection; nothing was sent. Please try again."),
    }


@login_required
def new_referral(request: HttpRequest) -> HttpResponse:
    """Referring doctors (their own hospital) and coordinators (any regional hospital or ECMO unit)."""
    user = request.user
    is_coordinator = roles.is_coordinator(user)
    hospital_id = roles.referrer_hospital_id(user)
    if not is_coordinator and hospital_id is None:
        raise PermissionDenied
    config = {
        **_input_config(),
        "assessUrl": reverse("api-referral-assess"),
        "createUrl": reverse("api-referrals"),
        "detailUrl": reverse("referral-detail", args=[0]),
        # Where a possible duplicate opens: coordinators work from the mission page.
        "missionUrl": reverse("mission-timeline" if is_coordinator else "referral-detail", args=[0]),
        "statusLabels": {value: str(label) for value, label in MissionStatus.choices},
        "texts": _form_texts(),
    }
    context = {
        **_fields_context(),
        "supports": Support.choices,
        "sexes": Sex.choices,
        "kinds": MissionKind.choices,
        "default_kind": MissionKind.PRIMARY,
        "hospital_groups": _referring_hospitals() if is_coordinator else None,
        "own_hospital": Hospital.objects.filter(pk=hospital_id).first() if hospital_id else None,
        # A referring doctor refers as themselves: one field less to type at 3 a.m. (a coordinator
        # refers on a caller's behalf, so theirs stays empty).
        "referring_physician": "" if is_coordinator else user.get_full_name(),
        "config": config,
    }
    return render(request, "referrals/new.html", context)


# The centre's decision in the referring doctor's words; "pending" until there is one.
PENDING = "pending"
# Cancelled after the centre had decided: the decision no longer holds, and nobody is coming.
CALLED_OFF = "called_off"
TURNED_BACK = "turned_back"
ENDED = "ended"


def _decision_words() -> dict[str, str]:
    return {
        PENDING: _("Not decided yet: the centre is reviewing your referral"),
        MissionStatus.TEAM_ACTIVATED: _("Accepted: the mobile ECMO team comes to you"),
        MissionStatus.CONVENTIONAL_TRANSFER: _(
            "Accepted: transfer the patient to the centre yourselves (no ECMO team)"
        ),
        MissionStatus.ADVICE_GIVEN: _("Advice given: no transfer for now"),
        MissionStatus.DECLINED: _("Declined"),
        MissionStatus.CANCELLED: _("Cancelled before a decision"),
        CALLED_OFF: _("Called off: the mission was cancelled, nobody is coming"),
        TURNED_BACK: _("Called off: the team turned back, nobody is coming"),
        ENDED: _("Ended: the mission ended without a hand-over at the centre"),
    }


def _phase_words() -> dict[str, str]:
    """Where the mission stands now, in plain words for the referring ICU (not the centre's jargon)."""
    return {
        MissionStatus.REQUESTED: _("Referral received; waiting for review"),
        MissionStatus.UNDER_REVIEW: _("The centre is reviewing the referral"),
        MissionStatus.DECLINED: _("Closed"),
        MissionStatus.ADVICE_GIVEN: _("Closed with advice; call the centre if the patient changes"),
        MissionStatus.CONVENTIONAL_TRANSFER: _("You transfer the patient to the centre"),
        MissionStatus.TEAM_ACTIVATED: _("The team is being called in"),
        MissionStatus.TEAM_READY: _("The team is ready to leave"),
        MissionStatus.EN_ROUTE_OUT: _("The team is on its way to you"),
        MissionStatus.ON_SITE: _("The team is at the bedside"),
        MissionStatus.CANNULATING: _("Cannulation has started"),
        MissionStatus.ON_ECMO: _("ECMO flow established"),
        MissionStatus.EN_ROUTE_BACK: _("The patient is on the way to the centre"),
        MissionStatus.ARRIVED: _("The patient has arrived at the centre"),
        MissionStatus.COMPLETED: _("The patient was handed over at the centre"),
        MissionStatus.CANCELLED: _("Cancelled"),
        MissionStatus.ABORTED: _("Ended without transfer"),
    }


def _decision(mission) -> tuple[str, str]:
    """The centre's decision (a status of statuses.DECISION_TEXTS, "pending", "cancelled",
    "called_off", "turned_back" or "ended") and its note.

    Read from the timeline, so the coordinator's note is there after a reload. A mission back
    under review (advice, then the patient changed) is pending again. A mission cancelled after
    the decision is "called off", with the reason: "the team comes to you" no longer holds. An
    aborted mission whose team never reached the bedside "turned back"; the referring ICU must not
    go on waiting for it. One aborted later "ended" there, with the team's reason.
    """
    if mission.status in (MissionStatus.REQUESTED, MissionStatus.UNDER_REVIEW):
        return PENDING, ""
    if mission.status == MissionStatus.ABORTED:
        return (ENDED if mission.on_site_at else TURNED_BACK), mission.close_reason
    event = (
        dispatch_selectors.mission_events(mission=mission)
        .filter(kind="mission.status_changed", to_status__in=list(statuses.DECISION_TEXTS))
        .order_by("-sequence")
        .first()
    )
    if mission.status == MissionStatus.CANCELLED:
        return (MissionStatus.CANCELLED if event is None else CALLED_OFF), mission.close_reason
    if event is None:
        return PENDING, mission.close_reason
    return event.to_status, event.note


def _readable_phone(number: str) -> str:
    """+38615225050 → "+386 1 522 50 50": easier to read out and to check."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return number


def _may_update(user, mission) -> bool:
    if mission.status in statuses.TERMINAL:
        return False
    if roles.is_coordinator(user):
        return True
    return roles.is_referrer(user) and roles.referrer_hospital_id(user) == mission.referring_hospital_id


@login_required
def referral_detail(request: HttpRequest, mission_id: int) -> HttpResponse:
    """Everyone who may see the mission; the decision arrives live over `ws/missions/<id>/`."""
    try:
        referral = selectors.referral_visible_to(request.user, mission_id)
    except NotVisible:
        raise Http404 from None
    mission = referral.mission
    audit.record_read(request=request, mission_id=mission.pk, endpoint="page.referral")
    last = dispatch_selectors.mission_events(mission=mission).last()
    decision, decision_note = _decision(mission)
    travel = mission_travel(mission) if mission.status in statuses.TRACKED_PHASES else None
    config = {
        **_input_config(),
        "stream": f"/ws/missions/{mission.pk}/",
        "after": last.sequence if last else dispatch_selectors.current_sequence(),
        "referralUrl": reverse("api-mission-referral", args=[mission.pk]),
        # The checklist's API carries the planned arrival before the team leaves (the SMS's time).
        "preparationUrl": reverse("api-mission-preparation", args=[mission.pk]),
        "reconnectInitialMs": settings.REALTIME_RECONNECT_INITIAL_MS,
        "reconnectMaxMs": settings.REALTIME_RECONNECT_MAX_MS,
        "staleMs": int(settings.REALTIME_CATCH_UP_SECONDS * 3000) + 5000,
        "statusLabels": {value: str(label) for value, label in MissionStatus.choices},
        "decisions": _decision_words(),
        "phases": _phase_words(),
        # A closed mission needs no preparation: its checklist link goes.
        "closed": sorted(statuses.CLOSED),
        "terminal": sorted(statuses.TERMINAL),
        "travelling": sorted(statuses.TRACKED_PHASES),
        "support": mission.support,
        # The connection indicator's words for dispatch/live.js (the same as dispatch.pages' live pages,
        # which this layer may not import).
        "connection": {
            "connecting": _("Connecting…"),
            "reconnecting": _("Reconnecting…"),
            "live": _("Live"),
            "loggedOut": _("Logged out"),
            "noAccess": _("No access"),
            "offlineRetry": _("Offline — retry in {s} s"),
            "reconnectRetry": _("Reconnecting — retry in {s} s"),
        },
    }
    values = [
        {"field": f, "text": clinical.shown_value(f, getattr(referral, f.name), (referral.as_typed or {}).get(f.name))}
        for f in clinical.FIELDS
        if getattr(referral, f.name) is not None
    ]
    context = {
        **_fields_context(referral),
        "prefix": "u-",
        "referral": referral,
        "mission": mission,
        "values": values,
        "decision": decision,
        "decision_text": _decision_words().get(decision, ""),
        "decision_note": decision_note,
        "phase_text": _phase_words().get(mission.status, mission.get_status_display()),
        "expected_arrival": (travel or {}).get("expected_arrival"),
        "centre_phone": settings.CENTRE_PHONE,
        "centre_phone_text": _readable_phone(settings.CENTRE_PHONE),
        "callback_phone_text": _readable_phone(str(mission.callback_phone)),
        "may_update": _may_update(request.user, mission),
        "updated": request.GET.get("updated") == "1",
        "assessment": selectors.assessment_for(referral),
        "config": config,
    }
    return render(request, "referrals/detail.html", context)
