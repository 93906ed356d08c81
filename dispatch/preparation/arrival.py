"""When the team is expected at the referring ICU's bedside: the time the referrer is texted.

While the team travels out this is tracking's expected arrival (the latest position, else the
departure + the drive of the mode reported). Before the team leaves there is no departure to
count from, so the departure is planned: the activation + the travel model's own overheads
before a vehicle moves (dispatch, loading at the origin), or now if that time has passed and the
team has not left; then the drive of the recommended mode (road if none). Once the team is at
the bedside, or the mission ended, there is nothing left to expect.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dispatch.models import Mission, MissionStatus
from dispatch.tracking.selectors import minutes_after_departure, mission_travel
from hospitals.travel import ROAD

logger = logging.getLogger(__name__)

# Before the team leaves, and on the way: the phases with an arrival at the referring ICU ahead.
BEFORE_DEPARTURE: frozenset[str] = frozenset({MissionStatus.TEAM_ACTIVATED, MissionStatus.TEAM_READY})
OUTBOUND: frozenset[str] = BEFORE_DEPARTURE | {MissionStatus.EN_ROUTE_OUT}
# The travel model's legs that happen before the vehicle moves (hospitals/travel/estimators.py).
LEGS_BEFORE_DEPARTURE: frozenset[str] = frozenset({"dispatch", "loading at origin"})


@dataclass(frozen=True)
class Arrival:
    at: datetime
    basis: str  # "position", "estimate" (departure + drive) or "planned" (not left yet)


def _planned_outbound(travel: dict) -> dict | None:
    outbound = travel["outbound"]
    estimates = outbound["estimates"]
    for mode in (outbound.get("recommended"), ROAD):
        estimate = estimates.get(mode) if mode else None
        if estimate and estimate.get("available"):
            return estimate
    return None


def _before_departure_min(estimate: dict) -> float:
    return sum(
        leg["duration_min"]
        for leg in estimate["legs"]
        if leg["kind"] == "overhead" and leg["label"] in LEGS_BEFORE_DEPARTURE
    )


def expected_arrival(mission: Mission, *, now: datetime | None = None) -> Arrival | None:
    """The team's expected arrival at the referring hospital, or None (not outbound, no estimate).

    A failing estimate never stops a tick or a transition: it is logged and reads as unknown.
    """
    if mission.status not in OUTBOUND:
        return None
    now = now or timezone.now()
    try:
        travel = mission_travel(mission)
    except Exception:  # noqa: BLE001 — the referrer is told "on the way" without a time instead
        logger.exception("no travel estimate for %s", mission.code)
        return None
    if mission.status == MissionStatus.EN_ROUTE_OUT:
        at = parse_datetime(travel["expected_arrival"]) if travel["expected_arrival"] else None
        return Arrival(at, travel["expected_arrival_basis"]) if at else None
    estimate = _planned_outbound(travel)
    drive = minutes_after_departure(estimate) if estimate else None
    if drive is None:
        return None
    activated = mission.team_activated_at or now
    departure = max(activated + timedelta(minutes=_before_departure_min(estimate)), now)
    return Arrival(departure + timedelta(minutes=drive), "planned")
