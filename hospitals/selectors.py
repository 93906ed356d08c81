"""Reads about places and travel shared by the API, pages and the live board."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from hospitals import matrix
from hospitals.matrix import helipads, place_of
from hospitals.models import Hospital, HospitalKind
from hospitals.travel import ROAD, recommend

__all__ = [
    "ecmo_centres",
    "helipads",
    "main_ecmo_centre",
    "mission_travel",
    "place_of",
    "travel_between",
]

# Legs that happen before the vehicle leaves or after it has arrived: an expected *arrival*
# counted from the recorded departure leaves them out (see docs/travel.md).
HANDLING_LEG_LABELS = frozenset({"dispatch", "loading at origin", "unloading at destination"})


def ecmo_centres() -> QuerySet[Hospital]:
    """Hospitals a team can come from or a patient be taken to: ECMO centres and units."""
    return Hospital.objects.filter(kind__in=matrix.ECMO_KINDS)


def main_ecmo_centre() -> Hospital | None:
    """The centre whose team does the transports (UKC Ljubljana in the reference data)."""
    return Hospital.objects.filter(kind=HospitalKind.ECMO_CENTRE).order_by("pk").first()


def travel_between(
    origin: Hospital, destination: Hospital, at: datetime | None = None, *, model: matrix.Model | None = None
) -> dict:
    """Estimates for every mode and the recommended one, JSON-ready; served from the matrix cache.

    ``at`` is when the leg starts (default now); only the helicopter's night rule depends on it.
    Pass ``model`` when asking for several legs at once, so the helipads are read once.
    """
    model = model or matrix.Model.current()
    estimates = matrix.estimates_between(place_of(origin), place_of(destination), at or timezone.now(), model)
    return {
        "origin": origin.code,
        "destination": destination.code,
        "estimates": {e.mode: e.to_dict() for e in estimates},
        "recommended": recommend(estimates, model.params),
    }


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


def _planned_estimate(travel: dict) -> dict:
    """The mode the arrival is counted with: the recommended one, else road."""
    return travel["estimates"].get(travel["recommended"] or ROAD) or travel["estimates"][ROAD]


def mission_travel(mission) -> dict:
    """Outbound and return estimates of a mission and, while travelling, the expected arrival.

    Expected arrival, ``en_route_out``: the latest position of this leg if there is one
    (basis "position"), else ``departed_at`` + the recommended (else road) mode's minutes after
    departure (basis "estimate"); ``en_route_back`` likewise from ``departed_with_patient_at``.
    Other phases: None. Never contains coordinates, so it is safe for every mission audience.
    """
    from dispatch.models import MissionStatus
    from dispatch.tracking.selectors import latest_position

    centre, referring = mission.receiving_centre, mission.referring_hospital
    now = timezone.now()
    model = matrix.Model.current()
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
    legs = {
        MissionStatus.EN_ROUTE_OUT: (outbound, mission.departed_at),
        MissionStatus.EN_ROUTE_BACK: (back, mission.departed_with_patient_at),
    }
    if mission.status not in legs:
        return result
    travel, departed = legs[mission.status]
    position = latest_position(mission)
    if position is not None:
        result |= {
            "expected_arrival": position.expected_arrival_at.isoformat(),
            "expected_arrival_basis": "position",
            "remaining_km": round(position.remaining_km),
        }
        return result
    minutes = minutes_after_departure(_planned_estimate(travel))
    if departed is not None and minutes is not None:
        result |= {
            "expected_arrival": (departed + timedelta(minutes=minutes)).isoformat(),
            "expected_arrival_basis": "estimate",
        }
    return result
