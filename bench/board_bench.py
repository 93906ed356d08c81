"""Benchmark 2: a transition through the API → the event at the last of 1,000 board WebSocket clients.

The clients live in a spawned process (bench/board_clients.py); this process makes one
transition at a time and waits until every client has its event, so each figure is one
fan-out on an otherwise idle board. Times are wall-clock, shared by both processes.

The baseline, in the same run and on the same box: the same number of clients on a minimal
Channels group broadcast (bench/echo_asgi.py, served by its own Daphne with the same channel
layer), driven from here with `group_send`. The target is the ratio of the two p99s. The echo
message is as long as the board's events were in the product run (their median), so the ratio
measures what the product adds per event, not the bytes every broadcast of that size costs.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import queue
import resource
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from bench.board_clients import child_main
from bench.stats import summary
from bench.walk import WALK, transition_body

CLIENTS = 1000
TARGET_RATIO = 2.0
ROOT = Path(__file__).resolve().parent.parent
# The echo message's length when the product run saw no event (it always sees some).
DEFAULT_EVENT_CHARS = 5500
# The echo's length until the baseline matched the events (about a quarter of a board event).
EARLIER_ECHO_CHARS = 1550


def raise_open_files(needed: int) -> int:
    """Each client is a socket in the client process and one in a server: lift the soft limit (not the hard one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        soft = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return soft


@contextmanager
def prepare():
    """Before the stack starts: the servers and the client process inherit this process's limit."""
    limit = raise_open_files(2 * CLIENTS + 1024)
    if limit < CLIENTS + 256:
        print(f"board: open-file limit {limit} is below {CLIENTS} clients; raise the hard limit (ulimit -Hn)")
    yield {}


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


# --- server processes: which they are, and their memory ----------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def server_pids(port: int) -> list[int]:
    """The Daphne workers behind `scripts/serve.py --port <port>` (or the one Daphne it became)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--port" in argv and argv[argv.index(b"--port") + 1 : argv.index(b"--port") + 2] == [str(port).encode()]:
            pids += _children(int(entry.name)) or [int(entry.name)]
        elif b"-p" in argv and any(arg.endswith(b"daphne") for arg in argv[:2]):
            if argv[argv.index(b"-p") + 1 : argv.index(b"-p") + 2] == [str(port).encode()]:
                pids.append(int(entry.name))
    return pids


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


# --- the clients --------------------------------------------------------------------------
class Board:
    """`clients` WebSocket clients in a child process, connected and waiting; the servers' memory before and after."""

    def __init__(self, ws_url: str, clients: int, port: int) -> None:
        self.pids = server_pids(port)
        self.rss_before = rss_mb(self.pids)
        ctx = multiprocessing.get_context("spawn")
        self.control, self.reports = ctx.Queue(), ctx.Queue()
        self.child = ctx.Process(target=child_main, args=(ws_url, clients, self.control, self.reports), daemon=True)
        self.child.start()
        started = time.monotonic()
        while (first := self.reports.get(timeout=600))[0] != "ready":
            pass  # a client dropped while the others connected: it reconnects by itself
        self.connect_s = time.monotonic() - started
        self.connected = first[1]
        time.sleep(1)  # let the servers settle after the last snapshot before reading their memory
        self.rss_after = rss_mb(self.pids)

    @property
    def kb_per_client(self) -> float:
        return (self.rss_after - self.rss_before) * 1024 / max(self.connected, 1)

    def stop(self) -> dict:
        self.control.put("stop")
        while (item := self.reports.get(timeout=120))[0] != "done":
            pass
        self.child.join(timeout=10)
        return item[1]


# --- the baseline: a bare group broadcast ---------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def echo_server(workers: int = int(os.environ.get("BENCH_WEB_WORKERS", "2"))):
    """bench/echo_asgi.py on its own port, started like the product's server (same env, same worker count)."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "scripts/serve.py",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "bench.echo_asgi:application",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the echo server did not start within 30 s") from None
                time.sleep(0.1)
        time.sleep(2)  # both workers have adopted the socket and set up Django
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_echo(*, clients: int, broadcasts: int, event_chars: int, gap_s: float = 0.05) -> dict:
    """The same clients on the echo server; each broadcast is one `group_send` from here, timed to the last client.

    Each message is `event_chars` long as the client reads it, like the product's board events.
    """
    from channels.layers import get_channel_layer

    from bench.echo_asgi import ECHO_GROUP

    layer = get_channel_layer()
    loop = asyncio.new_event_loop()  # one loop: the layer keeps its Redis pool, as a server does

    def send(sequence: int) -> None:
        bare = len(json.dumps({"type": "mission.event", "sequence": sequence, "pad": ""}))
        event = {"type": "mission.event", "sequence": sequence, "pad": "x" * max(event_chars - bare, 0)}
        loop.run_until_complete(layer.group_send(ECHO_GROUP, {"type": "echo.message", "event": event}))

    with echo_server() as port:
        board = Board(f"ws://127.0.0.1:{port}/ws/echo/?bench=1", clients, port)
        send(0)  # warm: the pool's connection, the group's key
        latencies, errors, drops = [], [], []
        for sequence in range(1, broadcasts + 1):
            sent = time.time()
            send(sequence)
            times = _wait_complete(board.reports, sequence, timeout=10, drops=drops)
            if times is None:
                errors.append(f"echo {sequence} not at every client within 10 s")
                if len(errors) >= 3:
                    break
                continue
            latencies.append((times[1] - sent) * 1000)
            time.sleep(gap_s)
        done = board.stop()
    loop.close()
    return {
        "connected": board.connected,
        "connect_s": board.connect_s,
        "kb_per_client": board.kb_per_client,
        "rss": (board.rss_before, board.rss_after),
        "latency": summary(latencies),
        "errors": errors + done["errors"],
    }


def run(base_url: str, *, clients: int = CLIENTS, transitions: int = 100, gap_s: float = 0.05) -> dict:
    import requests

    token, missions = seed(-(-transitions // len(WALK)))
    steps = [(mission_id, to) for to in WALK for mission_id in missions][:transitions]
    ws_url = base_url.replace("http://", "ws://") + f"/ws/board/?token={token}"
    board = Board(ws_url, clients, int(base_url.rsplit(":", 1)[1]))

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
        times = _wait_complete(board.reports, event["sequence"], timeout=10, drops=drops)
        if times is None:
            errors.append(f"event {event['sequence']} not at every client within 10 s")
            if len(errors) >= 3:
                break  # the board has lost clients or stalled; no point waiting out every step
            continue
        first_at, last_at = times
        from_response.append((last_at - answered) * 1000)
        slowest.append((from_response[-1], answered, event["sequence"]))
        first_from_response.append((first_at - answered) * 1000)
        from_event.append((last_at - datetime.fromisoformat(event["created_at"]).timestamp()) * 1000)
        time.sleep(gap_s)
    done = board.stop()
    return {
        "connected": board.connected,
        "connect_s": board.connect_s,
        "kb_per_client": board.kb_per_client,
        "rss": (board.rss_before, board.rss_after),
        "from_response": summary(from_response),
        "first_from_response": summary(first_from_response),
        "from_event": summary(from_event),
        "errors": errors + done["errors"],
        "kinds": done["kinds"],
        "event_chars": done["event_chars"],
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
    count = 24 if quick else 100
    # The product first: the baseline then sends messages of the length its events had. Each
    # has its own server, and the board's clients are gone before the echo's connect.
    result = run(base_url, transitions=count)
    echo = run_echo(clients=CLIENTS, broadcasts=count, event_chars=result["event_chars"] or DEFAULT_EVENT_CHARS)
    # The baseline before it matched the events' length: shown beside it, so runs stay comparable.
    small_echo = run_echo(clients=CLIENTS, broadcasts=count, event_chars=EARLIER_ECHO_CHARS)
    # From the event's creation (in the transaction): the answer to the POST often comes after the board has it.
    stats, base = result["from_event"], echo["latency"]
    print(
        f"board: {result['connected']} clients connected in {result['connect_s']:.1f} s; messages {result['kinds']}; "
        f"first client p50 {result['first_from_response']['p50']:.1f} ms; "
        f"from the POST's answer p50 {result['from_response']['p50']:.1f} p99 {result['from_response']['p99']:.1f} ms"
    )
    print(
        f"board: echo baseline {echo['connected']} clients connected in {echo['connect_s']:.1f} s; "
        f"messages of {result['event_chars'] or DEFAULT_EVENT_CHARS} characters, like the board's events; "
        f"group_send → last client p50 {base['p50']:.1f} p99 {base['p99']:.1f} ms n={base['n']}"
    )
    print(
        "board: server RSS before/after connecting (MB): "
        f"product {result['rss'][0]:.0f} → {result['rss'][1]:.0f}, echo {echo['rss'][0]:.0f} → {echo['rss'][1]:.0f}"
    )
    if result["errors"] or echo["errors"]:
        print("board errors:", (result["errors"] + echo["errors"])[:5])
    print("board: slowest transitions (ms, sequence, a client was dropped within 6 s before):", result["slowest"])
    if result["reconnects"]:
        print(f"board: clients dropped by the server and resumed, by close code: {result['reconnects']}")
    ratio = stats["p99"] / base["p99"] if base["p99"] > 0 else float("inf")
    if ratio > TARGET_RATIO:
        print(profile_fan_out(result["last_sequence"], result["connected"]))
    failed = bool(result["errors"] or echo["errors"]) or min(result["connected"], echo["connected"]) < CLIENTS
    small = small_echo["latency"]
    return [
        (
            f"board: transition → all {result['connected']} clients ÷ bare group broadcast",
            f"{ratio:.2f} (p99 {stats['p99']:.1f} / {base['p99']:.1f} ms; p50 {stats['p50']:.1f} / {base['p50']:.1f})",
            f"≤ {TARGET_RATIO:g}",
            "FAIL" if failed else ("ok" if ratio <= TARGET_RATIO else "MISS"),
        ),
        (
            f"board:  … ÷ a broadcast of {EARLIER_ECHO_CHARS} characters (the earlier baseline)",
            f"{stats['p99'] / small['p99'] if small['p99'] > 0 else float('inf'):.2f} "
            f"(p99 {stats['p99']:.1f} / {small['p99']:.1f} ms; p50 {stats['p50']:.1f} / {small['p50']:.1f})",
            "none set",
            "info",
        ),
        (
            "board: server memory per connected client",
            f"{result['kb_per_client']:.0f} KB (echo {echo['kb_per_client']:.0f} KB)",
            "reported",
            "FAIL" if failed else "ok",
        ),
    ]
