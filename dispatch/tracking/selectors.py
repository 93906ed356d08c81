"""Reads of a mission's travel: its estimates, live positions and expected arrival.

Positions of a mission that is not travelling are never returned.
"""

from __future__ import annotations

import operator
from datetime import timedelta
from functools import reduce

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from dispatch.models import Mission, MissionStatus
from dispatch.statuses import TRACKED_PHASES
from dispatch.tracking.models import Position
from hospitals import matrix
from hospitals.selectors import travel_between
from hospitals.travel import ROAD

# Legs that happen before the vehicle leaves or after it has arrived: an expected *arrival*
# counted from the recorded departure leaves them out (see docs/travel.md).
HANDLING_LEG_LABELS = frozenset({"dispatch", "loading at origin", "unloading at destination"})


def latest_position(mission: Mission) -> Position | None:
    """The newest position of the mission's current travel leg (None outside travel phases)."""
    return latest_positions([mission]).get(mission.pk)


def minutes_after_departure(estimate: dict) -> float | None:
    """Minutes from the vehicle leaving to it arriving: the estimate without handling overheads."""
    if not estimate.get("available") or estimate.get("duration_min") is None:
        return None
    handling = sum(
        leg["duration_min"]
        for leg in estimate["legs"]
        if leg["kind"] == "overhead" and leg["label"] in HANDLING_LEG_LABELS
    )
    return max(0.0, estimate["duration_min"] - handling)


def _planned_estimate(travel: dict, used_mode: str = "") -> dict:
    """The mode the arrival is counted with: the one the team reported at departure, else the
    recommended one, else road."""
    estimates = travel["estimates"]
    reported = estimates.get(used_mode)
    if reported and reported.get("available"):
        return reported
    return estimates.get(travel["recommended"] or ROAD) or estimates[ROAD]


def latest_positions(missions: list[Mission]) -> dict[int, Position]:
    """The newest position of each travelling mission's current leg (its phase as given), in one query."""
    legs = []
    for phase in TRACKED_PHASES:
        ids = [m.pk for m in missions if m.status == phase]
        if ids:
            newest = Position.objects.filter(mission=OuterRef("pk"), phase=phase).order_by("-recorded_at", "-pk")
            latest = Mission.objects.filter(pk__in=ids).annotate(latest=Subquery(newest.values("pk")[:1]))
            legs.append(Q(pk__in=latest.values("latest")))
    if not legs:
        return {}
    return {p.mission_id: p for p in Position.objects.filter(reduce(operator.or_, legs))}


def missions_travel(missions: list[Mission]) -> dict[int, dict]:
    """`mission_travel` of many missions at once: the travel model and the positions read once."""
    if not missions:
        return {}
    model = matrix.Model.current()
    positions = latest_positions(missions)
    return {m.pk: _mission_travel(m, model=model, position=positions.get(m.pk)) for m in missions}


def mission_travel(mission: Mission) -> dict:
    """Outbound and return estimates of a mission and, while travelling, the expected arrival.

    Expected arrival, ``en_route_out``: the latest position of this leg if there is one
    (basis "position"), else ``departed_at`` + the minutes after departure of the mode the team
    reported (else the recommended one, else road; basis "estimate"); ``en_route_back`` likewise
    from ``departed_with_patient_at``. ``conventional_transfer``: the decision + the whole road
    estimate (basis "decision"). Other phases: None. Never contains coordinates, so it is safe
    for every mission audience.
    """
    return missions_travel([mission])[mission.pk]


def _mission_travel(mission: Mission, *, model: matrix.Model, position: Position | None) -> dict:
    centre, referring = mission.receiving_centre, mission.referring_hospital
    now = timezone.now()
    outbound = travel_between(centre, referring, mission.departed_at or now, model=model)
    back = travel_between(referring, centre, mission.departed_with_patient_at or now, model=model)
    result = {
        "outbound": outbound,
        "return": back,
        "expected_arrival": None,
        "expected_arrival_basis": None,
        "remaining_km": None,
        "phase": mission.status,
    }
    if mission.status == MissionStatus.CONVENTIONAL_TRANSFER:
        # The referring hospital moves the patient by road; counted from the decision, handling included.
        road = back["estimates"].get(ROAD) or {}
        if mission.decided_at is not None and road.get("available") and road.get("duration_min") is not None:
            result |= {
                "expected_arrival": (mission.decided_at + timedelta(minutes=road["duration_min"])).isoformat(),
                "expected_arrival_basis": "decision",
            }
        return result
    legs = {
        MissionStatus.EN_ROUTE_OUT: (outbound, mission.departed_at, mission.outbound_transport_mode),
        MissionStatus.EN_ROUTE_BACK: (back, mission.departed_with_patient_at, mission.return_transport_mode),
    }
    if mission.status not in legs:
        return result
    travel, departed, used_mode = legs[mission.status]
    if position is not None:
        result |= {
            "expected_arrival": position.expected_arrival_at.isoformat(),
            "expected_arrival_basis": "position",
            "remaining_km": round(position.remaining_km),
        }
        return result
    minutes = minutes_after_departure(_planned_estimate(travel, used_mode))
    if departed is not None and minutes is not None:
        result |= {
            "expected_arrival": (departed + timedelta(minutes=minutes)).isoformat(),
            "expected_arrival_basis": "estimate",
        }
    return result
