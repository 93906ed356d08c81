"""Benchmark 1: activation → every first-step SMS (one per role, to the primaries) at the Twilio endpoint.

The fake Twilio runs in this process, so its request times and ours share one clock; the
Daphne and Celery processes send through the real twilio library to it.

Two ratios, each against a baseline measured in the same run (issue 16): the last of the 4
first-tier SMS against the first (≤ 1.3: the pages go out in parallel), and the first SMS
against one bare Twilio API round trip, timed by a separate process with the worker's
environment through the same backend and client code (`python -m bench.alerts_bench`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from bench.stats import summary

TARGET_P99_MS = 300
TARGET_LAST_OVER_FIRST = 1.3
TARGET_FIRST_OVER_ROUND_TRIP = 3.0
WARM_UP = 3
ROUND_TRIPS = 20
ROUND_TRIP_TO = "+38640000999"  # nobody on call: its SMS never counts as a page
_fake = None  # the FakeTwilio started by prepare()


@contextmanager
def prepare() -> Iterator[dict[str, str]]:
    """Start the fake Twilio before the stack, and aim the stack's Twilio backend at it."""
    global _fake
    from tests.fakes.twilio_server import FakeTwilio

    _fake = FakeTwilio().start()
    try:
        yield {
            "NOTIFICATION_BACKEND": "twilio",
            "TWILIO_API_BASE_URL": _fake.base_url,
            "TWILIO_ACCOUNT_SID": _fake.account_sid,
            "TWILIO_AUTH_TOKEN": _fake.auth_token,
            "TWILIO_FROM_NUMBER": _fake.messaging_service_from,
        }
    finally:
        _fake.stop()
        _fake = None


def seed(activations: int) -> tuple[str, dict[str, str], list[tuple[int, str]]]:
    """A coordinator, a primary and a backup on call for each of the 4 roles, missions under review."""
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from dispatch.models import MissionStatus, TeamRole
    from dispatch.notifications.models import Shift, Tier
    from tests.support import factories

    coordinator = factories.make_coordinator(username="bench-alerts-coordinator")
    token = Token.objects.create(user=coordinator).key
    now = timezone.now()
    primaries: dict[str, str] = {}  # phone → role
    for role in TeamRole.values:
        for tier in (Tier.PRIMARY, Tier.BACKUP):
            member = factories.make_team_member(role, username=f"bench-{role}-{tier}")
            Shift.objects.create(
                member=member, team_role=role, tier=tier, starts_at=now - timedelta(days=1),
                ends_at=now + timedelta(days=1),
            )
            if tier == Tier.PRIMARY:
                primaries[str(member.profile.phone)] = role
    missions = [
        factories.MissionFactory(
            status=MissionStatus.UNDER_REVIEW, created_by=coordinator, required_roles=list(TeamRole.values)
        )
        for _ in range(activations)
    ]
    return token, primaries, [(m.pk, m.code) for m in missions]


def _first_step_sms(fake, start: int, code: str, primaries: dict[str, str]) -> list:
    """The page SMS for this mission to each primary, among requests after index `start`."""
    found = {}
    for message in fake.messages[start:]:
        if message.to in primaries and message.body.startswith(code + " "):
            found.setdefault(message.to, message)
    return list(found.values()) if len(found) == len(primaries) else []


def run(base_url: str, *, activations: int, gap_s: float = 0.2) -> dict:
    import requests

    fake = _fake
    if fake is None:
        raise RuntimeError("alerts_bench.prepare() was not entered: the stack does not know the fake Twilio")
    token, primaries, missions = seed(activations + WARM_UP)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    from_response: list[float] = []
    from_event: list[float] = []
    from_request: list[float] = []
    first_sms: list[float] = []  # activation (the POST's answer) → the first of the 4 at Twilio
    last_sms: list[float] = []  # … → the last of the 4
    errors: list[str] = []
    measured: dict[int, tuple[float, list]] = {}  # mission id → (event created_at, its 4 SMS)
    for index, (mission_id, code) in enumerate(missions):
        start = len(fake.messages)
        t_sent = time.time()
        response = session.post(f"{base_url}/api/v1/missions/{mission_id}/transitions/", json={"to": "team_activated"})
        t_answered = time.time()
        if response.status_code != 200:
            errors.append(f"POST {response.status_code}")
            continue
        created_at = datetime.fromisoformat(response.json()["event"]["created_at"]).timestamp()
        try:
            messages = fake.wait_for(
                lambda start=start, code=code: _first_step_sms(fake, start, code, primaries), timeout=10, interval=0.002
            )
        except AssertionError:
            errors.append(f"{code}: not every primary was texted within 10 s")
            continue
        reached = max(m.request.time for m in messages)
        if index >= WARM_UP:
            from_response.append((reached - t_answered) * 1000)
            from_event.append((reached - created_at) * 1000)
            from_request.append((reached - t_sent) * 1000)
            # From the activation's answer (it commits just before): the event's created_at is
            # taken early in the activation's own transaction, which goes on to open the alerts.
            first_sms.append((min(m.request.time for m in messages) - t_answered) * 1000)
            last_sms.append((reached - t_answered) * 1000)
            measured[mission_id] = (created_at, messages)
        time.sleep(gap_s)  # let the delivery callbacks of this activation come back
    stages = breakdown(measured)
    _cancel(token, [mission_id for mission_id, _code in missions])
    return {
        "stages": stages,
        "from_response": summary(from_response),
        "from_event": summary(from_event),
        "from_request": summary(from_request),
        "first_sms": summary(first_sms),
        "last_sms": summary(last_sms),
        "errors": errors,
        "sms_requests": len(fake.messages),
    }


def breakdown(measured: dict[int, tuple[float, list]]) -> dict[str, dict[str, float]]:
    """Where the time goes, per page: activation event row → step ran (its Notification row) → SMS at Twilio.

    The slowest of the 4 pages decides the figure; "queue" is the wait for a Celery worker slot.
    """
    from dispatch.notifications.models import Channel, Notification, Purpose

    to_step, step_to_sms, order = [], [], []
    for mission_id, (created_at, messages) in measured.items():
        rows = Notification.objects.filter(
            alert__mission_id=mission_id, channel=Channel.SMS, purpose=Purpose.PAGE, step=0
        ).values_list("to_number", "created_at")
        at_twilio = {m.to: m.request.time for m in messages}
        by_start = sorted((created.timestamp(), at_twilio[number]) for number, created in rows if number in at_twilio)
        for rank, (started, reached) in enumerate(by_start):
            to_step.append((started - created_at) * 1000)
            step_to_sms.append((reached - started) * 1000)
            order.append((rank, (started - created_at) * 1000))
    per_rank = {
        f"event → step ran, page #{rank + 1}": summary([ms for r, ms in order if r == rank]) for rank in range(4)
    }
    return {"event → step ran (any page)": summary(to_step), "step ran → SMS at Twilio": summary(step_to_sms),
            **per_rank}


def _cancel(token: str, mission_ids: list[int]) -> None:
    """Close the benchmark's missions so their later escalation steps and board cards stay out of the next run."""
    from rest_framework.authtoken.models import Token

    from dispatch.models import EventSource, MissionStatus
    from dispatch.services.missions import transition_mission

    coordinator = Token.objects.select_related("user").get(key=token).user
    for mission_id in mission_ids:
        transition_mission(
            mission_id=mission_id, to_status=MissionStatus.CANCELLED, actor=coordinator, source=EventSource.API,
            reason="benchmark finished", outcome="other",
        )


def round_trips(count: int = ROUND_TRIPS) -> dict[str, float]:
    """Time `count` SMS sends from a separate process started with the stack's environment (which
    `bench.stack.setup_django` copied into ours), through the worker's backend and twilio client."""
    from bench.stack import ROOT

    done = subprocess.run(
        [sys.executable, "-m", "bench.alerts_bench", str(count)],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, check=True,
    )  # fmt: skip
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    # The first send opens the connection; the worker's client keeps its connection warm.
    return {"cold": timings[0], **summary(timings[1:])}


def _send_round_trips(count: int) -> list[float]:
    """In the separate process: one SMS after another through the configured backend, each timed (ms)."""
    import django

    django.setup()
    from dispatch.notifications.backends import get_backend

    backend = get_backend()
    timings = []
    for index in range(count):
        started = time.perf_counter()
        # No status callback: nothing in the app is about this message.
        result = backend.send_sms(to=ROUND_TRIP_TO, body=f"bench round trip {index}", status_callback="")
        timings.append((time.perf_counter() - started) * 1000)
        if not result.ok:
            raise RuntimeError(f"round trip {index} failed: {result}")
    return timings


def _ratio_row(name: str, numerator: float, denominator: float, target: float, detail: str, ok_run: bool):
    ratio = numerator / denominator if denominator > 0 else float("inf")
    verdict = "FAIL" if not ok_run else ("ok" if ratio <= target else "MISS")
    return (name, f"ratio {ratio:.2f} ({detail})", f"≤ {target}", verdict)


def measure(base_url: str, *, quick: bool = False) -> list[tuple[str, str, str, str]]:
    rtt = round_trips()
    result = run(base_url, activations=10 if quick else 60)
    stats, event = result["from_response"], result["from_event"]
    first, last = result["first_sms"], result["last_sms"]
    if result["errors"]:
        print("alerts errors:", result["errors"][:5])
    print(
        f"alerts: from event created_at p50 {event['p50']:.1f} p99 {event['p99']:.1f} ms; "
        f"from request sent p50 {result['from_request']['p50']:.1f} p99 {result['from_request']['p99']:.1f} ms; "
        f"{result['sms_requests']} SMS requests at the fake"
    )
    for stage, figures in result["stages"].items():
        print(f"alerts breakdown: {stage:<34} p50 {figures['p50']:.1f} ms  p99 {figures['p99']:.1f} ms")
    print(
        f"alerts: activation → first SMS p50 {first['p50']:.1f} p99 {first['p99']:.1f} ms; → last SMS p50 "
        f"{last['p50']:.1f} p99 {last['p99']:.1f} ms; bare Twilio round trip p50 {rtt['p50']:.1f} "
        f"p99 {rtt['p99']:.1f} ms (first, cold: {rtt['cold']:.1f} ms)"
    )
    ok = not result["errors"] and stats["p99"] < TARGET_P99_MS
    clean = not result["errors"]
    return [
        (
            "alerts: activation → 4 primary SMS",
            f"p50 {stats['p50']:.1f} ms  p99 {stats['p99']:.1f} ms  n={stats['n']}",
            f"p99 < {TARGET_P99_MS} ms",
            "ok" if ok else ("FAIL" if result["errors"] else "MISS"),
        ),
        _ratio_row(
            "alerts: last ÷ first of the 4 SMS, p50", last["p50"], first["p50"], TARGET_LAST_OVER_FIRST,
            f"last p50 {last['p50']:.0f} ms / first p50 {first['p50']:.0f} ms", clean,
        ),
        _ratio_row(
            "alerts: last ÷ first of the 4 SMS, p99", last["p99"], first["p99"], TARGET_LAST_OVER_FIRST,
            f"last p99 {last['p99']:.0f} ms / first p99 {first['p99']:.0f} ms", clean,
        ),
        _ratio_row(
            "alerts: first SMS ÷ bare Twilio round trip", first["p50"], rtt["p50"], TARGET_FIRST_OVER_ROUND_TRIP,
            f"first p50 {first['p50']:.0f} ms / round trip p50 {rtt['p50']:.1f} ms", clean,
        ),
    ]  # fmt: skip


if __name__ == "__main__":
    # The bare round trip's own process (see `round_trips`): prints its timings as one JSON line.
    print(json.dumps(_send_round_trips(int(sys.argv[1]) if len(sys.argv) > 1 else ROUND_TRIPS)))
