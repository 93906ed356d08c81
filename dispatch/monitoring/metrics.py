"""Prometheus metrics of this process, served at /metrics (who may read it: `views.may_read`).

Per process: HTTP requests, open WebSocket streams and the lag of each live event frame.
Read from the database at scrape time, so every node answers the same: the paging heartbeat's
age and the pages pending or failed. Metric names and what to alert on: docs/deploy.md.

django-prometheus is not used: its releases stop below Django 6.1. `prometheus-client` and the
few lines here give the same request counters without its per-model and per-query patching.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from dispatch.notifications import selectors as paging

HTTP_REQUESTS = Counter(
    "ecmo_http_requests", "HTTP requests answered by this process, by method and status", ["method", "status"]
)
HTTP_LATENCY = Histogram(
    "ecmo_http_request_duration_seconds",
    "Time to answer an HTTP request in this process",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBSOCKET_CONNECTIONS = Gauge(
    "ecmo_websocket_connections", "Open WebSocket streams on this process, by path", ["stream"]
)
FANOUT_LAG = Histogram(
    "ecmo_event_fanout_lag_seconds",
    "From a timeline event's recording to its frame leaving this process (replays after a resume included)",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 30, 60, 300),
)
EVENT_FRAME_PREFIX = '{"type": "mission.event"'
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetricsMiddleware:
    """Counts and times every HTTP request (first in MIDDLEWARE, so refusals count too).

    Sync and async capable, so under Daphne it adds no thread hop of its own.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        self._record(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        self._record(request, response, started)
        return response

    @staticmethod
    def _record(request: HttpRequest, response: HttpResponse, started: float) -> None:
        HTTP_LATENCY.observe(time.perf_counter() - started)
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUESTS.labels(method, str(response.status_code)).inc()


def stream_label(path: str) -> str:
    """A bounded label: `board`, `mission` or `other` (never the mission id)."""
    if path.startswith("/ws/board/"):
        return "board"
    if path.startswith("/ws/missions/"):
        return "mission"
    return "other"


def observe_frame(text: str | None, *, now: float | None = None) -> None:
    """A `mission.event` frame about to leave: record how long after its event was recorded."""
    if not text or not text.startswith(EVENT_FRAME_PREFIX):
        return
    try:
        created_at = datetime.fromisoformat(json.loads(text)["created_at"])
    except (ValueError, KeyError, TypeError):
        return
    FANOUT_LAG.observe(max(0.0, (now if now is not None else time.time()) - created_at.timestamp()))


class WebSocketMetrics:
    """ASGI middleware around the WebSocket router: open streams and fan-out lag, per process.

    It watches what the consumers send (accept, frames, close) and what the client ends
    (disconnect), so the streams need no metrics code of their own.
    """

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        gauge = WEBSOCKET_CONNECTIONS.labels(stream_label(scope.get("path", "")))
        is_open = False

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal is_open
            kind = message["type"]
            if kind == "websocket.send":
                observe_frame(message.get("text"))
            elif kind == "websocket.accept" and not is_open:
                is_open = True
                gauge.inc()
            elif kind == "websocket.close" and is_open:
                is_open = False
                gauge.dec()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if is_open:
                gauge.dec()


class PagingCollector(Collector):
    """Paging health read from the database at each scrape (the same on every node)."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        heartbeat = paging.paging_heartbeat()
        age = GaugeMetricFamily(
            "ecmo_paging_heartbeat_age_seconds",
            "Seconds since the paging reconcile last ran (NaN: never); alarm above 3 intervals",
        )
        age.add_metric([], float("nan") if heartbeat["age_s"] is None else heartbeat["age_s"])
        yield age
        interval = GaugeMetricFamily(
            "ecmo_paging_reconcile_interval_seconds", "PAGING_RECONCILE_INTERVAL_S of this node"
        )
        interval.add_metric([], heartbeat["interval_s"])
        yield interval
        counts = paging.page_counts()
        pending = GaugeMetricFamily(
            "ecmo_pages_pending",
            "Pages not yet handed to the provider (pending) or sent without its answer yet (claimed)",
            labels=["status"],
        )
        for status in ("pending", "claimed"):
            pending.add_metric([status], counts[status])
        yield pending
        failed = GaugeMetricFamily(
            "ecmo_pages_failed", "Pages that failed in the last hour, by channel", labels=["channel"]
        )
        for channel, count in sorted(counts["failed_last_hour"].items()):
            failed.add_metric([channel], count)
        yield failed


# Read at scrape time, kept apart from the process's own registry so a test or a second import
# never registers it twice.
PAGING_REGISTRY = CollectorRegistry()
PAGING_REGISTRY.register(PagingCollector())


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes: this process's metrics, then the paging gauges."""
    return generate_latest(REGISTRY) + generate_latest(PAGING_REGISTRY), CONTENT_TYPE_LATEST
