"""GET /api/v1/hospitals/{id}/travel/: estimates per mode to the centre and the recommended mode."""

import pytest

from hospitals.models import Hospital
from hospitals.travel import MODEL_GEODESIC_ROAD, MODEL_OSRM
from tests.fakes.osrm_server import FakeOsrm

DAY = "2024-06-21T10:00:00+02:00"
NIGHT = "2024-12-21T22:00:00+01:00"


def _url(code: str) -> str:
    return f"/api/v1/hospitals/{Hospital.objects.get(code=code).pk}/travel/"


@pytest.fixture
def osrm(settings):
    with FakeOsrm() as server:
        settings.OSRM_URL = server.url
        settings.OSRM_TIMEOUT_S = 0.3
        yield server


@pytest.mark.django_db
def test_estimates_every_mode_to_the_main_centre_with_a_recommendation(referrer_api):
    body = referrer_api.get(_url("SBMS"), {"at": DAY}).json()

    assert (body["origin"], body["destination"]) == ("SBMS", "UKCL")
    assert set(body["estimates"]) == {"road", "helicopter"}
    assert body["estimates"]["helicopter"]["available"] is True
    # Murska Sobota: ~187 km of road vs ~40 min of flight between helipads.
    assert body["recommended"] == "helicopter"
    assert (body["from_centre"]["origin"], body["from_centre"]["destination"]) == ("UKCL", "SBMS")


@pytest.mark.django_db
def test_at_night_the_helicopter_is_not_offered_and_road_is_recommended(coordinator_api):
    body = coordinator_api.get(_url("SBMS"), {"at": NIGHT}).json()

    assert body["estimates"]["helicopter"]["available"] is False
    assert "night" in body["estimates"]["helicopter"]["unavailable_reason"]
    assert body["recommended"] == "road"


@pytest.mark.django_db
def test_centre_parameter_picks_another_ecmo_unit(coordinator_api):
    maribor = Hospital.objects.get(code="UKCM")

    body = coordinator_api.get(_url("SBMS"), {"centre": maribor.pk, "at": DAY}).json()

    assert body["destination"] == "UKCM"


@pytest.mark.django_db
def test_regional_hospital_is_not_accepted_as_centre(coordinator_api):
    response = coordinator_api.get(_url("SBMS"), {"centre": Hospital.objects.get(code="SBPT").pk})

    assert response.status_code == 400
    assert "centre" in response.json()


@pytest.mark.django_db
def test_unknown_hospital_is_404(coordinator_api):
    assert coordinator_api.get("/api/v1/hospitals/999999/travel/").status_code == 404


@pytest.mark.django_db
def test_anonymous_caller_is_refused(api):
    assert api.get(_url("SBMS")).status_code in (401, 403)


@pytest.mark.django_db
def test_road_estimate_comes_from_osrm_when_configured(coordinator_api, osrm):
    osrm.respond_route(distance_m=190_500, duration_s=7_200)

    road = coordinator_api.get(_url("SBMS"), {"at": DAY}).json()["estimates"]["road"]

    assert road["model"] == MODEL_OSRM
    assert road["distance_km"] == 190.5
    assert road["fallback_reason"] is None
    assert osrm.requests[0].coordinates[0] == (16.19, 46.652)  # lon,lat of SB Murska Sobota


@pytest.mark.django_db
def test_road_estimate_falls_back_to_geodesic_when_osrm_hangs(coordinator_api, osrm):
    osrm.hang(5)

    road = coordinator_api.get(_url("SBMS"), {"at": DAY}).json()["estimates"]["road"]

    assert road["model"] == MODEL_GEODESIC_ROAD
    assert road["fallback_reason"] == "OSRM timeout after 0.3 s"
    assert road["available"] is True
