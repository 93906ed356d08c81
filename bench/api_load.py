"""Benchmark 3: board snapshot under a fixed offered rate while transitions run, from another process."""

from __future__ import annotations

import multiprocessing

from bench.loadgen import run_load
from bench.stats import summary
from bench.walk import WALK


def seed(static: int = 20, walking: int = 30) -> tuple[str, list[int], list[int]]:
    from rest_framework.authtoken.models import Token

    from dispatch.models import Mission, MissionStatus
    from tests.support import factories

    coordinator = factories.make_coordinator(username="bench-coordinator")
    token = Token.objects.create(user=coordinator).key
    mixed = [MissionStatus.REQUESTED, MissionStatus.UNDER_REVIEW, MissionStatus.ON_SITE, MissionStatus.ON_ECMO]
    static_ids = [
        factories.MissionFactory(status=mixed[i % len(mixed)], created_by=coordinator).pk for i in range(static)
    ]
    walking_ids = [
        factories.MissionFactory(status=MissionStatus.TEAM_READY, created_by=coordinator).pk for _ in range(walking)
    ]
    assert Mission.objects.count() == static + walking
    return token, static_ids, walking_ids


def run(base_url: str, *, rate: float = 300, duration: float = 20, transition_rate: float = 10) -> dict:
    from dispatch.models import MissionEvent

    token, _static, walking = seed()
    walks = [[(mission_id, to) for to in WALK] for mission_id in walking]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        data = pool.apply(run_load, (base_url, token, rate, duration, walks, transition_rate))

    keys = data["transition_keys"]
    counts = {key: MissionEvent.objects.filter(idempotency_key=key).count() for key in keys}
    events_total = MissionEvent.objects.filter(mission_id__in=walking, kind="mission.status_changed").count()
    return {
        "snapshot": summary(data["latencies_ms"]),
        "offered_rate": rate,
        "achieved_rate": data["sent"] / data["elapsed_s"] if data["elapsed_s"] else 0,
        "errors": data["errors"],
        "transitions": summary(data["transition_latencies_ms"]),
        "transitions_ok": len(keys),
        "transitions_expected": len(walking) * len(WALK),
        "events_exactly_once": all(count == 1 for count in counts.values()) and events_total == len(keys),
    }
