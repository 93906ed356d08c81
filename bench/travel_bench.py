"""Benchmark 4: the travel matrix (every hospital ↔ every ECMO centre/unit, both modes), cold and cached.

Runs in this process against the bench database and the stack's Redis travel cache, through
`hospitals.selectors.travel_between` (what the board, API and SMS texts call). "Cold" deletes
exactly the matrix's keys first — never `clear()`: the cache shares Redis with Celery and Channels.

The target is a ratio measured in the same run: the cached matrix against a pure-Python pass over
the same pairs that computes the same answers with the model in memory (hospitals, helipads and
parameters already Python objects; no cache, no database). The two passes alternate, round by
round, so the machine's load falls on both alike.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from datetime import UTC, datetime

from bench.stats import summary

RATIO_TARGET = 1.2
# Both ratio passes start the legs at this (daytime) instant, so the helicopter's night check runs
# in full on both sides and the answers can be compared.
RATIO_AT = datetime(2024, 6, 21, 10, 0, tzinfo=UTC)


def _pairs():
    from hospitals.matrix import matrix_pairs

    return matrix_pairs()


def forget_matrix(pairs) -> int:
    """Delete the cached entries of these pairs (content-addressed keys of the current model)."""
    from hospitals.matrix import Model, place_of, travel_cache

    model = Model.current()
    keys = [model.key(place_of(origin), place_of(destination)) for origin, destination in pairs]
    travel_cache().delete_many(keys)
    return len(keys)


def pass_over(pairs) -> tuple[float, list[float], int]:
    """travel_between for every pair: total ms, ms per pair, and the SQL queries it made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from hospitals.selectors import travel_between

    per_pair = []
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        for origin, destination in pairs:
            t0 = time.perf_counter()
            travel = travel_between(origin, destination)
            per_pair.append((time.perf_counter() - t0) * 1000)
            assert travel["estimates"], travel
        total = (time.perf_counter() - started) * 1000
    return total, per_pair, len(queries)


def pure_python_pass(pairs, at: datetime) -> tuple[float, list[dict]]:
    """The answers `travel_between` gives, computed by the estimators with everything in memory.

    Returns the total ms and the answers (compared with the cached ones, so both do the same work).
    The hospitals come from `pairs`; the helipads and parameters are built before the clock starts.
    """
    from hospitals.matrix import place_of, travel_params
    from hospitals.travel import HELICOPTER, ROAD, estimate, recommend

    params = travel_params()
    hospitals = {hospital.pk: hospital for pair in pairs for hospital in pair}
    helipads = sorted(
        (place_of(h) for h in hospitals.values() if h.has_helipad), key=lambda p: (p.latitude, p.longitude, p.name)
    )
    answers = []
    started = time.perf_counter()
    for origin, destination in pairs:
        a, b = place_of(origin), place_of(destination)
        estimates = [
            estimate(a, b, ROAD, params=params),
            estimate(a, b, HELICOPTER, params=params, helipads=helipads, at=at),
        ]
        answers.append(
            {
                "origin": origin.code,
                "destination": destination.code,
                "estimates": {e.mode: e.to_dict() for e in estimates},
                "recommended": recommend(estimates, params),
            }
        )
    return (time.perf_counter() - started) * 1000, answers


def cached_pass(pairs, at: datetime) -> tuple[float, list[dict]]:
    from hospitals.selectors import travel_between

    started = time.perf_counter()
    answers = [travel_between(origin, destination, at) for origin, destination in pairs]
    return (time.perf_counter() - started) * 1000, answers


def cached_against_pure(pairs, *, rounds: int) -> dict:
    """p50 of each pass over `rounds` alternating rounds, and whether their answers were equal."""
    from django.conf import settings

    if settings.OSRM_URL:  # the pure pass would not be pure: it would ask OSRM for every pair
        raise RuntimeError("unset OSRM_URL for the travel benchmark")
    cached_pass(pairs, RATIO_AT)  # fills the cache and this process's helipad list
    pure, cached = [], []
    same = True
    for _ in range(rounds):
        pure_ms, pure_answers = pure_python_pass(pairs, RATIO_AT)
        cached_ms, cached_answers = cached_pass(pairs, RATIO_AT)
        pure.append(pure_ms)
        cached.append(cached_ms)
        same = same and pure_answers == cached_answers
    return {"pure": summary(pure), "cached": summary(cached), "same_answers": same}


def profile_cached(pairs, rounds: int = 20) -> str:
    from hospitals.selectors import travel_between

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for origin, destination in pairs:
            travel_between(origin, destination)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(10)
    return "\n".join(f"travel profile (cached, tottime): {line}" for line in out.getvalue().splitlines() if line)


def run(*, rounds: int = 5, ratio_rounds: int = 15) -> dict:
    from hospitals.matrix import ECMO_KINDS
    from hospitals.models import Hospital
    from hospitals.selectors import travel_between

    pairs = _pairs()
    hospitals = Hospital.objects.count()
    centres = Hospital.objects.filter(kind__in=ECMO_KINDS).count()
    modes = len(travel_between(*pairs[0])["estimates"])
    cold, cached = [], []
    cold_queries = cached_queries = 0
    for _ in range(rounds):
        forget_matrix(pairs)
        total, _per, cold_queries = pass_over(pairs)
        cold.append(total)
        total, _per, cached_queries = pass_over(pairs)
        cached.append(total)
    return {
        "hospitals": hospitals,
        "centres": centres,
        "pairs": len(pairs),
        "modes": modes,
        "cold": summary(cold),
        "cached": summary(cached),
        "cold_queries": cold_queries,
        "cached_queries": cached_queries,
        "ratio": cached_against_pure(pairs, rounds=ratio_rounds),
        "profile": profile_cached(pairs),
    }


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    result = run(rounds=2 if quick else 5, ratio_rounds=5 if quick else 15)
    pairs, cold, cached = result["pairs"], result["cold"], result["cached"]
    ratio = result["ratio"]
    pure_ms, cached_ms = ratio["pure"]["p50"], ratio["cached"]["p50"]
    print(
        f"travel: {result['hospitals']} hospitals, {result['centres']} centres/units → {pairs} ordered pairs × "
        f"{result['modes']} modes; SQL queries per pass: cold {result['cold_queries']}, cached "
        f"{result['cached_queries']}; ratio passes: p50 of {ratio['cached']['n']} alternating rounds each, "
        f"answers {'equal' if ratio['same_answers'] else 'DIFFERENT'}"
    )
    print(result["profile"])
    return [
        (
            "travel: cached matrix ÷ pure-Python pass",
            f"{cached_ms / pure_ms:.2f}  ({cached_ms:.1f} ms / {pure_ms:.1f} ms)",
            f"≤ {RATIO_TARGET}",
            "FAIL" if not ratio["same_answers"] else ("ok" if cached_ms <= RATIO_TARGET * pure_ms else "MISS"),
        ),
        (
            f"travel: matrix cold ({pairs} pairs × {result['modes']} modes)",
            f"{cold['p50']:.1f} ms total  {cold['p50'] / pairs:.2f} ms/pair",
            "none set",
            "info",
        ),
        (
            "travel: matrix cached",
            f"{cached['p50']:.1f} ms total  {cached['p50'] / pairs:.2f} ms/pair",
            "none set",
            "info",
        ),
    ]
