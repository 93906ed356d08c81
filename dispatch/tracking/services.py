"""Writing live positions: consent, validation, rate limit, the recomputed arrival and its event.

Consent: only a team member assigned to the mission may post, and only while it travels
(``en_route_out``/``en_route_back``). Positions are personal data and are kept only while the
mission runs; the event that goes to the mission's whole audience (the referring hospital too)
carries the expected arrival and a coarse remaining distance, never coordinates.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import statuses
from dispatch.errors import Conflict, DispatchError, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import EventSource, Mission, MissionAssignment, MissionEvent, MissionStatus
from dispatch.selectors import mission_visible_to
from dispatch.services.timeline import record_event
from dispatch.tracking.models import Position
from hospitals.matrix import place_of, travel_params
from hospitals.travel import GeodesicRoadBackend, Place

POSITION_EVENT = "travel.position"


class PositionTooSoon(DispatchError):
    """This member posted a position less than ``TRACKING_MIN_INTERVAL_S`` ago (the API answers 429)."""

    code = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(_("Too many positions; retry in %d s.") % retry_after_s, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class PositionResult:
    position: Position
    event: MissionEvent | None


def remaining_road(latitude: float, longitude: float, destination: Place) -> tuple[float, float]:
    """(km, minutes) still to drive: geodesic × winding factor at road speed, no overheads."""
    estimate = GeodesicRoadBackend(travel_params()).estimate(Place("team", latitude, longitude), destination)
    drive = next(leg for leg in estimate.legs if leg.kind == "road")
    return drive.distance_km, drive.duration_min


def _check_recorded_at(recorded_at: datetime, now: datetime) -> None:
    if recorded_at > now + timedelta(seconds=settings.TRACKING_CLOCK_SKEW_S):
        raise ValidationFailed({"recorded_at": [_("This time is in the future; check the phone's clock.")]})
    if recorded_at < now - timedelta(seconds=settings.TRACKING_MAX_AGE_S):
        raise ValidationFailed(
            {"recorded_at": [_("This position is too old (over %d s).") % settings.TRACKING_MAX_AGE_S]}
        )


def _check_in_service_area(latitude: float, longitude: float) -> None:
    """A phone reporting (0, 0) or the North Pole has no fix, or lies: it must not move an ETA."""
    south, west, north, east = settings.SERVICE_AREA_BBOX
    if not (south <= latitude <= north and west <= longitude <= east):
        message = _("This position is outside the service area; check the phone's location fix.")
        raise ValidationFailed({"latitude": [message], "longitude": [message]})


def _check_plausible_eta(remaining_min: float) -> None:
    """An arrival many hours away is a wrong fix, not a journey: it never reaches the referrer."""
    if remaining_min > settings.TRACKING_MAX_ETA_MIN:
        message = _("This position is too far from the destination (over %d minutes' drive) to be on the way.")
        raise ValidationFailed({"latitude": [message % settings.TRACKING_MAX_ETA_MIN]})


def _check_rate(member, now: datetime) -> None:
    last = Position.objects.filter(member=member).order_by("-received_at").values_list("received_at", flat=True)
    last = last.first()
    if last is None:
        return
    wait = settings.TRACKING_MIN_INTERVAL_S - (now - last).total_seconds()
    if wait > 0:
        raise PositionTooSoon(max(1, math.ceil(wait)))


def _event_due(mission: Mission, now: datetime) -> bool:
    """At most one position event per mission per ``TRACKING_EVENT_MIN_INTERVAL_S`` (the timeline
    is append-only; four phones every few seconds would drown it)."""
    since = now - timedelta(seconds=settings.TRACKING_EVENT_MIN_INTERVAL_S)
    return not MissionEvent.objects.filter(mission=mission, kind=POSITION_EVENT, created_at__gt=since).exists()


@transaction.atomic
def record_position(
    *,
    mission_id: int,
    member,
    latitude: float,
    longitude: float,
    recorded_at: datetime,
    accuracy_m: float | None = None,
    source: str = EventSource.API,
) -> PositionResult:
    """Store a team member's position and recompute the expected arrival.

    Locks the mission row (select_for_update) before reading its phase, so a position cannot
    slip in after the mission moved on, and writes the `travel.position` event under that lock.
    """
    if not mission_visible_to(member, mission_id):
        raise NotVisible(_("Mission not found."))
    try:
        mission = Mission.objects.select_for_update().get(pk=mission_id)
    except Mission.DoesNotExist:
        raise NotVisible(_("Mission not found.")) from None
    if not MissionAssignment.objects.filter(mission=mission, member=member).exists():
        raise NotAllowed(_("Only team members on this mission can share their position."))
    if mission.status not in statuses.TRACKED_PHASES:
        raise Conflict(
            _("Positions are shared only while travelling; the mission is “%s”.") % mission.get_status_display(),
            current_status=mission.status,
        )
    now = timezone.now()
    _check_recorded_at(recorded_at, now)
    _check_in_service_area(latitude, longitude)
    _check_rate(member, now)

    outbound = mission.status == MissionStatus.EN_ROUTE_OUT
    destination = mission.referring_hospital if outbound else mission.receiving_centre
    remaining_km, remaining_min = remaining_road(latitude, longitude, place_of(destination))
    _check_plausible_eta(remaining_min)
    expected_arrival = recorded_at + timedelta(minutes=remaining_min)
    position = Position.objects.create(
        mission=mission,
        member=member,
        phase=mission.status,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        recorded_at=recorded_at,
        received_at=now,
        destination_code=destination.code,
        remaining_km=remaining_km,
        remaining_min=remaining_min,
        expected_arrival_at=expected_arrival,
    )
    event = None
    if _event_due(mission, now):
        event = record_event(
            mission=mission,
            kind=POSITION_EVENT,
            source=source,
            actor=member,
            payload={
                "phase": mission.status,
                "destination": destination.code,
                "expected_arrival": expected_arrival.isoformat(),
                "remaining_min": round(remaining_min),
                "remaining_km": round(remaining_km),
                "basis": "position",
            },
        )
    return PositionResult(position=position, event=event)


def purge_ended_mission_positions() -> int:
    """Delete the positions of missions that have ended (completed, cancelled, aborted, …)."""
    deleted, _by_model = Position.objects.filter(mission__status__in=statuses.TERMINAL).delete()
    return deleted
