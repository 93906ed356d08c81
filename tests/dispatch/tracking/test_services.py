"""record_position as a service: locking, arrival arithmetic."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.tracking.services import record_position, remaining_road
from hospitals.selectors import place_of
from hospitals.travel import Place, TravelParams, geodesic_km
from tests.support import factories


@pytest.mark.django_db
def test_arrival_is_recorded_time_plus_remaining_drive():
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    member = factories.make_team_member()
    factories.assign(mission, member)
    recorded = timezone.now() - timedelta(seconds=20)

    result = record_position(mission_id=mission.pk, member=member, latitude=46.4, longitude=15.9, recorded_at=recorded)

    p = TravelParams()
    km = geodesic_km(Place("x", 46.4, 15.9), place_of(mission.referring_hospital)) * p.road_winding_factor
    assert result.position.remaining_km == pytest.approx(km)
    assert result.position.expected_arrival_at == recorded + timedelta(minutes=km / p.road_speed_kmh * 60)


def test_remaining_road_is_zero_at_the_destination():
    place = Place("SBMS", 46.652, 16.19)

    assert remaining_road(46.652, 16.19, place) == (0.0, 0.0)


@pytest.mark.django_db
def test_record_position_locks_the_mission_row():
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    member = factories.make_team_member()
    factories.assign(mission, member)

    with CaptureQueriesContext(connection) as queries:
        record_position(mission_id=mission.pk, member=member, latitude=46.4, longitude=15.9, recorded_at=timezone.now())

    assert any("FOR UPDATE" in q["sql"] and "dispatch_mission" in q["sql"] for q in queries.captured_queries)
