"""Referral pages: the form a regional doctor fills in, and the referral's page with the decision, live."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch import roles, statuses
from dispatch import selectors as dispatch_selectors
from dispatch.errors import NotVisible
from dispatch.models import MissionKind, MissionStatus, Sex, Support
from dispatch.referrals import audit, clinical, selectors
from hospitals.models import Hospital, HospitalKind


def _sections() -> list[dict]:
    return [
        {
            "id": key,
            "title": title,
            "fields": [
                {"spec": f, "options": [(c, c.replace("_", " ")) for c in f.choices]}
                for f in clinical.FIELDS
                if f.section == key and f.name not in clinical.GAS_FIELDS
            ],
        }
        for key, title in clinical.SECTIONS.items()
    ]


def _labels() -> dict[str, str]:
    """Names of ClinicalInputs fields for the "missing" lists, in the clinic's words."""
    labels = {"age_years": "Age", "sex": "Sex", "weight_kg": "Weight", "support": "Requested support"}
    labels |= {f.name: f.label for f in clinical.FIELDS}
    return labels


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
        "assessUrl": reverse("api-referral-assess"),
        "createUrl": reverse("api-referrals"),
        "detailUrl": reverse("referral-detail", args=[0]),
        # Where a possible duplicate opens: coordinators work from the mission page.
        "missionUrl": reverse("mission-timeline" if is_coordinator else "referral-detail", args=[0]),
        "statusLabels": {value: str(label) for value, label in MissionStatus.choices},
        "texts": _form_texts(),
        "labels": _labels(),
    }
    context = {
        "sections": _sections(),
        "supports": Support.choices,
        "sexes": Sex.choices,
        "kinds": MissionKind.choices,
        "default_kind": MissionKind.PRIMARY,
        "hospital_groups": _referring_hospitals() if is_coordinator else None,
        "own_hospital": Hospital.objects.filter(pk=hospital_id).first() if hospital_id else None,
        "config": config,
    }
    return render(request, "referrals/new.html", context)


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
    config = {
        "stream": f"/ws/missions/{mission.pk}/",
        "after": last.sequence if last else dispatch_selectors.current_sequence(),
        "referralUrl": reverse("api-mission-referral", args=[mission.pk]),
        "reconnectInitialMs": settings.REALTIME_RECONNECT_INITIAL_MS,
        "reconnectMaxMs": settings.REALTIME_RECONNECT_MAX_MS,
        "staleMs": int(settings.REALTIME_CATCH_UP_SECONDS * 3000) + 5000,
        "statusLabels": {value: str(label) for value, label in MissionStatus.choices},
        "terminal": sorted(statuses.TERMINAL),
        "labels": _labels(),
    }
    given = [(f, getattr(referral, f.name)) for f in clinical.FIELDS]
    values = [{"field": f, "value": value} for f, value in given if value is not None]
    context = {
        "referral": referral,
        "mission": mission,
        "values": values,
        "assessment": selectors.assessment_for(referral),
        "config": config,
    }
    return render(request, "referrals/detail.html", context)
