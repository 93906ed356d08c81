"""Positions outside the service area, or implausibly far from the destination, are refused."""

import pytest
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.tracking.models import Position
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission():
    return factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, departed_at=timezone.now())


@pytest.fixture
def member_api(mission, client_for):
    member = factories.make_team_member()
    factories.assign(mission, member)
    return client_for(member)


def _post(api, mission, latitude: float, longitude: float):
    body = {"latitude": latitude, "longitude": longitude, "recorded_at": timezone.now().isoformat()}
    return api.post(f"/api/v1/missions/{mission.pk}/positions/", body, format="json")


@pytest.mark.parametrize(("latitude", "longitude"), [(0, 0), (90, 180), (51.5, -0.1)])
def test_a_position_outside_the_service_area_is_a_400(mission, member_api, latitude, longitude):
    response = _post(member_api, mission, latitude, longitude)

    assert response.status_code == 400
    assert "service area" in response.json()["latitude"][0]
    assert not Position.objects.exists()


def test_a_position_whose_arrival_is_hours_beyond_the_cap_is_a_400(mission, member_api, settings):
    settings.SERVICE_AREA_BBOX = [-90, -180, 90, 180]
    settings.TRACKING_MAX_ETA_MIN = 120

    response = _post(member_api, mission, 44.6, 12.6)  # the Adriatic south of Venice: ~5 h from Murska Sobota

    assert response.status_code == 400
    assert not Position.objects.exists()


def test_a_position_inside_the_area_is_still_taken(mission, member_api):
    response = _post(member_api, mission, 46.0569, 14.5058)  # Ljubljana

    assert response.status_code == 201
