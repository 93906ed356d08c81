"""mission_travel() and its endpoint: outbound/return estimates and the expected arrival of the current phase."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.tracking.models import Position
from dispatch.tracking.selectors import mission_travel
from hospitals.selectors import place_of
from hospitals.travel import TravelParams, geodesic_km
from tests.support import factories

# Winter night: no helicopter, so the recommended mode is road and the numbers are hand-checkable.
NIGHT = datetime(2024, 12, 21, 21, 0, tzinfo=UTC)


def _road_minutes(a, b) -> float:
    p = TravelParams()
    return geodesic_km(a, b) * p.road_winding_factor / p.road_speed_kmh * 60


def _places():
    return place_of(factories.ecmo_centre()), place_of(factories.regional_hospital("SBMS"))


@pytest.mark.django_db
def test_outbound_and_return_legs_join_centre_and_referring_hospital():
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    travel = mission_travel(mission)

    assert (travel["outbound"]["origin"], travel["outbound"]["destination"]) == ("UKCL", "SBMS")
    assert (travel["return"]["origin"], travel["return"]["destination"]) == ("SBMS", "UKCL")
    assert travel["expected_arrival"] is None
    assert travel["phase"] == MissionStatus.UNDER_REVIEW


@pytest.mark.django_db
def test_en_route_out_arrival_is_departure_plus_driving_time():
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=NIGHT)

    travel = mission_travel(mission)

    expected = NIGHT + timedelta(minutes=_road_minutes(*_places()))
    assert travel["expected_arrival_basis"] == "estimate"
    assert abs(datetime.fromisoformat(travel["expected_arrival"]) - expected) < timedelta(seconds=1)


@pytest.mark.django_db
def test_en_route_back_arrival_counts_from_departure_with_patient():
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_BACK, departed_at=NIGHT - timedelta(hours=5), departed_with_patient_at=NIGHT
    )

    travel = mission_travel(mission)

    centre, referring = _places()
    expected = NIGHT + timedelta(minutes=_road_minutes(referring, centre))
    assert travel["expected_arrival_basis"] == "estimate"
    assert abs(datetime.fromisoformat(travel["expected_arrival"]) - expected) < timedelta(seconds=1)


@pytest.mark.django_db
def test_latest_position_of_the_leg_gives_the_expected_arrival():
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=NIGHT)
    member = factories.make_team_member()
    now = timezone.now()
    for minutes_ago, eta in ((2, now + timedelta(minutes=40)), (1, now + timedelta(minutes=30))):
        Position.objects.create(
            mission=mission,
            member=member,
            phase=MissionStatus.EN_ROUTE_OUT,
            latitude=46.3,
            longitude=15.5,
            recorded_at=now - timedelta(minutes=minutes_ago),
            received_at=now,
            destination_code="SBMS",
            remaining_km=52.4,
            remaining_min=39.3,
            expected_arrival_at=eta,
        )

    travel = mission_travel(mission)

    assert travel["expected_arrival_basis"] == "position"
    assert travel["expected_arrival"] == (now + timedelta(minutes=30)).isoformat()
    assert travel["remaining_km"] == 52
    assert "latitude" not in str(travel)


@pytest.mark.django_db
def test_mission_travel_endpoint_is_scoped_like_the_mission(client_for, referrer_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=NIGHT)
    other_referrer = client_for(factories.make_referrer(factories.regional_hospital("SBPT")))

    mine = referrer_api.get(f"/api/v1/missions/{mission.pk}/travel/")
    theirs = other_referrer.get(f"/api/v1/missions/{mission.pk}/travel/")

    assert mine.status_code == 200
    assert mine.json()["expected_arrival_basis"] == "estimate"
    assert theirs.status_code == 404


@pytest.mark.django_db
def test_a_conventional_transfer_is_expected_after_the_whole_road_estimate_from_the_decision():
    mission = factories.MissionFactory(status=MissionStatus.CONVENTIONAL_TRANSFER, decided_at=NIGHT)

    travel = mission_travel(mission)

    whole_road = travel["return"]["estimates"]["road"]["duration_min"]
    assert travel["expected_arrival_basis"] == "decision"
    assert datetime.fromisoformat(travel["expected_arrival"]) == NIGHT + timedelta(minutes=whole_road)
    assert whole_road > _road_minutes(*_places())  # handling at both ends counts: nobody has left yet


SUMMER_NOON = datetime(2025, 6, 21, 10, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_arrival_is_counted_with_the_mode_the_team_reported():
    by_road = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, departed_at=SUMMER_NOON, outbound_transport_mode="road"
    )
    flown = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, departed_at=SUMMER_NOON, outbound_transport_mode="helicopter"
    )

    road_travel, air_travel = mission_travel(by_road), mission_travel(flown)

    assert air_travel["outbound"]["estimates"]["helicopter"]["available"]
    expected = SUMMER_NOON + timedelta(minutes=_road_minutes(*_places()))
    assert abs(datetime.fromisoformat(road_travel["expected_arrival"]) - expected) < timedelta(seconds=1)
    assert datetime.fromisoformat(air_travel["expected_arrival"]) < datetime.fromisoformat(
        road_travel["expected_arrival"]
    )


@pytest.mark.django_db
def test_a_reported_mode_without_an_estimate_falls_back_to_the_recommended_one():
    flown_at_night = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, departed_at=NIGHT, outbound_transport_mode="helicopter"
    )

    travel = mission_travel(flown_at_night)

    expected = NIGHT + timedelta(minutes=_road_minutes(*_places()))
    assert abs(datetime.fromisoformat(travel["expected_arrival"]) - expected) < timedelta(seconds=1)
