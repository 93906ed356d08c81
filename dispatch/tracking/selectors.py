"""Reads of live positions. Positions of a mission that is not travelling are never returned."""

from dispatch.models import Mission, MissionStatus
from dispatch.tracking.models import Position

TRACKED_PHASES = frozenset({MissionStatus.EN_ROUTE_OUT, MissionStatus.EN_ROUTE_BACK})


def latest_position(mission: Mission) -> Position | None:
    """The newest position of the mission's current travel leg (None outside travel phases)."""
    if mission.status not in TRACKED_PHASES:
        return None
    return Position.objects.filter(mission=mission, phase=mission.status).order_by("-recorded_at", "-pk").first()
