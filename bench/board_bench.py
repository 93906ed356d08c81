"""Benchmark 2: a transition through the API → the event at the last of 200 board WebSocket clients.

The clients live in a spawned process (bench/board_clients.py); this process makes one
transition at a time and waits until every client has its event, so each figure is one
fan-out on an otherwise idle board. Times are wall-clock, shared by both processes.
"""

from __future__ import annotations

import cProfile
import io
import multiprocessing
import pstats
import queue
import time
from datetime import datetime

from bench.board_clients import child_main
from bench.stats import summary
from bench.walk import WALK, transition_body

TARGET_P99_MS = 50


def seed(missions: int) -> tuple[str, list[int]]:
    from rest_framework.authtoken.models import Token

    from dispatch.models import MissionStatus
    from tests.support import factories

    coordinator = factories.make_coordinator(username="bench-board-coordinator")
    token = Token.objects.create(user=coordinator).key
    ids = [
        factories.MissionFactory(status=MissionStatus.TEAM_READY, created_by=coordinator).pk for _ in range(missions)
    ]
    return token, ids


def _wait_complete(reports, sequence: int, timeout: float, drops: list[float]) -> tuple[float, float] | None:
    """Wait for the child's report that every client has `sequence`; note when clients were dropped."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            item = reports.get(timeout=left)
        except queue.Empty:
            return None
        if item[0] == "reconnect":
            drops.append(time.time())
        if item[0] == "complete" and item[1] == sequence:
            return item[2], item[3]
    return None


def run(base_url: str, *, clients: int = 200, transitions: int = 100, gap_s: float = 0.05) -> dict:
    import requests

    token, missions = seed(-(-transitions // len(WALK)))
    steps = [(mission_id, to) for to in WALK for mission_id in missions][:transitions]
    ws_url = base_url.replace("http://", "ws://") + f"/ws/board/?token={token}"
    ctx = multiprocessing.get_context("spawn")
    control, reports = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=child_main, args=(ws_url, clients, control, reports), daemon=True)
    child.start()
    t_connect = time.monotonic()
    while (first := reports.get(timeout=180))[0] != "ready":
        pass  # a client dropped while the others connected: it reconnects by itself
    connect_s = time.monotonic() - t_connect
    connected = first[1]

    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    from_response, from_event, first_from_response, errors = [], [], [], []
    drops: list[float] = []  # when the child saw a client dropped by the server
    slowest: list[tuple[float, float, int]] = []  # (ms, answered at, sequence)
    for mission_id, to in steps:
        response = session.post(f"{base_url}/api/v1/missions/{mission_id}/transitions/", json=transition_body(to))
        answered = time.time()
        if response.status_code != 200:
            errors.append(f"POST {response.status_code}")
            continue
        event = response.json()["event"]
        times = _wait_complete(reports, event["sequence"], timeout=5, drops=drops)
        if times is None:
            errors.append(f"event {event['sequence']} not at every client within 5 s")
            if len(errors) >= 3:
                break  # the board has lost clients or stalled; no point waiting out every step
            continue
        first_at, last_at = times
        from_response.append((last_at - answered) * 1000)
        slowest.append((from_response[-1], answered, event["sequence"]))
        first_from_response.append((first_at - answered) * 1000)
        from_event.append((last_at - datetime.fromisoformat(event["created_at"]).timestamp()) * 1000)
        time.sleep(gap_s)
    control.put("stop")
    done = None
    while done is None:
        item = reports.get(timeout=60)
        if item[0] == "done":
            done = item[1]
    child.join(timeout=10)
    return {
        "connected": connected,
        "connect_s": connect_s,
        "from_response": summary(from_response),
        "first_from_response": summary(first_from_response),
        "from_event": summary(from_event),
        "errors": errors + done["errors"],
        "kinds": done["kinds"],
        "reconnects": done["reconnects"],
        "slowest": [
            (ms, seq, any(answered - 6 <= drop <= answered + ms / 1000 for drop in drops))
            for ms, answered, seq in sorted(slowest, reverse=True)[:5]
        ],
        "last_sequence": max(done["events"], default=0),
    }


def profile_fan_out(sequence: int, connections: int) -> str:
    """The per-connection database read (consumers.py `deliver_after`), in process: every event went
    through it before the ready-made-message path; now only streams that are behind, and every
    connection's catch-up poll each REALTIME_CATCH_UP_SECONDS, take it."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dispatch.presenters import TravelMemo
    from dispatch.realtime.snapshot import read_events_after

    def one(memo: TravelMemo) -> None:
        read_events_after(after=sequence - 1, mission_id=None, limit=settings.REALTIME_RESUME_MAX_EVENTS, memo=memo)

    warm = TravelMemo()
    one(warm)  # a live connection has its travel memo filled already
    with CaptureQueriesContext(connection) as queries:
        one(warm)
    started = time.perf_counter()
    for _ in range(connections):
        one(warm)
    plain_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(connections):
        one(warm)
    profiler.disable()
    elapsed_ms = (time.perf_counter() - started) * 1000
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(14)
    lines = [
        f"board profile: per connection per event read_events_after = {len(queries)} queries, "
        f"{plain_ms / connections:.2f} ms; x{connections} connections = {plain_ms:.0f} ms of one CPU "
        f"(under cProfile {elapsed_ms / connections:.2f} ms each)",
        *(f"  query: {q['sql'][:150]}" for q in queries.captured_queries),
        *out.getvalue().splitlines(),
    ]
    return "\n".join(lines)


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    result = run(base_url, transitions=24 if quick else 100)
    stats = result["from_response"]
    print(
        f"board: {result['connected']} clients connected in {result['connect_s']:.1f} s; messages {result['kinds']}; "
        f"first client p50 {result['first_from_response']['p50']:.1f} ms; "
        f"from event created_at p50 {result['from_event']['p50']:.1f} p99 {result['from_event']['p99']:.1f} ms"
    )
    if result["errors"]:
        print("board errors:", result["errors"][:5])
    print("board: slowest transitions (ms, sequence, a client was dropped within 6 s before):", result["slowest"])
    if result["reconnects"]:
        print(f"board: clients dropped by the server and resumed, by close code: {result['reconnects']}")
    if stats["p99"] >= TARGET_P99_MS:
        print(profile_fan_out(result["last_sequence"], result["connected"]))
    failed = bool(result["errors"]) or result["connected"] < 200
    return [
        (
            f"board: transition → all {result['connected']} clients",
            f"p50 {stats['p50']:.1f} ms  p99 {stats['p99']:.1f} ms  n={stats['n']}",
            f"p99 < {TARGET_P99_MS} ms",
            "FAIL" if failed else ("ok" if stats["p99"] < TARGET_P99_MS else "MISS"),
        )
    ]
