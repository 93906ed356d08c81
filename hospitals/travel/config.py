"""Django settings -> travel model parameters; the only module of the package that imports Django.

Every field of :class:`TravelParams` can be overridden by a setting named ``TRAVEL_<FIELD>``
(see ``SETTING_NAMES``); unset settings keep the documented defaults of ``TravelParams``.
"""

from dataclasses import fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from hospitals.travel.estimators import TravelParams

# TravelParams field -> Django setting name. Kept explicit so the names can be grepped.
SETTING_NAMES: dict[str, str] = {
    "road_winding_factor": "TRAVEL_ROAD_WINDING_FACTOR",
    "road_speed_kmh": "TRAVEL_ROAD_SPEED_KMH",
    "dispatch_overhead_min": "TRAVEL_DISPATCH_OVERHEAD_MIN",
    "loading_overhead_min": "TRAVEL_LOADING_OVERHEAD_MIN",
    "heli_cruise_kmh": "TRAVEL_HELI_CRUISE_KMH",
    "heli_startup_min": "TRAVEL_HELI_STARTUP_MIN",
    "heli_landing_min": "TRAVEL_HELI_LANDING_MIN",
    "ground_leg_speed_kmh": "TRAVEL_GROUND_LEG_SPEED_KMH",
    "ground_transfer_min": "TRAVEL_GROUND_TRANSFER_MIN",
    "night_flights_allowed": "TRAVEL_NIGHT_FLIGHTS_ALLOWED",
    "night_sun_elevation_deg": "TRAVEL_NIGHT_SUN_ELEVATION_DEG",
    "osrm_duration_factor": "TRAVEL_OSRM_DURATION_FACTOR",
    "prefer_road_within_min": "TRAVEL_PREFER_ROAD_WITHIN_MIN",
}

DEFAULT_OSRM_TIMEOUT_S = 2.0


def _coerce(value: object, default: object, setting: str) -> object:
    """Accept strings from the environment ("1.25", "true") but fail loudly on garbage."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in {
            "1",
            "true",
            "yes",
            "on",
            "0",
            "false",
            "no",
            "off",
            "",
        }:
            return value.strip().lower() in {"1", "true", "yes", "on"}
        raise ImproperlyConfigured(f"{setting} must be a boolean, got {value!r}")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{setting} must be a number, got {value!r}") from exc


def params_from_settings() -> TravelParams:
    """Build TravelParams from TRAVEL_* settings, falling back to the documented defaults."""
    defaults = TravelParams()
    values = {}
    for f in fields(TravelParams):
        setting = SETTING_NAMES[f.name]
        default = getattr(defaults, f.name)
        values[f.name] = _coerce(getattr(settings, setting, default), default, setting)
    try:
        return TravelParams(**values)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Invalid TRAVEL_* setting: {exc}") from exc


def osrm_url_from_settings() -> str | None:
    """OSRM base URL from ``OSRM_URL``; empty/unset means OSRM is off (geodesic road model)."""
    url = (getattr(settings, "OSRM_URL", "") or "").strip()
    return url.rstrip("/") or None


def osrm_timeout_from_settings() -> float:
    """Per-request OSRM timeout in seconds from ``OSRM_TIMEOUT_S`` (default 2.0)."""
    value = _coerce(
        getattr(settings, "OSRM_TIMEOUT_S", DEFAULT_OSRM_TIMEOUT_S), DEFAULT_OSRM_TIMEOUT_S, "OSRM_TIMEOUT_S"
    )
    if not value > 0:  # type: ignore[operator]
        raise ImproperlyConfigured(f"OSRM_TIMEOUT_S must be > 0, got {value!r}")
    return value  # type: ignore[return-value]
