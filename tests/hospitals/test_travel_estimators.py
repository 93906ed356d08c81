"""Tests for the travel-time model (pure Python) and its OSRM client against a real fake server.

Coordinates are those of the project's domain notes ("Hospitals"), approximate to ±1 km.
"""

import json
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hospitals.travel import (
    MODEL_GEODESIC_ROAD,
    MODEL_HELICOPTER,
    MODEL_OSRM,
    Estimate,
    GeodesicRoadBackend,
    HelicopterBackend,
    OsrmRoadBackend,
    Place,
    TravelParams,
    estimate,
    geodesic_km,
    recommend,
    sun_elevation_deg,
)
from tests.fakes.osrm_server import FakeOsrm

LJUBLJANA = Place("UKC Ljubljana", 46.056, 14.523, has_helipad=True)
MARIBOR = Place("UKC Maribor", 46.551, 15.643, has_helipad=True)
CELJE = Place("SB Celje", 46.234, 15.269, has_helipad=True)
MURSKA_SOBOTA = Place("SB Murska Sobota", 46.652, 16.190, has_helipad=True)
IZOLA = Place("SB Izola", 45.532, 13.672, has_helipad=True)
TRBOVLJE = Place("SB Trbovlje", 46.152, 15.053, has_helipad=False)
HELIPADS = [LJUBLJANA, MARIBOR, CELJE, MURSKA_SOBOTA, IZOLA]

SUMMER_MORNING = datetime(2024, 6, 21, 8, 0, tzinfo=UTC)  # 10:00 CEST, full daylight
WINTER_NIGHT = datetime(2024, 12, 21, 21, 0, tzinfo=UTC)  # 22:00 CET, dark

# Round numbers so expected durations can be computed by hand.
SIMPLE = TravelParams(
    road_winding_factor=1.25,
    road_speed_kmh=100.0,
    dispatch_overhead_min=10.0,
    loading_overhead_min=20.0,
    heli_cruise_kmh=200.0,
    heli_startup_min=8.0,
    heli_landing_min=4.0,
    ground_leg_speed_kmh=50.0,
    ground_transfer_min=6.0,
)


@pytest.fixture
def osrm():
    with FakeOsrm() as server:
        yield server


def leg_sum(est: Estimate) -> float:
    return sum(leg.duration_min for leg in est.legs)


# --- geodesic distances ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("destination", "expected_km"),
    [(MARIBOR, 102), (MURSKA_SOBOTA, 144), (IZOLA, 88)],
    ids=["maribor", "murska-sobota", "izola"],
)
def test_geodesic_km_matches_known_distances_from_ljubljana(destination, expected_km):
    assert geodesic_km(LJUBLJANA, destination) == pytest.approx(expected_km, rel=0.03)


# --- road, geodesic model ---------------------------------------------------------------------------


def test_geodesic_road_duration_is_overheads_plus_winding_distance_at_average_speed():
    est = GeodesicRoadBackend(SIMPLE).estimate(LJUBLJANA, MARIBOR)

    road_km = geodesic_km(LJUBLJANA, MARIBOR) * 1.25
    assert est.distance_km == pytest.approx(road_km)
    assert est.duration_min == pytest.approx(10 + 20 + road_km / 100 * 60)
    assert (est.mode, est.model, est.fallback_reason, est.available) == ("road", MODEL_GEODESIC_ROAD, None, True)


def test_default_winding_factor_gives_known_ljubljana_maribor_road_distance():
    est = GeodesicRoadBackend(TravelParams()).estimate(LJUBLJANA, MARIBOR)

    assert est.distance_km == pytest.approx(128, rel=0.05)  # road ≈ 128 km (domain.md)


def test_road_legs_add_up_to_the_total_duration():
    est = GeodesicRoadBackend(TravelParams()).estimate(LJUBLJANA, IZOLA)

    assert [leg.kind for leg in est.legs] == ["overhead", "overhead", "road", "overhead"]
    assert leg_sum(est) == pytest.approx(est.duration_min)


# --- helicopter ------------------------------------------------------------------------------------


def test_helicopter_between_helipads_is_straight_flight_plus_overheads():
    est = HelicopterBackend(SIMPLE, HELIPADS).estimate(LJUBLJANA, MARIBOR, SUMMER_MORNING)

    flight_km = geodesic_km(LJUBLJANA, MARIBOR)
    assert est.available
    assert est.model == MODEL_HELICOPTER
    assert est.distance_km == pytest.approx(flight_km)
    assert est.duration_min == pytest.approx(10 + 20 + 8 + flight_km / 200 * 60 + 4)
    assert [leg.kind for leg in est.legs if leg.kind != "overhead"] == ["flight"]


def test_helicopter_adds_ground_leg_to_nearest_helipad_when_origin_has_none():
    est = HelicopterBackend(SIMPLE, HELIPADS).estimate(TRBOVLJE, MARIBOR, SUMMER_MORNING)

    ground_km = geodesic_km(TRBOVLJE, CELJE) * 1.25  # Celje (~19 km) is nearer than Ljubljana (~42 km)
    flight_km = geodesic_km(CELJE, MARIBOR)
    assert est.available
    assert [(leg.kind, leg.label) for leg in est.legs if leg.kind != "overhead"] == [
        ("ground", "SB Trbovlje → SB Celje by road"),
        ("flight", "SB Celje → UKC Maribor"),
    ]
    assert est.distance_km == pytest.approx(ground_km + flight_km)
    assert est.duration_min == pytest.approx(10 + 20 + ground_km / 50 * 60 + 6 + 8 + flight_km / 200 * 60 + 4)


def test_helicopter_adds_ground_leg_after_landing_when_destination_has_none():
    est = HelicopterBackend(SIMPLE, HELIPADS).estimate(MARIBOR, TRBOVLJE, SUMMER_MORNING)

    kinds = [(leg.kind, leg.label) for leg in est.legs if leg.kind != "overhead"]
    assert kinds == [("flight", "UKC Maribor → SB Celje"), ("ground", "SB Celje → SB Trbovlje by road")]
    assert leg_sum(est) == pytest.approx(est.duration_min)


def test_helicopter_unavailable_without_any_reachable_helipad():
    est = HelicopterBackend(SIMPLE, []).estimate(TRBOVLJE, MARIBOR, SUMMER_MORNING)

    assert not est.available
    assert est.duration_min is None
    assert "no helipad" in est.unavailable_reason


def test_helicopter_refused_at_night_by_default():
    est = HelicopterBackend(TravelParams(), HELIPADS).estimate(LJUBLJANA, MARIBOR, WINTER_NIGHT)

    assert not est.available
    assert (est.distance_km, est.duration_min) == (None, None)
    assert "night" in est.unavailable_reason


def test_helicopter_flies_at_night_when_night_flights_allowed():
    est = HelicopterBackend(TravelParams(night_flights_allowed=True), HELIPADS).estimate(
        LJUBLJANA, MARIBOR, WINTER_NIGHT
    )

    assert est.available
    assert est.duration_min > 0


def test_helicopter_available_in_daytime():
    est = HelicopterBackend(TravelParams(), HELIPADS).estimate(LJUBLJANA, MARIBOR, SUMMER_MORNING)

    assert est.available
    assert est.unavailable_reason is None


def test_helicopter_refused_when_landing_would_be_after_dusk():
    # Take-off at ~13:30 UTC on 21 Dec is daylight; a 300-min flight lands long after civil dusk (~16 UTC).
    slow = TravelParams(heli_cruise_kmh=20.0)
    est = HelicopterBackend(slow, HELIPADS).estimate(LJUBLJANA, MARIBOR, datetime(2024, 12, 21, 13, 0, tzinfo=UTC))

    assert not est.available
    assert "night at landing" in est.unavailable_reason


def test_helicopter_night_check_converts_aware_datetimes_to_utc():
    # 08:00 at UTC−8 is 16:00 UTC on 21 Dec: after civil dusk in Slovenia (~15:55 UTC), although
    # 08:00 read as UTC would be daylight.
    at = datetime(2024, 12, 21, 8, 0, tzinfo=timezone(timedelta(hours=-8)))

    est = HelicopterBackend(TravelParams(), HELIPADS).estimate(LJUBLJANA, MARIBOR, at)

    assert not est.available


def test_helicopter_rejects_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        HelicopterBackend(TravelParams(), HELIPADS).estimate(LJUBLJANA, MARIBOR, datetime(2024, 6, 21, 10, 0))


def test_sun_elevation_at_solstice_noon_in_ljubljana():
    # Solar noon in Ljubljana (14.5° E) on 21 June is ~11:04 UTC; elevation = 90 − 46.056 + 23.44.
    elevation = sun_elevation_deg(46.056, 14.523, datetime(2024, 6, 21, 11, 4, tzinfo=UTC))

    assert elevation == pytest.approx(90 - 46.056 + 23.44, abs=0.3)


# --- road, OSRM ------------------------------------------------------------------------------------


def test_osrm_success_uses_route_distance_and_duration_plus_overheads(osrm):
    osrm.respond_route(distance_m=128_000, duration_s=4_800)

    est = OsrmRoadBackend(osrm.url, SIMPLE).estimate(LJUBLJANA, MARIBOR)

    assert (est.model, est.fallback_reason) == (MODEL_OSRM, None)
    assert est.distance_km == pytest.approx(128.0)
    assert est.duration_min == pytest.approx(80 + 10 + 20)


def test_osrm_duration_factor_scales_only_the_driving_time(osrm):
    osrm.respond_route(distance_m=128_000, duration_s=4_800)
    params = TravelParams(dispatch_overhead_min=10, loading_overhead_min=20, osrm_duration_factor=1.2)

    est = OsrmRoadBackend(osrm.url, params).estimate(LJUBLJANA, MARIBOR)

    assert est.duration_min == pytest.approx(80 * 1.2 + 10 + 20)


def test_osrm_request_uses_lon_lat_order_and_no_overview(osrm):
    osrm.respond_route(distance_m=128_000, duration_s=4_800)

    OsrmRoadBackend(osrm.url + "/", SIMPLE).estimate(LJUBLJANA, MARIBOR)

    [request] = osrm.requests
    assert request.coordinates == [(14.523, 46.056), (15.643, 46.551)]
    assert request.query == {"overview": ["false"]}


def test_osrm_http_500_falls_back_to_geodesic(osrm):
    osrm.respond_status(500)

    est = OsrmRoadBackend(osrm.url, SIMPLE).estimate(LJUBLJANA, MARIBOR)

    assert est.model == MODEL_GEODESIC_ROAD
    assert est.fallback_reason == "OSRM HTTP 500"
    assert est.duration_min == pytest.approx(GeodesicRoadBackend(SIMPLE).estimate(LJUBLJANA, MARIBOR).duration_min)


def test_osrm_error_code_falls_back_with_the_code_in_the_reason(osrm):
    osrm.respond_error(code="NoRoute", message="Impossible route between points", status=400)

    est = OsrmRoadBackend(osrm.url, SIMPLE).estimate(LJUBLJANA, MARIBOR)

    assert est.model == MODEL_GEODESIC_ROAD
    assert "NoRoute" in est.fallback_reason


def test_osrm_non_ok_code_with_http_200_falls_back(osrm):
    osrm.respond_error(code="NoSegment", message="Could not find a matching segment", status=200)

    est = OsrmRoadBackend(osrm.url, SIMPLE).estimate(LJUBLJANA, MARIBOR)

    assert est.model == MODEL_GEODESIC_ROAD
    assert est.fallback_reason == "OSRM code NoSegment: Could not find a matching segment"


def test_osrm_invalid_json_falls_back(osrm):
    osrm.respond_raw(b"<html>gateway</html>")

    est = OsrmRoadBackend(osrm.url, SIMPLE).estimate(LJUBLJANA, MARIBOR)

    assert est.model == MODEL_GEODESIC_ROAD
    assert est.fallback_reason == "OSRM returned invalid JSON"


def test_osrm_timeout_falls_back_quickly(osrm):
    osrm.hang(5.0)

    started = time.monotonic()
    est = OsrmRoadBackend(osrm.url, SIMPLE, timeout_s=0.2).estimate(LJUBLJANA, MARIBOR)
    elapsed = time.monotonic() - started

    assert est.model == MODEL_GEODESIC_ROAD
    assert est.fallback_reason == "OSRM timeout after 0.2 s"
    assert elapsed < 2.0


def test_osrm_unreachable_falls_back():
    server = FakeOsrm().start()
    url = server.url
    server.stop()  # nothing listens on that port any more

    est = OsrmRoadBackend(url, SIMPLE, timeout_s=0.5).estimate(LJUBLJANA, MARIBOR)

    assert est.model == MODEL_GEODESIC_ROAD
    assert est.fallback_reason.startswith("OSRM unreachable")


# --- top-level estimate() -------------------------------------------------------------------------


def test_estimate_road_without_osrm_url_uses_geodesic():
    est = estimate(LJUBLJANA, MARIBOR, "road", params=SIMPLE)

    assert (est.mode, est.model, est.fallback_reason) == ("road", MODEL_GEODESIC_ROAD, None)


def test_estimate_road_with_osrm_url_uses_osrm(osrm):
    osrm.respond_route(distance_m=128_000, duration_s=4_800)

    est = estimate(LJUBLJANA, MARIBOR, "road", params=SIMPLE, osrm_url=osrm.url)

    assert est.model == MODEL_OSRM
    assert len(osrm.requests) == 1


def test_estimate_helicopter_passes_helipads_and_time():
    est = estimate(TRBOVLJE, MARIBOR, "helicopter", params=SIMPLE, helipads=HELIPADS, at=SUMMER_MORNING)

    assert est.mode == "helicopter"
    assert any(leg.kind == "ground" for leg in est.legs)


def test_estimate_rejects_unknown_mode():
    with pytest.raises(ValueError, match="unknown mode"):
        estimate(LJUBLJANA, MARIBOR, "fixed_wing", params=SIMPLE)


# --- recommend() -----------------------------------------------------------------------------------


def _est(mode: str, minutes: float | None, available: bool = True) -> Estimate:
    return Estimate(mode, 100.0 if available else None, minutes, "test", available=available)


def test_recommend_picks_helicopter_when_much_faster():
    assert recommend([_est("road", 120), _est("helicopter", 60)], SIMPLE) == "helicopter"


def test_recommend_prefers_road_when_within_margin():
    assert recommend([_est("road", 65), _est("helicopter", 60)], TravelParams(prefer_road_within_min=10)) == "road"


def test_recommend_skips_unavailable_modes():
    assert recommend([_est("road", 120), _est("helicopter", None, available=False)], SIMPLE) == "road"


def test_recommend_returns_none_when_nothing_available():
    assert recommend([_est("helicopter", None, available=False)], SIMPLE) is None


# --- serialisation and validation ------------------------------------------------------------------


def test_to_dict_is_json_ready_and_rounded():
    data = GeodesicRoadBackend(SIMPLE).estimate(LJUBLJANA, MARIBOR).to_dict()

    assert json.loads(json.dumps(data)) == data
    assert data["distance_km"] == round(geodesic_km(LJUBLJANA, MARIBOR) * 1.25, 1)
    assert data["legs"][2]["kind"] == "road"


def test_travel_params_reject_zero_speed():
    with pytest.raises(ValueError, match="road_speed_kmh"):
        TravelParams(road_speed_kmh=0)
