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
* The helipad list is part of every key, so it is read from the database once per process, not
  once per estimate (see `_ProcessHelipads` for how it is kept fresh across processes).
* One cache object per process (`travel_cache`), whose Redis client is built once.
* The cache is an optimisation only: if it is unreachable, estimates are computed directly.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

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
from hospitals.travel.estimators import night_reason

logger = logging.getLogger(__name__)

KEY_VERSION = "v1"  # bump when `_Entry` or the key recipe changes (old pickles are then ignored)
# Set while a recompute is queued, so a burst of saves (loading 14 hospitals) queues one task.
RECOMPUTE_PENDING_KEY = f"travel:{KEY_VERSION}:recompute-pending"
RECOMPUTE_PENDING_TTL_S = 60
# Changed (to a random number) whenever a hospital change commits, in any process; fetched with
# every cached entry, so a process notices that its helipad list is out of date.
HOSPITALS_GENERATION_KEY = f"travel:{KEY_VERSION}:hospitals-generation"
ECMO_KINDS = (HospitalKind.ECMO_CENTRE, HospitalKind.ECMO_UNIT)


def place_of(hospital: Hospital) -> Place:
    return Place(
        name=hospital.name,
        latitude=hospital.latitude,
        longitude=hospital.longitude,
        has_helipad=hospital.has_helipad,
    )


def _read_helipads() -> tuple[Place, ...]:
    return tuple(
        sorted(
            (place_of(h) for h in Hospital.objects.filter(has_helipad=True)),
            key=lambda p: (p.latitude, p.longitude, p.name),
        )
    )


def helipads() -> tuple[Place, ...]:
    """Every hospital helipad, in a stable order (it is part of the cache key); read once per process."""
    return _helipads.get()[1]


def hospital_changed() -> None:
    """Called for every saved or deleted hospital (`hospitals.signals`): the helipads may have changed."""
    _helipads.hospital_changed()


def travel_params() -> TravelParams:
    """The model's parameters from ``settings.TRAVEL_PARAMS``, the one place they are read."""
    try:
        return TravelParams(**settings.TRAVEL_PARAMS)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Invalid TRAVEL_* setting: {exc}") from exc


class _ClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping its `redis.Redis` instead of building one per operation.

    Django's `get_client` builds a new `redis.Redis` for every get and set, and each one copies a
    table of ~170 response callbacks: about a third of a cached read. A redis-py client is
    thread-safe (each command borrows a connection from the pool), so one per pool is enough.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: str | None = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # pools live as long as this object: ids are stable
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class _TravelRedisCache(RedisCache):
    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ClientPerPool


@functools.cache
def _process_cache(alias: str) -> BaseCache:
    """The cache of ``alias``, built once per process and shared by its threads.

    Not ``caches[alias]``: Django keeps that per asyncio context, and under Daphne every request
    gets a new one, with a new Redis connection pool, so a new connection per request.
    """
    params = dict(caches.settings[alias])
    backend = import_string(params.pop("BACKEND"))
    location = params.pop("LOCATION", "")
    return (_TravelRedisCache if backend is RedisCache else backend)(location, params)


def travel_cache() -> BaseCache:
    alias = getattr(settings, "TRAVEL_CACHE_ALIAS", "default")
    return _process_cache(alias if alias in settings.CACHES else "default")


# Generations `_ProcessHelipads` gives besides the cache's own: a list whose generation could not
# be read never matches, so it is read again once the cache answers; a list read inside the
# transaction that changed a hospital is not checked (it came from the database just now).
_NOT_READ = object()
_IN_TRANSACTION = object()


class _ProcessHelipads:
    """The helipad list of this process, read from the database once, not once per estimate.

    It is dropped when it may be out of date:

    * a hospital saved or deleted in this process: when the change commits (`hospital_changed`);
    * a hospital change committed in another process (a Celery worker, a second web server): each
      commit stores a new generation in the travel cache (`HOSPITALS_GENERATION_KEY`), which every
      cached read fetches together with its entry (`_entry`), in the same round trip.

    A read made inside the transaction that changed a hospital goes to the database and is not
    kept: it sees the change before anyone else, and the change may still be rolled back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: tuple[object, tuple[Place, ...]] | None = None  # (generation, helipads)
        self._drops = 0  # a list read before the latest drop is never kept
        self._changing = threading.local()  # per thread, as database connections are

    def get(self) -> tuple[object, tuple[Place, ...]]:
        """(the generation the list was read at, the helipads)."""
        if self._in_changing_transaction():
            return _IN_TRANSACTION, _read_helipads()
        held = self._held
        if held is not None:
            return held
        with self._lock:
            drops = self._drops
        generation = _shared_generation()  # before the database: a change in between is seen next time
        held = (generation, _read_helipads())
        with self._lock:
            if self._drops == drops:
                self._held = held
        return held

    def drop(self, *, unless_generation: object = _NOT_READ) -> None:
        with self._lock:
            if self._held is not None and self._held[0] is not _NOT_READ and self._held[0] == unless_generation:
                return
            self._held = None
            self._drops += 1

    def hospital_changed(self) -> None:
        connection = transaction.get_connection()
        if connection.in_atomic_block:
            self._changing.transaction = connection.atomic_blocks[0]
        transaction.on_commit(self._committed)

    def _committed(self) -> None:
        try:
            travel_cache().set(HOSPITALS_GENERATION_KEY, secrets.randbits(62), timeout=None)
        except Exception:  # noqa: BLE001 — other processes keep their list until the cache answers
            logger.warning("travel cache unreachable; other processes keep their helipad list", exc_info=True)
        self.drop()

    def _in_changing_transaction(self) -> bool:
        """Whether this thread's current transaction changed a hospital (outermost block compared,
        so a savepoint released into it still counts, and a rolled-back one no longer does)."""
        changing = getattr(self._changing, "transaction", None)
        if changing is None:
            return False
        blocks = transaction.get_connection().atomic_blocks
        if blocks and blocks[0] is changing:
            return True
        self._changing.transaction = None
        return False


def _shared_generation() -> object:
    try:
        return travel_cache().get(HOSPITALS_GENERATION_KEY)
    except Exception:  # noqa: BLE001 — the cache is an optimisation; see _NOT_READ
        return _NOT_READ


_helipads = _ProcessHelipads()


@dataclass(frozen=True)
class Model:
    """Everything an estimate depends on besides the two places and the time."""

    params: TravelParams
    helipads: tuple[Place, ...]
    osrm_url: str | None
    osrm_timeout_s: float
    # The hospitals generation the helipads were read at (see `_ProcessHelipads`).
    generation: object = field(default=_NOT_READ, compare=False, repr=False)

    @classmethod
    def current(cls) -> Model:
        generation, pads = _helipads.get()
        return cls(travel_params(), pads, settings.OSRM_URL or None, settings.OSRM_TIMEOUT_S, generation)

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
        found = cache.get_many([HOSPITALS_GENERATION_KEY, key])
        generation = found.get(HOSPITALS_GENERATION_KEY)
        if model.generation is not _IN_TRANSACTION and generation != model.generation:
            # A hospital changed in another process since this one read its helipads.
            _helipads.drop(unless_generation=generation)
            model = Model.current()
            key = model.key(origin, destination)
            cached = cache.get(key)
        else:
            cached = found.get(key)
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
                unavailable_reason=night_reason(what=what, pad=pad, when=when),
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
