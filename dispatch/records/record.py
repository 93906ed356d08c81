"""The mission record: one builder for the printable page, its PDF and `GET /api/v1/missions/{id}/record/`.

The record is the mission as it ended, for filing and for the registry. It is read, never stored:
- times are the mission's fields, which corrections change in place (the corrected times);
  the `mission.corrected` events keep the history, listed here old → new;
- the referral is shown as it was at the centre's decision: later changes (kept old → new in
  `ReferralChange`, each tied to its timeline event) are taken back, and the scores are worked
  out again from those values;
- a phase never reached has no time, and every interval touching it is empty, never 0.
Times are ISO 8601 in UTC here; the page and the PDF show them in DISPLAY_TIME_ZONE (`display_time`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch import roles, statuses
from dispatch.decision_support import ClinicalInputs, assess
from dispatch.models import Mission, MissionEvent, MissionStatus, Outcome, SupportMode, TeamRole, TransportMode
from dispatch.presenters import adverse_event_summaries, hospital_brief
from dispatch.records.models import Debrief, PatientFollowUp
from dispatch.records.selectors import DEBRIEFED_STATUSES, debrief_due_at
from dispatch.referrals import clinical
from dispatch.referrals.models import Referral, ReferralChange
from dispatch.referrals.selectors import mission_values
from dispatch.roles import display_name

# The intervals a retrieval programme reports (issue "Quality and readiness", docs/records.md):
# key -> (from field, to field, label). Both ends are corrected phase times.
INTERVALS: tuple[tuple[str, str, str, Any], ...] = (
    ("referral_to_decision", "requested_at", "decided_at", gettext_lazy("Referral → decision")),
    ("decision_to_team_ready", "decided_at", "team_ready_at", gettext_lazy("Decision → team ready")),
    ("team_ready_to_departure", "team_ready_at", "departed_at", gettext_lazy("Team ready → departure")),
    ("departure_to_bedside", "departed_at", "on_site_at", gettext_lazy("Departure → bedside")),
    ("bedside_to_flow", "on_site_at", "flow_established_at", gettext_lazy("Bedside → ECMO flow")),
    (
        "flow_to_departure_with_patient",
        "flow_established_at",
        "departed_with_patient_at",
        gettext_lazy("ECMO flow → departure with patient"),
    ),
    ("departure_to_arrival", "departed_with_patient_at", "arrived_at", gettext_lazy("Departure → arrival at centre")),
    ("referral_to_flow", "requested_at", "flow_established_at", gettext_lazy("Referral → ECMO flow")),
    ("activation_to_flow", "team_activated_at", "flow_established_at", gettext_lazy("Activation → ECMO flow")),
)

# The statuses that are the centre's decision on a referral (the decision SMS says each).
DECISIONS: frozenset[str] = frozenset(statuses.DECISION_TEXTS)

SCORE_NAMES: dict[str, Any] = {
    "murray": gettext_lazy("Murray lung injury score"),
    "resp": gettext_lazy("RESP score"),
    "save": gettext_lazy("SAVE score"),
    "preserve": gettext_lazy("PRESERVE score (as reproduced by Klinzing 2015)"),
}

# The EOLIA entry criteria's state in words (as the referral page says it).
EOLIA_STATUS: dict[str, Any] = {
    "met": gettext_lazy("met"),
    "not_met": gettext_lazy("not met"),
    "undeterminable": gettext_lazy("cannot be decided yet"),
}

# Inputs kept on the mission rather than the referral, named for the "not given" list.
MISSION_INPUT_LABELS: dict[str, Any] = {
    "age_years": gettext_lazy("Age"),
    "sex": gettext_lazy("Sex"),
    "weight_kg": gettext_lazy("Weight"),
    "support": gettext_lazy("Requested support"),
}

_ROLE_ORDER = {role: n for n, role in enumerate(TeamRole.values)}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else ""


def minutes_between(start: datetime | None, end: datetime | None) -> float | None:
    """Minutes from one phase to the next (one decimal); None when either phase never happened."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def _decision_event(mission: Mission) -> MissionEvent | None:
    """The centre's last decision on the referral (advice may be re-opened and decided again)."""
    return (
        mission.events.select_related("actor")
        .filter(kind="mission.status_changed", to_status__in=DECISIONS)
        .order_by("-sequence")
        .first()
    )


def referral_at_decision(referral: Referral, decision: MissionEvent | None) -> dict[str, Any]:
    """The referral's clinical values as they stood at the decision (now, without a decision)."""
    values = {name: getattr(referral, name) for name in clinical.NAMES}
    if decision is None:
        return values
    taken_back: set[str] = set()
    later = ReferralChange.objects.filter(referral=referral, event__sequence__gt=decision.sequence)
    for change in later.order_by("event__sequence", "pk"):
        if change.field in values and change.field not in taken_back:
            values[change.field] = change.old_value
            taken_back.add(change.field)
    return values


def _referral(mission: Mission, decision: MissionEvent | None) -> dict[str, Any] | None:
    referral = Referral.objects.filter(mission=mission).first()
    if referral is None:
        return None
    values = referral_at_decision(referral, decision)
    now_values = {name: getattr(referral, name) for name in clinical.NAMES}
    assessment = assess(
        ClinicalInputs.from_mapping(clinical.inputs_mapping(mission_values=mission_values(mission), clinical=values))
    )
    support = assessment["support"]
    typed = referral.as_typed or {}

    def shown(f: clinical.ClinicalField, value: Any) -> str:
        """As typed ("7 kPa") while the value is the one typed; a value taken back in its stored unit."""
        return clinical.shown_value(f, value, typed.get(f.name) if value == now_values[f.name] else None)

    sections = []
    for key, title in clinical.SECTIONS.items():
        rows = [
            {"field": f.name, "label": str(f.label), "value": values[f.name], "unit": f.unit, "kind": f.kind,
             "shown": shown(f, values[f.name])}
            for f in clinical.FIELDS
            if f.section == key and values[f.name] is not None
        ]
        if rows:
            sections.append({"id": key, "title": str(title), "values": rows})
    scores = [
        {
            "name": name,
            "label": str(SCORE_NAMES.get(name, name)),
            "score": assessment["scores"][name]["score"],
            "risk_class": assessment["scores"][name]["risk_class"],
            "predicted_survival_percent": assessment["scores"][name]["predicted_survival_percent"],
            "complete": assessment["scores"][name]["complete"],
        }
        for name in assessment["relevant_scores"]
    ]
    missing = assessment["missing"].get(support, {}).get("all", []) if support else []
    eolia = assessment["criteria"]["vv_eolia"]["status"] if support == "vv" else None
    return {
        "at_decision": decision is not None,
        "as_of": _iso(decision.occurred_at or decision.created_at) if decision else None,
        "submitted_at": _iso(referral.submitted_at),
        "sections": sections,
        "scores": scores,
        "eolia": eolia,
        "eolia_label": str(EOLIA_STATUS.get(eolia, "")) if eolia else "",
        "absolute_contraindications": (
            assessment["contraindications"]["by_support"][support]["absolute_present"] if support else []
        ),
        "missing": [str(clinical.BY_NAME[n].label if n in clinical.BY_NAME else MISSION_INPUT_LABELS.get(n, n))
                    for n in missing],
        # What the referring ICU reported after the decision (the record keeps the decision's values).
        "changed_after_decision": [
            {"field": f.name, "label": str(f.label), "at_decision": values[f.name], "now": now_values[f.name],
             "at_decision_shown": "" if values[f.name] is None else shown(f, values[f.name]),
             "now_shown": "" if now_values[f.name] is None else shown(f, now_values[f.name])}
            for f in clinical.FIELDS
            if values[f.name] != now_values[f.name]
        ],
    }


def _decision(mission: Mission, event: MissionEvent | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {
        "status": event.to_status,
        "label": _label(MissionStatus, event.to_status),
        # The mission's decision time: a correction changes it there, not in the event.
        "decided_at": _iso(mission.decided_at),
        "by": display_name(event.actor),
        "reason": (event.payload or {}).get("reason") or event.note,
    }


def _team(mission: Mission) -> list[dict[str, Any]]:
    assignments = sorted(
        mission.assignments.select_related("member"),
        key=lambda a: (_ROLE_ORDER.get(a.team_role, 99), a.assigned_at, a.pk),
    )
    return [
        {
            "team_role": a.team_role,
            "role_label": _label(TeamRole, a.team_role),
            "member_id": a.member_id,
            "member": display_name(a.member),
            "assigned_at": _iso(a.assigned_at),
        }
        for a in assignments
    ]


def _phases(mission: Mission) -> list[dict[str, Any]]:
    return [
        {"field": field, "label": str(statuses.FIELD_LABELS[field]), "at": _iso(getattr(mission, field))}
        for field in statuses.TIME_FIELDS
    ]


def _intervals(mission: Mission) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": str(label),
            "from": start,
            "to": end,
            "minutes": minutes_between(getattr(mission, start), getattr(mission, end)),
        }
        for key, start, end, label in INTERVALS
    ]


def _choice_label(field: str, value: Any) -> str:
    choices = {
        "outcome": Outcome,
        "support_mode": SupportMode,
        "outbound_transport_mode": TransportMode,
        "return_transport_mode": TransportMode,
    }.get(field)
    return _label(choices, value) if choices and isinstance(value, str) else ""


def _corrections(mission: Mission) -> list[dict[str, Any]]:
    events = mission.events.select_related("actor").filter(kind="mission.corrected").order_by("sequence")
    found = []
    for event in events:
        p = event.payload or {}
        field = p.get("field", "")
        found.append(
            {
                "sequence": event.sequence,
                "field": field,
                "label": str(statuses.FIELD_LABELS.get(field, field)),
                "is_time": field in statuses.TIME_FIELDS,
                "old": p.get("old"),
                "new": p.get("new"),
                "old_label": _choice_label(field, p.get("old")),
                "new_label": _choice_label(field, p.get("new")),
                "reason": p.get("reason") or event.note,
                "by": display_name(event.actor),
                "at": _iso(event.created_at),
            }
        )
    return found


def debrief_record(debrief: Debrief) -> dict[str, Any]:
    return {
        "submitted_at": _iso(debrief.submitted_at),
        "submitted_by": display_name(debrief.submitted_by),
        "went_well": debrief.went_well,
        "went_wrong": debrief.went_wrong,
        "equipment_issues": debrief.equipment_issues,
        "actions": [
            {"action": a.action, "owner_id": a.owner_id, "owner": display_name(a.owner)}
            for a in debrief.actions.select_related("owner").order_by("pk")
        ],
    }


def follow_up_record(follow_up: PatientFollowUp) -> dict[str, Any]:
    return {
        "decannulated_on": follow_up.decannulated_on.isoformat() if follow_up.decannulated_on else None,
        "survived_ecmo": follow_up.survived_ecmo,
        "survived_ecmo_label": str(follow_up.get_survived_ecmo_display()),
        "survived_hospital": follow_up.survived_hospital,
        "survived_hospital_label": str(follow_up.get_survived_hospital_display()),
        "entered_by": display_name(follow_up.entered_by),
        "updated_at": _iso(follow_up.updated_at),
    }


def _debrief_part(mission: Mission, user, now: datetime) -> tuple[dict | None, dict | None]:
    """(the debrief, when it is due if still awaited). The debrief is the team's own review:
    referring hospitals read the record without it."""
    if not (roles.is_coordinator(user) or roles.is_team_member(user)):
        return None, None
    debrief = Debrief.objects.select_related("submitted_by").filter(mission=mission).first()
    if debrief is not None:
        return debrief_record(debrief), None
    if mission.status in DEBRIEFED_STATUSES and not mission.is_drill and mission.closed_at:
        due_at = debrief_due_at(mission.closed_at)
        return None, {"due_at": _iso(due_at), "overdue": due_at < now}
    return None, None


def mission_record(mission: Mission, *, user) -> dict[str, Any]:
    """The whole record of one mission as `user` may read it (the caller has checked they may).

    The one builder behind the record page, its PDF and the JSON API.
    """
    now = timezone.now()
    decision = _decision_event(mission)
    debrief, debrief_due = _debrief_part(mission, user, now)
    follow_up = PatientFollowUp.objects.select_related("entered_by").filter(mission=mission).first()
    return {
        "mission_id": mission.pk,
        "code": mission.code,
        "url": reverse("mission-record", args=[mission.pk]),
        "pdf_url": reverse("mission-record-pdf", args=[mission.pk]),
        "generated_at": _iso(now),
        "is_drill": mission.is_drill,
        "status": mission.status,
        "status_label": _label(MissionStatus, mission.status),
        "kind": mission.kind,
        "kind_label": str(mission.get_kind_display()),
        "support": mission.support,
        "support_label": str(mission.get_support_display()),
        "patient": {
            "reference": mission.patient_reference,
            "age_years": mission.patient_age,
            "sex": mission.patient_sex,
            "sex_label": mission.patient_sex_word(),
            "weight_kg": float(mission.patient_weight_kg),
        },
        "referring_hospital": hospital_brief(mission.referring_hospital),
        "referring_physician": mission.referring_physician,
        "receiving_centre": hospital_brief(mission.receiving_centre),
        "referral": _referral(mission, decision),
        "decision": _decision(mission, decision),
        "team": _team(mission),
        "phases": _phases(mission),
        "intervals": _intervals(mission),
        "outbound_transport_mode": mission.outbound_transport_mode,
        "outbound_transport_mode_label": _label(TransportMode, mission.outbound_transport_mode),
        "return_transport_mode": mission.return_transport_mode,
        "return_transport_mode_label": _label(TransportMode, mission.return_transport_mode),
        "support_mode": mission.support_mode,
        "support_mode_label": _label(SupportMode, mission.support_mode),
        "outcome": mission.outcome,
        "outcome_label": _label(Outcome, mission.outcome),
        "close_reason": mission.close_reason,
        "adverse_events": adverse_event_summaries([mission])[mission.pk],
        "corrections": _corrections(mission),
        "debrief": debrief,
        "debrief_due": debrief_due,
        "follow_up": follow_up_record(follow_up) if follow_up else None,
    }


def display_time(iso: str | None) -> str:
    """A record time as people read it: DISPLAY_TIME_ZONE, the short format of the page's language
    ("2. 12. 2026 14:05", as the live pages write it; one format for the page and the PDF)."""
    if not iso:
        return ""
    return date_format(timezone.localtime(datetime.fromisoformat(iso)), "SHORT_DATETIME_FORMAT")


def display_minutes(minutes: float | None) -> str:
    """Whole minutes as "45 min" or "1 h 04 min" (as `EcmoClock.duration` on the live pages)."""
    if minutes is None:
        return ""
    whole = max(0, int(minutes))
    if whole < 60:
        return _("%(m)d min") % {"m": whole}
    return _("%(h)d h %(m)02d min") % {"h": whole // 60, "m": whole % 60}
