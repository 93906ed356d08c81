"""The estimate matrix (hospitals × ECMO centres × modes), cached with Django's cache framework.

Design (see docs/travel.md, "Caching"):

* What is cached per ordered pair of places is the *time-independent* part: the road estimate
  (OSRM or geodesic) and the helicopter flight plan computed as if night flights were allowed.
  The night rule is applied on read for the actual departure time, with the same test the
  estimator uses (sun at the take-off pad at take-off, at the landing pad at landing), so a cached
  answer equals a fresh one to the minute, not to a coarse day/night flag.
* Keys are content-addressed: a digest of both places (coordinates, helipad), the helipad set,
  every model parameter and the OSRM URL. A changed hospital or setting therefore can never be
  served a stale estimate, in any process; old entries just expire (``TRAVEL_CACHE_TTL_S``).
* A road estimate that fell back from OSRM is kept only ``TRAVEL_CACHE_FALLBACK_TTL_S`` so OSRM
  is retried soon.
* When a hospital is saved or deleted, ``hospitals.signals`` schedules ``recompute_travel_matrix``
  after commit, which warms the whole matrix (in the worker, so an admin save never waits on OSRM).
* The cache is an optimisation only: if it is unreachable, estimates are computed directly.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured

from hospitals.models import Hospital, HospitalKind
from hospitals.travel import (
    HELICOPTER,
    MODEL_HELICOPTER,
    ROAD,
    Estimate,
    HelicopterBackend,
    Place,
    TravelParams,
    estimate,
    is_night,
)

logger = logging.getLogger(__name__)

KEY_VERSION = "v1"  # bump when `_Entry` or the key recipe changes (old pickles are then ignored)
# Set while a recompute is queued, so a burst of saves (loading 14 hospitals) queues one task.
RECOMPUTE_PENDING_KEY = f"travel:{KEY_VERSION}:recompute-pending"
RECOMPUTE_PENDING_TTL_S = 60
ECMO_KINDS = (HospitalKind.ECMO_CENTRE, HospitalKind.ECMO_UNIT)


def place_of(hospital: Hospital) -> Place:
    return Place(
        name=hospital.name,
        latitude=hospital.latitude,
        longitude=hospital.longitude,
        has_helipad=hospital.has_helipad,
    )


def helipads() -> tuple[Place, ...]:
    """Every hospital helipad, in a stable order (it is part of the cache key)."""
    return tuple(
        sorted(
            (place_of(h) for h in Hospital.objects.filter(has_helipad=True)),
            key=lambda p: (p.latitude, p.longitude, p.name),
        )
    )


def travel_params() -> TravelParams:
    """The model's parameters from ``settings.TRAVEL_PARAMS``, the one place they are read."""
    try:
        return TravelParams(**settings.TRAVEL_PARAMS)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Invalid TRAVEL_* setting: {exc}") from exc


def travel_cache() -> BaseCache:
    alias = getattr(settings, "TRAVEL_CACHE_ALIAS", "default")
    return caches[alias if alias in settings.CACHES else "default"]


@dataclass(frozen=True)
class Model:
    """Everything an estimate depends on besides the two places and the time."""

    params: TravelParams
    helipads: tuple[Place, ...]
    osrm_url: str | None
    osrm_timeout_s: float

    @classmethod
    def current(cls) -> Model:
        return cls(travel_params(), helipads(), settings.OSRM_URL or None, settings.OSRM_TIMEOUT_S)

    def key(self, origin: Place, destination: Place) -> str:
        raw = repr((origin, destination, self.helipads, self.params, self.osrm_url))
        return f"travel:{KEY_VERSION}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


@dataclass
class _Entry:
    """The time-independent part of one ordered pair."""

    road: Estimate
    flight_plan: Estimate  # helicopter with night flights allowed; night applied on read
    takeoff_pad: Place | None
    landing_pad: Place | None


def _compute(model: Model, origin: Place, destination: Place) -> _Entry:
    road = estimate(
        origin,
        destination,
        ROAD,
        params=model.params,
        osrm_url=model.osrm_url,
        osrm_timeout_s=model.osrm_timeout_s,
    )
    day_params = replace(model.params, night_flights_allowed=True)
    backend = HelicopterBackend(day_params, list(model.helipads))
    # Any aware time will do: with night flights allowed the plan does not depend on it.
    plan = backend.estimate(origin, destination, datetime(2000, 1, 1, 12, tzinfo=UTC))
    return _Entry(road, plan, backend.nearest_helipad(origin), backend.nearest_helipad(destination))


def _entry(model: Model, origin: Place, destination: Place) -> _Entry:
    cache = travel_cache()
    key = model.key(origin, destination)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 — the cache is an optimisation; never fail an estimate on it
        logger.warning("travel cache unreachable; computing directly", exc_info=True)
        return _compute(model, origin, destination)
    if isinstance(cached, _Entry):
        return cached
    entry = _compute(model, origin, destination)
    ttl = settings.TRAVEL_CACHE_FALLBACK_TTL_S if entry.road.fallback_reason else settings.TRAVEL_CACHE_TTL_S
    try:
        cache.set(key, entry, timeout=ttl)
    except Exception:  # noqa: BLE001 — see above
        logger.warning("travel cache unreachable; estimate not cached", exc_info=True)
    return entry


def _helicopter_at(entry: _Entry, at: datetime, params: TravelParams) -> Estimate:
    """The flight plan, or unavailable if take-off or landing falls in the night (same rule as
    `HelicopterBackend`, same wording)."""
    plan = entry.flight_plan
    if not plan.available or params.night_flights_allowed:
        return plan
    flight_index = next(i for i, leg in enumerate(plan.legs) if leg.kind == "flight")
    start = at.astimezone(UTC)
    takeoff_at = start + timedelta(minutes=sum(leg.duration_min for leg in plan.legs[:flight_index]))
    landing_at = takeoff_at + timedelta(minutes=plan.legs[flight_index].duration_min)
    for pad, when, what in ((entry.takeoff_pad, takeoff_at, "take-off"), (entry.landing_pad, landing_at, "landing")):
        if is_night(pad, when, params):
            return Estimate(
                HELICOPTER,
                None,
                None,
                MODEL_HELICOPTER,
                available=False,
                unavailable_reason=(
                    f"night at {what} ({pad.name}, {when:%Y-%m-%d %H:%M} UTC) and night flights are not allowed"
                ),
            )
    return plan


def estimates_between(origin: Place, destination: Place, at: datetime, model: Model | None = None) -> list[Estimate]:
    """Road and helicopter estimates for a leg requested at ``at`` (aware), from the cache."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    model = model or Model.current()
    entry = _entry(model, origin, destination)
    return [entry.road, _helicopter_at(entry, at, model.params)]


def matrix_pairs() -> list[tuple[Hospital, Hospital]]:
    """Every (centre → hospital) and (hospital → centre) pair, centre = ECMO centre or unit."""
    hospitals = list(Hospital.objects.all())
    centres = [h for h in hospitals if h.kind in ECMO_KINDS]
    pairs: dict[tuple[int, int], tuple[Hospital, Hospital]] = {}
    for centre in centres:
        for hospital in hospitals:
            if hospital.pk != centre.pk:
                pairs[(centre.pk, hospital.pk)] = (centre, hospital)
                pairs[(hospital.pk, centre.pk)] = (hospital, centre)
    return list(pairs.values())


def warm_travel_matrix() -> int:
    """Compute and cache every pair of the matrix that is not cached yet; returns the pair count."""
    model = Model.current()
    pairs = matrix_pairs()
    for origin, destination in pairs:
        _entry(model, place_of(origin), place_of(destination))
    return len(pairs)
