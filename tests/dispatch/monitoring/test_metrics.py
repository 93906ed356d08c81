"""/metrics: who may read it, the paging gauges read from the database, the live-stream gauges."""

import asyncio
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from dispatch.monitoring import metrics
from dispatch.notifications.models import Heartbeat, Notification
from dispatch.notifications.selectors import RECONCILE_HEARTBEAT


def sample(text: str, name: str) -> float:
    """The value of one sample line (`name` including its labels) in the exposition text."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics")


@pytest.mark.django_db
def test_metrics_are_refused_through_the_proxy_without_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert (
        client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope").status_code == 403
    )


@pytest.mark.django_db
def test_metrics_are_served_with_the_token_from_anywhere(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    answer = client.get(
        "/metrics",
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer s3cret-token",
    )
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_metrics_report_heartbeat_age_and_pages_pending_and_failed(client):
    Heartbeat.objects.create(name=RECONCILE_HEARTBEAT, last_run_at=timezone.now() - timedelta(seconds=42))
    for status, channel in [
        ("pending", "sms"),
        ("pending", "voice"),
        ("claimed", "sms"),
        ("failed", "sms"),
        ("undelivered", "sms"),
        ("error", "voice"),
        ("delivered", "sms"),
        ("skipped", "sms"),
    ]:
        Notification.objects.create(channel=channel, to_number="+38640111222", body="page", status=status)
    old = Notification.objects.create(channel="sms", to_number="+38640111222", body="page", status="failed")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))

    text = client.get("/metrics").content.decode()
    assert 42 <= sample(text, "ecmo_paging_heartbeat_age_seconds") < 50
    assert sample(text, 'ecmo_pages_pending{status="pending"}') == 2
    assert sample(text, 'ecmo_pages_pending{status="claimed"}') == 1
    assert sample(text, 'ecmo_pages_failed{channel="sms"}') == 2
    assert sample(text, 'ecmo_pages_failed{channel="voice"}') == 1


@pytest.mark.django_db
def test_metrics_count_http_requests_by_method_and_status(client):
    before = REGISTRY.get_sample_value("ecmo_http_requests_total", {"method": "GET", "status": "200"}) or 0
    client.get("/healthz")
    assert REGISTRY.get_sample_value("ecmo_http_requests_total", {"method": "GET", "status": "200"}) == before + 1


async def board_stream(scope, receive, send):
    """A stand-in stream: accepts, sends one event recorded 2 s ago and a heartbeat, waits for the client."""
    await send({"type": "websocket.accept"})
    created = (timezone.now() - timedelta(seconds=2)).isoformat()
    await send(
        {"type": "websocket.send", "text": json.dumps({"type": "mission.event", "sequence": 1, "created_at": created})}
    )
    await send({"type": "websocket.send", "text": json.dumps({"type": "heartbeat", "sequence": 1})})
    while (await receive())["type"] != "websocket.disconnect":
        pass


def test_open_streams_are_counted_until_the_client_leaves_and_event_frames_are_timed():
    app = metrics.WebSocketMetrics(board_stream)

    def open_streams() -> float:
        return REGISTRY.get_sample_value("ecmo_websocket_connections", {"stream": "board"}) or 0

    lag_count = REGISTRY.get_sample_value("ecmo_event_fanout_lag_seconds_count") or 0
    lag_sum = REGISTRY.get_sample_value("ecmo_event_fanout_lag_seconds_sum") or 0
    open_before = open_streams()

    async def scenario() -> float:
        inbox: asyncio.Queue = asyncio.Queue()
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        task = asyncio.create_task(app({"type": "websocket", "path": "/ws/board/"}, inbox.get, send))
        await inbox.put({"type": "websocket.connect"})
        while len(sent) < 3:
            await asyncio.sleep(0.01)
        during = open_streams()
        await inbox.put({"type": "websocket.disconnect", "code": 1001})
        await task
        return during

    started = time.monotonic()
    assert asyncio.run(scenario()) == open_before + 1
    assert open_streams() == open_before
    # The event frame is timed, the heartbeat is not.
    assert REGISTRY.get_sample_value("ecmo_event_fanout_lag_seconds_count") == lag_count + 1
    lag = REGISTRY.get_sample_value("ecmo_event_fanout_lag_seconds_sum") - lag_sum
    assert 2 <= lag < 2 + (time.monotonic() - started) + 0.5
