"""POST /api/v1/missions/{id}/positions/: consent, validation, rate limit, the arrival event."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import MissionEvent, MissionStatus
from dispatch.tracking.models import Position
from tests.support import factories

# Near Celje on the motorway, between Ljubljana and Murska Sobota.
LAT, LON = 46.2611, 15.2153


def _url(mission) -> str:
    return f"/api/v1/missions/{mission.pk}/positions/"


def _body(**overrides) -> dict:
    return {"latitude": LAT, "longitude": LON, "recorded_at": timezone.now().isoformat(), **overrides}


@pytest.fixture
def en_route():
    return factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=timezone.now())


@pytest.fixture
def on_mission(en_route, client_for):
    member = factories.make_team_member()
    factories.assign(en_route, member)
    return client_for(member)


@pytest.mark.django_db
def test_member_on_the_mission_shares_a_position_and_gets_the_new_arrival(en_route, on_mission):
    response = on_mission.post(_url(en_route), _body(accuracy_m=12), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["destination"] == "SBMS"
    assert 70 < body["remaining_km"] < 140  # ~74 km geodesic × 1.3
    stored = Position.objects.get(mission=en_route)
    assert (stored.latitude, stored.longitude, stored.accuracy_m) == (LAT, LON, 12)


@pytest.mark.django_db
def test_en_route_back_heads_to_the_centre(client_for):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_BACK, departed_with_patient_at=timezone.now())
    member = factories.make_team_member()
    factories.assign(mission, member)

    response = client_for(member).post(_url(mission), _body(), format="json")

    assert response.status_code == 201
    assert response.json()["destination"] == "UKCL"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("latitude", 90.5), ("latitude", -91), ("longitude", 180.1), ("longitude", -200), ("accuracy_m", -1)],
)
def test_out_of_range_values_are_400_naming_the_field(en_route, on_mission, field, value):
    response = on_mission.post(_url(en_route), _body(**{field: value}), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Position.objects.exists()


@pytest.mark.django_db
def test_missing_timestamp_is_400(en_route, on_mission):
    body = _body()
    del body["recorded_at"]

    response = on_mission.post(_url(en_route), body, format="json")

    assert response.status_code == 400
    assert "recorded_at" in response.json()


@pytest.mark.django_db
def test_position_from_the_future_is_400(en_route, on_mission):
    future = (timezone.now() + timedelta(minutes=5)).isoformat()

    response = on_mission.post(_url(en_route), _body(recorded_at=future), format="json")

    assert response.status_code == 400
    assert "recorded_at" in response.json()


@pytest.mark.django_db
def test_small_clock_skew_is_accepted(en_route, on_mission):
    slightly_ahead = (timezone.now() + timedelta(seconds=10)).isoformat()

    assert on_mission.post(_url(en_route), _body(recorded_at=slightly_ahead), format="json").status_code == 201


@pytest.mark.django_db
def test_stale_position_is_400(en_route, on_mission):
    old = (timezone.now() - timedelta(hours=1)).isoformat()

    response = on_mission.post(_url(en_route), _body(recorded_at=old), format="json")

    assert response.status_code == 400
    assert "recorded_at" in response.json()


@pytest.mark.django_db
def test_second_position_within_the_interval_is_429_with_retry_after(en_route, on_mission, settings):
    settings.TRACKING_MIN_INTERVAL_S = 5
    assert on_mission.post(_url(en_route), _body(), format="json").status_code == 201

    response = on_mission.post(_url(en_route), _body(), format="json")

    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 5
    assert Position.objects.count() == 1


@pytest.mark.django_db
def test_member_of_another_mission_cannot_see_it_404(en_route, team_member_api):
    assert team_member_api.post(_url(en_route), _body(), format="json").status_code == 404


@pytest.mark.django_db
def test_coordinator_not_on_the_mission_is_403(en_route, coordinator_api):
    assert coordinator_api.post(_url(en_route), _body(), format="json").status_code == 403


@pytest.mark.django_db
def test_referrer_of_the_hospital_sees_the_mission_but_is_403(en_route, referrer_api):
    assert referrer_api.post(_url(en_route), _body(), format="json").status_code == 403
    assert not Position.objects.exists()


@pytest.mark.django_db
def test_referrer_of_another_hospital_is_404(en_route, client_for):
    other = client_for(factories.make_referrer(factories.regional_hospital("SBPT")))

    assert other.post(_url(en_route), _body(), format="json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("phase", [MissionStatus.TEAM_READY, MissionStatus.ON_SITE, MissionStatus.COMPLETED])
def test_member_on_the_mission_outside_travel_is_409(client_for, phase):
    mission = factories.MissionFactory(status=phase)
    member = factories.make_team_member()
    factories.assign(mission, member)

    response = client_for(member).post(_url(mission), _body(), format="json")

    assert response.status_code == 409
    assert response.json()["current_status"] == phase
    assert not Position.objects.exists()


@pytest.mark.django_db
def test_new_position_writes_an_arrival_event_without_coordinates(en_route, on_mission):
    response = on_mission.post(_url(en_route), _body(), format="json")

    event = MissionEvent.objects.get(mission=en_route, kind="travel.position")
    assert response.json()["event_sequence"] == event.sequence
    assert event.actor == on_mission.user
    payload = event.payload
    assert payload["expected_arrival"] == response.json()["expected_arrival"].replace("Z", "+00:00")
    assert isinstance(payload["remaining_km"], int)
    assert payload["destination"] == "SBMS"
    text = json.dumps(payload)
    assert "latitude" not in text and "longitude" not in text
    assert str(LAT) not in text and str(LON) not in text


@pytest.mark.django_db
def test_positions_close_together_write_one_event(en_route, on_mission, settings):
    settings.TRACKING_MIN_INTERVAL_S = 0
    settings.TRACKING_EVENT_MIN_INTERVAL_S = 30

    on_mission.post(_url(en_route), _body(), format="json")
    second = on_mission.post(_url(en_route), _body(latitude=46.3), format="json")

    assert second.status_code == 201
    assert second.json()["event_sequence"] is None
    assert MissionEvent.objects.filter(mission=en_route, kind="travel.position").count() == 1
    assert Position.objects.filter(mission=en_route).count() == 2
