"""Travel-time estimates for the mobile ECMO team: road ambulance and helicopter.

Pure Python (stdlib + geopy), no database and no settings, so the model can be tested and tuned
on its own; only its words come from Django: why a mode is unavailable is a lazy text, put into
words in the reader's language when shown (``Estimate.to_dict``). Every estimate says which model
produced it and, when the preferred model could not be used, why (``fallback_reason``):
coordinators must be able to judge how far to trust a number.

Conventions
-----------
* An estimate covers one leg, ``origin`` -> ``destination``, door to door, starting when the leg is
  requested (``at``): dispatch overhead, loading/unloading, driving or flying. The sum of
  ``Estimate.legs`` durations always equals ``Estimate.duration_min``.
* A mode that cannot be used (helicopter at night, no helipad reachable) is returned as an
  ``Estimate`` with ``available=False``, ``distance_km``/``duration_min`` set to ``None`` and an
  ``unavailable_reason``. We chose this over returning ``None`` so the UI can show *why* a mode
  is missing instead of silently dropping it.
* Datetimes must be timezone-aware; a naive datetime is rejected because a night check that is
  off by the UTC offset (1–2 h in Slovenia) is worse than an error.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.client import HTTPException

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext, gettext_noop
from geopy.distance import geodesic

ROAD = "road"
HELICOPTER = "helicopter"
MODES = (ROAD, HELICOPTER)

MODEL_GEODESIC_ROAD = "geodesic"
MODEL_OSRM = "osrm"
MODEL_HELICOPTER = "helicopter-geodesic"


@dataclass(frozen=True)
class Place:
    """A point the team travels from or to (a hospital, or a helipad used for a transfer)."""

    name: str
    latitude: float
    longitude: float
    has_helipad: bool = False


@dataclass(frozen=True)
class TravelParams:
    """Every tunable number of the travel model, with its default and where the default comes from.

    Defaults marked "assumption" are engineering guesses to be calibrated against the timestamps
    of real missions (departure -> arrival); change them in settings (TRAVEL_*), not here.
    """

    # Road distance / geodesic distance ("circuity" or detour factor). UKC Ljubljana–UKC Maribor:
    # geodesic 102.3 km vs road ~128 km = 1.25 (the project's domain notes,
    # "Hospitals"). Rounded up to 1.3 because routes to regional hospitals off the motorway
    # (Izola, Murska Sobota, Slovenj Gradec) wind more; country circuity factors of this order are
    # discussed by Ballou, Rahardja & Sakai, Transportation Research Part A 36 (2002) 843–848.
    road_winding_factor: float = 1.3

    # Average speed of the ECMO ambulance over the whole road leg, km/h. Assumption: a car covers
    # Ljubljana–Maribor (128 km, mostly motorway) in ~80 min, i.e. ~95 km/h; an ambulance carrying
    # an ECMO circuit is driven smoothly rather than fast (ELSO transport guideline, Labib et al.,
    # ASAIO J 2022, stresses avoiding acceleration/deceleration), so we take 80 km/h.
    road_speed_kmh: float = 80.0

    # Minutes from "leg requested" until the vehicle moves (crew to vehicle, equipment check).
    # Assumption; applies to both modes.
    dispatch_overhead_min: float = 10.0

    # Minutes for loading at the origin plus unloading at the destination (patient, pump, gas,
    # securing the circuit), counted half before departure and half after arrival. Assumption;
    # applies to both modes.
    loading_overhead_min: float = 15.0

    # Helicopter cruise speed, km/h. EC135 fast cruise is ~250 km/h (Airbus data sheet); Bell 412
    # (also used for HEMS in Slovenia) ~230 km/h. 220 km/h is a conservative block speed that
    # absorbs climb, descent and non-straight routing.
    heli_cruise_kmh: float = 220.0

    # Minutes from crew at the aircraft to lift-off (engine start, rotor run-up, checks).
    # Assumption for a twin-engine helicopter with a loaded ECMO team.
    heli_startup_min: float = 10.0

    # Minutes for approach, landing and shutdown before the patient can be unloaded. Assumption.
    heli_landing_min: float = 5.0

    # Average speed on the ground leg between a hospital without a helipad and the nearest
    # helipad, km/h: short urban/regional roads, so much slower than the motorway. Assumption.
    ground_leg_speed_kmh: float = 50.0

    # Minutes to move patient and circuit between ambulance and helicopter at a helipad, per
    # ground leg. Assumption.
    ground_transfer_min: float = 10.0

    # Whether the helicopter may fly at night. Off by default: Slovenian HEMS night capability is
    # limited and an ECMO transfer is not an emergency landing site operation; enable only when
    # the operator confirms night HEMS for the mission.
    night_flights_allowed: bool = False

    # Sun elevation (degrees) below which it is "night". -6 = civil twilight, which is the EU
    # aviation definition of night: "the hours between the end of evening civil twilight and the
    # beginning of morning civil twilight" (Regulation (EU) No 923/2012, SERA, Art. 2). Use -0.833
    # to mean plain sunset/sunrise instead.
    night_sun_elevation_deg: float = -6.0

    # Multiplier on OSRM's driving duration. OSRM's car profile assumes speed limits; 1.0 means we
    # trust it as is for an ambulance driving smoothly. Calibrate from mission logs.
    osrm_duration_factor: float = 1.0

    # recommend(): prefer road when it is at most this many minutes slower than the fastest mode,
    # because a helicopter also needs flyable weather, a free crew and a helipad transfer.
    prefer_road_within_min: float = 10.0

    def __post_init__(self) -> None:
        """Reject settings that would produce nonsense (division by zero, negative times)."""
        for name in ("road_speed_kmh", "heli_cruise_kmh", "ground_leg_speed_kmh", "osrm_duration_factor"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if not self.road_winding_factor >= 1:
            raise ValueError(f"road_winding_factor must be >= 1, got {self.road_winding_factor!r}")
        for name in (
            "dispatch_overhead_min",
            "loading_overhead_min",
            "heli_startup_min",
            "heli_landing_min",
            "ground_transfer_min",
            "prefer_road_within_min",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if not -18 <= self.night_sun_elevation_deg <= 0:
            raise ValueError(f"night_sun_elevation_deg must be in [-18, 0], got {self.night_sun_elevation_deg!r}")


@dataclass
class Leg:
    """One part of a journey, so the UI can show where the minutes go."""

    kind: str  # "overhead", "road", "ground", "flight"
    label: str
    distance_km: float
    duration_min: float

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "distance_km": round(self.distance_km, 1),
            "duration_min": round(self.duration_min, 1),
        }


@dataclass
class Estimate:
    """Result of one travel model for one mode; ``available=False`` means the mode cannot be used."""

    mode: str
    distance_km: float | None
    duration_min: float | None
    model: str
    fallback_reason: str | None = None
    legs: list[Leg] = field(default_factory=list)
    available: bool = True
    unavailable_reason: str | Promise | None = None

    def to_dict(self) -> dict:
        """JSON-ready form; numbers rounded to what the model can honestly claim (0.1 km / 0.1 min).

        The reasons are put into words here, in the language active now (the reader's)."""
        data = asdict(self)
        for name in ("fallback_reason", "unavailable_reason"):
            data[name] = None if data[name] is None else str(data[name])
        data["distance_km"] = None if self.distance_km is None else round(self.distance_km, 1)
        data["duration_min"] = None if self.duration_min is None else round(self.duration_min, 1)
        data["legs"] = [leg.to_dict() for leg in self.legs]
        return data


def geodesic_km(a: Place, b: Place) -> float:
    """Distance on the WGS-84 ellipsoid in km (geopy's Karney algorithm)."""
    return geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).km


def _dispatch_and_loading(params: TravelParams) -> list[Leg]:
    """Overheads before the vehicle leaves; loading is half of ``loading_overhead_min``."""
    return [
        Leg("overhead", "dispatch", 0.0, params.dispatch_overhead_min),
        Leg("overhead", "loading at origin", 0.0, params.loading_overhead_min / 2),
    ]


def _unloading(params: TravelParams) -> Leg:
    """Unloading at the destination, the other half of ``loading_overhead_min``."""
    return Leg("overhead", "unloading at destination", 0.0, params.loading_overhead_min / 2)


def _total(mode: str, model: str, legs: list[Leg], fallback_reason: str | None = None) -> Estimate:
    return Estimate(
        mode=mode,
        distance_km=sum(leg.distance_km for leg in legs),
        duration_min=sum(leg.duration_min for leg in legs),
        model=model,
        fallback_reason=fallback_reason,
        legs=legs,
    )


def _unavailable(mode: str, model: str, reason: str | Promise) -> Estimate:
    return Estimate(mode, None, None, model, available=False, unavailable_reason=reason)


def _worded(message: str, values: dict) -> str:
    return gettext(message) % values


# A reason in words, translated when it is read (str()): the estimate is computed and cached once,
# then shown to a Slovene coordinator and an English one. Picklable (the travel cache keeps it).
_reason = lazy(_worded, str)


def night_reason(*, what: str, pad: Place, when: datetime) -> str | Promise:
    """Why the helicopter cannot fly: night at take-off or landing (``what``) at ``pad`` at ``when``
    (written in UTC; the pages show it in the centre's time zone)."""
    message = {
        "take-off": gettext_noop("night at take-off (%(pad)s, %(when)s UTC) and night flights are not allowed"),
        "landing": gettext_noop("night at landing (%(pad)s, %(when)s UTC) and night flights are not allowed"),
    }[what]
    return _reason(message, {"pad": pad.name, "when": f"{when.astimezone(UTC):%Y-%m-%d %H:%M}"})


class GeodesicRoadBackend:
    """Road estimate without a routing engine: geodesic x winding factor at an average speed.

    Always available, so it is the fallback for OSRM.
    """

    def __init__(self, params: TravelParams) -> None:
        self.params = params

    def estimate(self, origin: Place, destination: Place, fallback_reason: str | None = None) -> Estimate:
        p = self.params
        road_km = geodesic_km(origin, destination) * p.road_winding_factor
        drive = Leg("road", f"{origin.name} → {destination.name}", road_km, road_km / p.road_speed_kmh * 60)
        return _total(ROAD, MODEL_GEODESIC_ROAD, [*_dispatch_and_loading(p), drive, _unloading(p)], fallback_reason)


class OsrmError(Exception):
    """OSRM could not give a route; the message becomes the fallback reason."""


class OsrmRoadBackend:
    """Road estimate from an OSRM server (real road network), falling back to the geodesic model.

    ``timeout_s`` applies to each socket operation (connect, each read), which bounds a hanging
    server; a dispatcher waiting on the phone must never wait on OSRM.
    """

    def __init__(self, base_url: str, params: TravelParams, timeout_s: float = 2.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.params = params
        self.timeout_s = timeout_s

    def route_url(self, origin: Place, destination: Place) -> str:
        """OSRM route service URL; note OSRM wants lon,lat order."""
        return (
            f"{self.base_url}/route/v1/driving/"
            f"{origin.longitude:.6f},{origin.latitude:.6f};{destination.longitude:.6f},{destination.latitude:.6f}"
            "?overview=false"
        )

    def _fetch(self, url: str) -> tuple[float, float]:
        """Return (distance m, duration s) or raise OsrmError with a human-readable reason."""
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            # OSRM answers errors with HTTP 400 and a JSON body carrying the code; keep it if present.
            detail = ""
            try:
                payload = json.loads(exc.read() or b"{}")
                if isinstance(payload, dict) and payload.get("code"):
                    detail = f" ({payload['code']}: {payload.get('message', '')})".replace(": )", ")")
            except (ValueError, OSError):
                pass
            raise OsrmError(f"OSRM HTTP {exc.code}{detail}") from exc
        except TimeoutError as exc:
            raise OsrmError(f"OSRM timeout after {self.timeout_s} s") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise OsrmError(f"OSRM timeout after {self.timeout_s} s") from exc
            raise OsrmError(f"OSRM unreachable: {exc.reason}") from exc
        except (OSError, HTTPException) as exc:
            raise OsrmError(f"OSRM connection error: {exc!r}") from exc

        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise OsrmError("OSRM returned invalid JSON") from exc
        if not isinstance(payload, dict):
            raise OsrmError("OSRM returned an unexpected response")
        if payload.get("code") != "Ok":
            message = payload.get("message")
            raise OsrmError(f"OSRM code {payload.get('code')}" + (f": {message}" if message else ""))
        routes = payload.get("routes") or []
        try:
            distance_m = float(routes[0]["distance"])
            duration_s = float(routes[0]["duration"])
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            raise OsrmError("OSRM response has no usable route") from exc
        if distance_m < 0 or duration_s < 0 or not (math.isfinite(distance_m) and math.isfinite(duration_s)):
            raise OsrmError("OSRM response has no usable route")
        return distance_m, duration_s

    def estimate(self, origin: Place, destination: Place) -> Estimate:
        try:
            distance_m, duration_s = self._fetch(self.route_url(origin, destination))
        except OsrmError as exc:
            return GeodesicRoadBackend(self.params).estimate(origin, destination, fallback_reason=str(exc))
        p = self.params
        drive = Leg(
            "road",
            f"{origin.name} → {destination.name}",
            distance_m / 1000,
            duration_s / 60 * p.osrm_duration_factor,
        )
        return _total(ROAD, MODEL_OSRM, [*_dispatch_and_loading(p), drive, _unloading(p)])


# --- Daylight ------------------------------------------------------------------------------------
#
# Sun elevation from the low-precision solar formulas of the Astronomical Almanac (section C,
# "Sun"; also used by NOAA's simple calculators): about 0.01° in position for 1950–2050, i.e. far
# better than the ~1 min we need for a day/night switch. No refraction correction: the night
# threshold (-6°) is well below the horizon, where refraction does not matter for this purpose.


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (a naive time would shift the night check)")
    return when.astimezone(UTC)


def sun_elevation_deg(latitude: float, longitude: float, when: datetime) -> float:
    """Elevation of the sun's centre above the horizon in degrees (negative below)."""
    when = _require_aware(when)
    j2000 = datetime(2000, 1, 1, 12, tzinfo=UTC)
    n = (when - j2000).total_seconds() / 86400.0  # days since J2000.0
    mean_longitude = math.radians((280.460 + 0.9856474 * n) % 360)
    mean_anomaly = math.radians((357.528 + 0.9856003 * n) % 360)
    ecliptic_longitude = (
        mean_longitude + math.radians(1.915) * math.sin(mean_anomaly) + math.radians(0.020) * math.sin(2 * mean_anomaly)
    )
    obliquity = math.radians(23.439 - 0.0000004 * n)
    right_ascension = math.atan2(math.cos(obliquity) * math.sin(ecliptic_longitude), math.cos(ecliptic_longitude))
    declination = math.asin(math.sin(obliquity) * math.sin(ecliptic_longitude))
    gmst_hours = (18.697374558 + 24.06570982441908 * n) % 24
    hour_angle = math.radians(gmst_hours * 15 + longitude) - right_ascension
    lat = math.radians(latitude)
    sin_elevation = math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(hour_angle)
    return math.degrees(math.asin(max(-1.0, min(1.0, sin_elevation))))


def is_night(place: Place, when: datetime, params: TravelParams) -> bool:
    """True when the sun is below ``params.night_sun_elevation_deg`` at ``place``."""
    return sun_elevation_deg(place.latitude, place.longitude, when) < params.night_sun_elevation_deg


class HelicopterBackend:
    """Helicopter estimate: geodesic flight between helipads at cruise speed, plus overheads.

    A hospital without a helipad gets a ground leg by road to the nearest helipad in ``helipads``
    (plus a vehicle transfer). Night is checked at the take-off helipad at take-off time and at the
    landing helipad at landing time; the flight is refused if either is at night, unless night
    flights are allowed.
    """

    def __init__(self, params: TravelParams, helipads: list[Place]) -> None:
        self.params = params
        self.helipads = [h for h in helipads if h.has_helipad]

    def nearest_helipad(self, place: Place) -> Place | None:
        """The place itself if it has a helipad, else the closest helipad (None if there is none)."""
        if place.has_helipad:
            return place
        if not self.helipads:
            return None
        return min(self.helipads, key=lambda h: geodesic_km(place, h))

    def _ground_leg(self, a: Place, b: Place) -> Leg:
        p = self.params
        km = geodesic_km(a, b) * p.road_winding_factor
        return Leg("ground", f"{a.name} → {b.name} by road", km, km / p.ground_leg_speed_kmh * 60)

    def _transfer(self, pad: Place) -> Leg:
        return Leg("overhead", f"transfer ambulance ↔ helicopter at {pad.name}", 0.0, self.params.ground_transfer_min)

    def estimate(self, origin: Place, destination: Place, at: datetime) -> Estimate:
        p = self.params
        start = _require_aware(at)
        takeoff_pad = self.nearest_helipad(origin)
        landing_pad = self.nearest_helipad(destination)
        if takeoff_pad is None or landing_pad is None:
            lacking = origin.name if takeoff_pad is None else destination.name
            reason = _reason(gettext_noop("no helipad known near %(place)s"), {"place": lacking})
            return _unavailable(HELICOPTER, MODEL_HELICOPTER, reason)
        if (takeoff_pad.latitude, takeoff_pad.longitude) == (landing_pad.latitude, landing_pad.longitude):
            return _unavailable(
                HELICOPTER,
                MODEL_HELICOPTER,
                _reason(
                    gettext_noop("origin and destination share the nearest helipad (%(pad)s)"),
                    {"pad": takeoff_pad.name},
                ),
            )

        before_flight = _dispatch_and_loading(p)
        if takeoff_pad is not origin:
            before_flight += [self._ground_leg(origin, takeoff_pad), self._transfer(takeoff_pad)]
        before_flight.append(Leg("overhead", "helicopter start-up", 0.0, p.heli_startup_min))
        flight_km = geodesic_km(takeoff_pad, landing_pad)
        flight = Leg(
            "flight", f"{takeoff_pad.name} → {landing_pad.name}", flight_km, flight_km / p.heli_cruise_kmh * 60
        )
        after_flight = [Leg("overhead", "approach and landing", 0.0, p.heli_landing_min)]
        if landing_pad is not destination:
            after_flight += [self._transfer(landing_pad), self._ground_leg(landing_pad, destination)]
        after_flight.append(_unloading(p))

        takeoff_at = start + timedelta(minutes=sum(leg.duration_min for leg in before_flight))
        landing_at = takeoff_at + timedelta(minutes=flight.duration_min)
        if not p.night_flights_allowed:
            for pad, when, what in ((takeoff_pad, takeoff_at, "take-off"), (landing_pad, landing_at, "landing")):
                if is_night(pad, when, p):
                    return _unavailable(HELICOPTER, MODEL_HELICOPTER, night_reason(what=what, pad=pad, when=when))
        return _total(HELICOPTER, MODEL_HELICOPTER, [*before_flight, flight, *after_flight])


def estimate(
    origin: Place,
    destination: Place,
    mode: str,
    *,
    params: TravelParams | None = None,
    helipads: list[Place] | None = None,
    osrm_url: str | None = None,
    at: datetime | None = None,
    osrm_timeout_s: float = 2.0,
) -> Estimate:
    """One estimate for ``mode``: OSRM when configured (else geodesic) for road, helicopter model for air.

    ``at`` is when the leg is requested (defaults to now); it only matters for the night check.
    """
    params = params or TravelParams()
    if mode == ROAD:
        if osrm_url:
            return OsrmRoadBackend(osrm_url, params, timeout_s=osrm_timeout_s).estimate(origin, destination)
        return GeodesicRoadBackend(params).estimate(origin, destination)
    if mode == HELICOPTER:
        when = at if at is not None else datetime.now(UTC)
        return HelicopterBackend(params, list(helipads or [])).estimate(origin, destination, when)
    raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")


def recommend(estimates: list[Estimate], params: TravelParams | None = None) -> str | None:
    """The mode to suggest: the fastest available one, except that road wins when it is within
    ``params.prefer_road_within_min`` minutes of the fastest (helicopter also needs weather, a
    crew and transfers). Exact ties also go to road. None when no mode is available.
    """
    params = params or TravelParams()
    usable = [e for e in estimates if e.available and e.duration_min is not None]
    if not usable:
        return None
    fastest = min(usable, key=lambda e: (e.duration_min, e.mode != ROAD))
    roads = [e for e in usable if e.mode == ROAD]
    if roads:
        best_road = min(roads, key=lambda e: e.duration_min)
        if best_road.duration_min - fastest.duration_min <= params.prefer_road_within_min:
            return ROAD
    return fastest.mode
