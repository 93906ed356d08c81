"""The one read model of a mission: what REST, the live streams and the pages show of it.

A mission summary is the mission as it is *now*, JSON-ready, so a client simply replaces its
copy. Summaries are built in bulk (a fixed number of queries for any number of missions);
callers pass missions with their hospitals loaded (`dispatch.selectors.mission_list` does).
Wire shape: docs/realtime.md ("Mission summary"); the REST schema documents the same shape.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils.translation import get_language, gettext, gettext_lazy

from dispatch import statuses
from dispatch.models import (
    ADVERSE_EVENT_CODES,
    AdverseCategory,
    AdverseEvent,
    Mission,
    MissionEvent,
    MissionStatus,
    Outcome,
    Severity,
    SupportMode,
    TeamRole,
    TransportMode,
)
from dispatch.notifications.selectors import role_coverage
from dispatch.preparation.selectors import preparation_progress
from dispatch.referrals.selectors import referral_summary
from dispatch.roles import display_name
from dispatch.tracking.selectors import mission_travel, missions_travel

logger = logging.getLogger(__name__)

# Every phase timestamp once, in the order the phases happen (the model's field order).
_STAMPED = {field for fields in statuses.PHASE_TIMESTAMPS.values() for field in fields}
PHASE_FIELDS: tuple[str, ...] = tuple(f.name for f in Mission._meta.concrete_fields if f.name in _STAMPED)


def _iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, whatever offset the value arrived with, so equal times read the same."""
    return value.astimezone(UTC).isoformat() if value else None


def hospital_brief(hospital) -> dict[str, Any]:
    return {"id": hospital.pk, "code": hospital.code, "name": hospital.name}


class TravelMemo:
    """Travel already worked out, so snapshots and catch-up reads do not redo the estimates.

    Only missions outside the travel phases are remembered: their travel has no expected
    arrival from a position, and the key holds everything else it depends on (phase, hospitals,
    decision and departure times, the language its reasons are worded in). Nothing in it is the
    reader's, so one memo serves every stream of a process. A travelling mission's travel is read
    afresh every time, so its expected arrival (from the team's latest position) is never stale.
    Entries expire after `ttl_s`: before departure the estimates are counted from now, and the
    helicopter's night rule moves with it.
    Expired entries are dropped as new ones come in: each phase a mission passed through is a key.
    """

    def __init__(self, ttl_s: float = 60.0) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[tuple, tuple[float, dict | None]] = {}
        self._swept = time.monotonic()

    @staticmethod
    def key(mission: Mission) -> tuple | None:
        if mission.status in statuses.TRACKED_PHASES:
            return None
        return (
            mission.pk,
            mission.status,
            mission.referring_hospital_id,
            mission.receiving_centre_id,
            mission.decided_at,
            mission.departed_at,
            mission.departed_with_patient_at,
            get_language(),
        )

    def get(self, mission: Mission) -> tuple[bool, dict | None]:
        key = self.key(mission)
        entry = self._entries.get(key) if key is not None else None
        if entry is None or time.monotonic() - entry[0] > self.ttl_s:
            return False, None
        return True, entry[1]

    def put(self, mission: Mission, travel: dict | None) -> None:
        key = self.key(mission)
        if key is None:
            return
        now = time.monotonic()
        if now - self._swept > self.ttl_s:
            self._sweep(now)
        self._entries[key] = (now, travel)

    def _sweep(self, now: float) -> None:
        """Drop the expired entries, at most once per `ttl_s`: the memo then holds two `ttl_s` of puts at most."""
        self._swept = now
        for key, (stored, _travel) in list(self._entries.items()):
            if now - stored > self.ttl_s:
                self._entries.pop(key, None)


def mission_travels(missions: Sequence[Mission], *, memo: TravelMemo | None = None) -> dict[int, dict | None]:
    """`mission_travel` of each mission (None where no estimate could be made), read in bulk."""
    travels: dict[int, dict | None] = {}
    wanted = []
    for mission in missions:
        known, travel = memo.get(mission) if memo is not None else (False, None)
        if known:
            travels[mission.pk] = travel
        else:
            wanted.append(mission)
    if not wanted:
        return travels
    try:
        fresh: dict[int, dict | None] = missions_travel(wanted)
    except Exception:  # noqa: BLE001 — one bad estimate must not hide the others: try each alone
        fresh = {m.pk: _one_travel(m) for m in wanted}
    for mission in wanted:
        travels[mission.pk] = fresh.get(mission.pk)
        if memo is not None:
            memo.put(mission, travels[mission.pk])
    return travels


def _one_travel(mission: Mission) -> dict | None:
    try:
        return mission_travel(mission)
    except Exception:  # noqa: BLE001 — the mission must still be shown without an estimate
        logger.exception("travel estimate for %s failed", mission.code)
        return None


def _team(mission: Mission) -> list[dict[str, Any]]:
    assignments = sorted(mission.assignments.all(), key=lambda a: (a.assigned_at, a.pk))
    return [
        {
            "team_role": a.team_role,
            "member_id": a.member_id,
            "member": display_name(a.member),
            "assigned_at": _iso(a.assigned_at),
        }
        for a in assignments
    ]


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else ""


def _next_phase(mission: Mission) -> dict[str, str] | None:
    step = statuses.team_next_phase(mission.kind).get(mission.status)
    return {"to": step[0], "label": str(step[1])} if step else None


def adverse_event_summaries(missions: Sequence[Mission]) -> dict[int, list[dict[str, Any]]]:
    """Each mission's adverse events, oldest first, read in one query."""
    found: dict[int, list[dict[str, Any]]] = {m.pk: [] for m in missions}
    rows = AdverseEvent.objects.filter(mission__in=[m.pk for m in missions]).select_related("reported_by")
    for a in rows.order_by("occurred_at", "pk"):
        found[a.mission_id].append(
            {
                "id": a.pk,
                "category": a.category,
                "category_label": _label(AdverseCategory, a.category),
                "code": a.code,
                "code_label": str(ADVERSE_EVENT_CODES.get(a.category, {}).get(a.code, a.code)),
                "severity": a.severity,
                "severity_label": _label(Severity, a.severity),
                "phase": a.phase,
                "occurred_at": _iso(a.occurred_at),
                "note": a.note,
                "reported_by": display_name(a.reported_by),
            }
        )
    return found


def _summary(
    mission: Mission,
    *,
    coverage: dict,
    referral: dict | None,
    travel: dict | None,
    adverse: list[dict],
    preparation: dict | None = None,
) -> dict[str, Any]:
    m = mission
    return {
        "id": m.pk,
        "code": m.code,
        "url": reverse("mission-timeline", args=[m.pk]),
        "status": m.status,
        "status_label": str(m.get_status_display()),
        "support": m.support,
        "support_label": str(m.get_support_display()),
        "referring_hospital": hospital_brief(m.referring_hospital),
        "receiving_centre": hospital_brief(m.receiving_centre),
        "patient_age": m.patient_age,
        "patient_sex": m.patient_sex,
        "patient_weight_kg": float(m.patient_weight_kg),
        "referring_physician": m.referring_physician,
        "callback_phone": str(m.callback_phone),
        "note": m.note,
        "required_roles": list(m.required_roles),
        "team": _team(m),
        "created_at": _iso(m.created_at),
        "updated_at": _iso(m.updated_at),
        "requested_at": _iso(m.requested_at),
        "status_changed_at": _iso(m.status_changed_at or m.requested_at),
        "phase_times": {"requested_at": _iso(m.requested_at), **{f: _iso(getattr(m, f)) for f in PHASE_FIELDS}},
        "close_reason": m.close_reason,
        "kind": m.kind,
        "kind_label": str(m.get_kind_display()),
        "is_drill": m.is_drill,
        "patient_reference": m.patient_reference,
        "outcome": m.outcome,
        "outcome_label": _label(Outcome, m.outcome),
        "support_mode": m.support_mode,
        "outbound_transport_mode": m.outbound_transport_mode,
        "return_transport_mode": m.return_transport_mode,
        "review_at": _iso(m.review_at),
        "allowed_transitions": sorted(statuses.allowed_next(m.status, m.kind)),
        "next_phase": _next_phase(m),
        "adverse_events": adverse,
        "coverage": coverage,
        # Decision support for the card: scores, missing inputs, EOLIA; None without a referral.
        "referral": referral,
        "travel": travel,
        # The referring ICU's checklist: {done, total, url}; None before activation (no checklist).
        "preparation": preparation,
    }


def mission_summaries(
    missions: Sequence[Mission], *, with_travel: bool = False, memo: TravelMemo | None = None
) -> dict[int, dict[str, Any]]:
    """Summaries keyed by mission id, in the order given; `travel` is None unless `with_travel`.

    Queries: the team (unless prefetched), role coverage, referrals and checklist progress (only if a
    mission was activated) once for all missions;
    travel (estimates from the matrix cache, the latest position while travelling) per mission.
    """
    missions = list(missions)
    if not missions:
        return {}
    prefetch_related_objects(missions, "assignments__member")
    ids = [m.pk for m in missions]
    coverage = role_coverage(missions)
    referrals = referral_summary(ids)
    travels = mission_travels(missions, memo=memo) if with_travel else {}
    adverse = adverse_event_summaries(missions)
    preparation = preparation_progress(missions)
    return {
        m.pk: _summary(
            m,
            coverage=coverage.get(m.pk, {}),
            referral=referrals.get(m.pk),
            travel=travels.get(m.pk),
            adverse=adverse[m.pk],
            preparation=preparation.get(m.pk),
        )
        for m in missions
    }


def mission_summary(mission: Mission, *, with_travel: bool = False) -> dict[str, Any]:
    return mission_summaries([mission], with_travel=with_travel)[mission.pk]


def event_summary(event: MissionEvent) -> dict[str, Any]:
    """One timeline event; the caller loads `actor` and `mission` with it (select_related)."""
    return {
        "sequence": event.sequence,
        "mission_id": event.mission_id,
        "mission_code": event.mission.code,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": display_name(event.actor) if event.actor_id else None,
        "source": event.source,
        "note": event.note,
        "payload": event.payload,
        "label": event_label(event),
        "occurred_at": _iso(event.occurred_at or event.created_at),
        "created_at": _iso(event.created_at),
    }


# What each kind of event says on the board, the mission page and the phone, without detail.
EVENT_LABELS: dict[str, Any] = {
    # The first call (or the form, when nothing came before it): the start of every interval.
    "mission.requested": gettext_lazy("First contact with the centre"),
    "mission.undone": gettext_lazy("Step taken back"),
    "mission.corrected": gettext_lazy("Record corrected"),
    "mission.standby": gettext_lazy("Team on standby"),
    "mission.review_due": gettext_lazy("Advice review due"),
    "team.stood_down": gettext_lazy("Team stood down"),
    "adverse_event.recorded": gettext_lazy("Adverse event"),
    "referral.submitted": gettext_lazy("Referral form sent"),
    "referral.updated": gettext_lazy("Clinical values updated"),
    "alert.opened": gettext_lazy("Paging started"),
    "alert.paged": gettext_lazy("Paged"),
    "alert.accepted": gettext_lazy("Accepted"),
    "alert.declined": gettext_lazy("Declined"),
    "alert.uncovered": gettext_lazy("Nobody accepted"),
    "alert.repaged": gettext_lazy("Paged again"),
    "alert.covered_by_phone": gettext_lazy("Covered by phone call"),
    "alert.channel_skipped": gettext_lazy("Channel skipped"),
    "travel.position": gettext_lazy("Position update"),
    "debrief.submitted": gettext_lazy("Debrief submitted"),
    "follow_up.recorded": gettext_lazy("Patient follow-up entered"),
    "preparation.ticked": gettext_lazy("Preparation"),
}


def _status_label(value: str) -> str:
    return _label(MissionStatus, value) or value


def event_label(event: MissionEvent) -> str:
    """The event in words, with the detail a coordinator needs at a glance (role, outcome, mode)."""
    p = event.payload or {}
    role = _label(TeamRole, p.get("team_role", ""))
    if event.kind == "mission.status_changed":
        details = [_label(Outcome, p.get("outcome", "")), _label(SupportMode, p.get("support_mode", ""))]
        for field in statuses.TRANSPORT_MODE_FIELDS.values():
            details.append(_label(TransportMode, p.get(field, "")))
        details = [d for d in details if d]
        return _status_label(event.to_status) + (f" ({', '.join(details)})" if details else "")
    base = str(EVENT_LABELS.get(event.kind, event.kind))
    if event.kind == "mission.undone":
        return f"{base}: {_status_label(event.from_status)} → {_status_label(event.to_status)}"
    if event.kind == "mission.corrected":
        field = p.get("field", "")
        return f"{base}: {statuses.FIELD_LABELS.get(field, field)}"
    if event.kind == "adverse_event.recorded":
        code = ADVERSE_EVENT_CODES.get(p.get("category", ""), {}).get(p.get("code", ""), p.get("code", ""))
        return f"{base}: {code} ({_label(Severity, p.get('severity', ''))})"
    if event.kind == "preparation.ticked" and p.get("label"):
        mark = "✓" if p.get("done") else "✗"
        value = f" ({p['value']})" if p.get("value") is not None else ""
        return f"{base}: {gettext(p['label'])}{value} {mark}"
    if event.kind == "team.stood_down" and p.get("outcome"):
        return f"{base} ({_label(Outcome, p['outcome'])})"
    if role:
        return f"{base}: {role}"
    return base
