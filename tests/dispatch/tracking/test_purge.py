"""Positions are kept only while the mission runs."""

import pytest
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.tracking.models import Position
from dispatch.tracking.selectors import latest_position
from dispatch.tracking.tasks import purge_ended_mission_positions
from tests.support import factories


def _position(mission, phase=MissionStatus.EN_ROUTE_OUT) -> Position:
    now = timezone.now()
    return Position.objects.create(
        mission=mission,
        member=factories.make_team_member(),
        phase=phase,
        latitude=46.2,
        longitude=15.2,
        recorded_at=now,
        received_at=now,
        destination_code="SBMS",
        remaining_km=10,
        remaining_min=8,
        expected_arrival_at=now,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("ended", [MissionStatus.COMPLETED, MissionStatus.CANCELLED, MissionStatus.ABORTED])
def test_purge_deletes_positions_of_ended_missions_only(ended):
    running = factories.MissionFactory(status=MissionStatus.EN_ROUTE_BACK)
    finished = factories.MissionFactory(status=ended)
    kept = _position(running, MissionStatus.EN_ROUTE_BACK)
    _position(finished)

    deleted = purge_ended_mission_positions()

    assert deleted == 1
    assert list(Position.objects.all()) == [kept]


@pytest.mark.django_db
def test_positions_of_a_previous_leg_or_ended_mission_are_not_read():
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    _position(mission)
    assert latest_position(mission) is not None

    mission.status = MissionStatus.EN_ROUTE_BACK
    assert latest_position(mission) is None  # the outbound fixes say nothing about the way back
    mission.status = MissionStatus.ABORTED
    assert latest_position(mission) is None  # ended: hidden even before the purge runs
