"""Benchmark 2 (API): the snapshot against the framework's own ceiling, on each ASGI server.

Ceiling: `GET /api/v1/me/`, the smallest real authenticated endpoint (same server, same token
authentication, same middleware). Snapshot: `GET /api/v1/missions/?active=1`, what the board
polls. Both are measured closed loop (throughput), alternating; then the snapshot open loop at half
of the ceiling's rate, alone and then while transitions run (latency), all from another process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os

from bench import servers
from bench.loadgen import run_load, run_throughput
from bench.stats import summary
from bench.walk import WALK

CEILING = "/api/v1/me/"
SNAPSHOT = "/api/v1/missions/?active=1"
CONCURRENCY = 16


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


def _in_child(function, *args):
    """Run the load generator in a spawned process: it must not share this process's CPU time."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(function, args)


def _throughput(base: str, token: str, *, duration: float, rounds: int) -> dict:
    data = _in_child(run_throughput, base, token, [CEILING, SNAPSHOT], CONCURRENCY, duration, rounds)
    out = {}
    for path, runs in data.items():
        latencies = [x for run in runs for x in run["latencies_ms"]]
        out[path] = {
            "rate": sum(run["rate"] for run in runs) / len(runs),
            "errors": [e for run in runs for e in run["errors"]],
            **summary(latencies),
        }
    return out


def _open_loop(base: str, token: str, walking: list[int], *, rate: float, duration: float,
               transition_rate: float) -> dict:
    from dispatch.models import MissionEvent

    walks = [[(mission_id, to) for to in WALK] for mission_id in walking]
    data = _in_child(run_load, base, token, rate, duration, walks, transition_rate)
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
        "transitions_expected": len(walks) * len(WALK),
        "events_exactly_once": all(count == 1 for count in counts.values()) and events_total == len(keys),
    }


def run(base_url: str, *, duration: float = 20, throughput_s: float = 5, rounds: int = 2,
        server_names: tuple[str, ...] = servers.NAMES, transition_rate: float = 10) -> dict[str, dict]:
    """Per server: closed-loop ceiling and snapshot throughput, then the open-loop snapshot latency.

    `base_url` is the stack's own Daphne (the production way); the other servers are started here
    with the same environment and worker count. Each server walks its own third of the missions.
    """
    token, _static, walking = seed()
    results: dict[str, dict] = {"cpu": cpu_per_request(token)}
    env = dict(os.environ)  # the stack's environment (bench.stack.setup_django copied it here)
    share = len(walking) // len(server_names)
    for i, name in enumerate(server_names):
        with contextlib.ExitStack() as started:
            base = base_url if name == "daphne" else started.enter_context(servers.serve(name, env))
            throughput = _throughput(base, token, duration=throughput_s, rounds=rounds)
            rate = throughput[CEILING]["rate"] / 2
            quiet = _open_loop(base, token, [], rate=rate, duration=duration, transition_rate=transition_rate)
            load = _open_loop(
                base, token, walking[i * share:(i + 1) * share], rate=rate, duration=duration,
                transition_rate=transition_rate,
            )
        results[name] = {
            "ceiling": throughput[CEILING], "snapshot": throughput[SNAPSHOT], "quiet": quiet, "load": load,
        }
    return results


def cpu_per_request(token: str, n: int = 200) -> dict[str, float]:
    """CPU ms per request of each path through Django's full stack in this process (no server, no
    network): a figure other work on the machine barely moves, unlike the rates above."""
    import time

    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="127.0.0.1")
    out = {}
    for path in (CEILING, SNAPSHOT):
        for _ in range(20):
            assert client.get(path).status_code == 200
        t0 = time.process_time()
        for _ in range(n):
            client.get(path)
        out[path] = (time.process_time() - t0) * 1000 / n
    return out
