"""Benchmark 4: the travel matrix (every hospital ↔ every ECMO centre/unit, both modes), cold and cached.

Runs in this process against the bench database and the stack's Redis travel cache, through
`hospitals.selectors.travel_between` (what the board, API and SMS texts call). "Cold" deletes
exactly the matrix's keys first — never `clear()`: the cache shares Redis with Celery and Channels.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time

from bench.stats import summary


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


def run(*, rounds: int = 5) -> dict:
    from django.utils import timezone

    from hospitals.matrix import ECMO_KINDS, Model, estimates_between, place_of
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
    # What the board pays per estimate without the helipad query Model.current() repeats each call.
    model = Model.current()
    started = time.perf_counter()
    for origin, destination in pairs:
        estimates_between(place_of(origin), place_of(destination), timezone.now(), model)
    model_reused_ms = (time.perf_counter() - started) * 1000
    return {
        "hospitals": hospitals,
        "centres": centres,
        "pairs": len(pairs),
        "modes": modes,
        "cold": summary(cold),
        "cached": summary(cached),
        "cold_queries": cold_queries,
        "cached_queries": cached_queries,
        "model_reused_ms": model_reused_ms,
        "profile": profile_cached(pairs),
    }


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    result = run(rounds=2 if quick else 5)
    pairs, cold, cached = result["pairs"], result["cold"], result["cached"]
    print(
        f"travel: {result['hospitals']} hospitals, {result['centres']} centres/units → {pairs} ordered pairs × "
        f"{result['modes']} modes; SQL queries per pass: cold {result['cold_queries']}, cached "
        f"{result['cached_queries']}; cached pass with one Model reused: {result['model_reused_ms']:.1f} ms"
    )
    print(result["profile"])
    return [
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
