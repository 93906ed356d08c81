"""A real HTTP server that speaks the part of OSRM's route API we use, for tests.

Real sockets and real timeouts (not mocks), so the client's error handling is exercised for real.
Answers are configured per test: a route, an OSRM error code, an HTTP status, or a hang.

    with FakeOsrm() as osrm:
        osrm.respond_route(distance_m=128_000, duration_s=4_800)
        ... OsrmRoadBackend(osrm.url, params) ...
        assert osrm.requests[0].coordinates == [(14.523, 46.056), (15.643, 46.551)]
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_ROUTE_PATH = re.compile(r"^/route/v1/driving/(?P<coords>[^/?]+)$")
_instances = itertools.count(1)


@dataclass
class RecordedRequest:
    """What the client asked for, to assert on URL building (lon,lat order, query string)."""

    path: str
    query: dict[str, list[str]]
    coordinates: list[tuple[float, float]]  # (lon, lat) as OSRM expects


@dataclass
class _Answer:
    kind: str = "route"  # "route", "error", "status", "hang", "raw"
    distance_m: float = 0.0
    duration_s: float = 0.0
    code: str = "Ok"
    message: str = ""
    status: int = 200
    hang_s: float = 0.0
    body: bytes = b""


class FakeOsrm:
    """OSRM stand-in on 127.0.0.1 with a random port, served from a daemon thread."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._answer = _Answer(distance_m=1000.0, duration_s=60.0)
        self._lock = threading.Lock()
        self._release = threading.Event()  # set on stop() so hanging handlers exit promptly
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Its own base path: the travel cache keys on the OSRM URL, and a later fake on a reused
        # port must not be answered from entries an earlier one warmed.
        self._prefix = f"/osrm-{os.getpid()}-{next(_instances)}"

    # --- configuration -------------------------------------------------------------------------
    def respond_route(self, distance_m: float, duration_s: float) -> None:
        """Answer ``{"code": "Ok", "routes": [{"distance": ..., "duration": ...}]}``."""
        self._set(_Answer(kind="route", distance_m=distance_m, duration_s=duration_s))

    def respond_error(
        self, code: str = "NoRoute", message: str = "Impossible route between points", status: int = 400
    ) -> None:
        """Answer like OSRM does on failure: a non-Ok ``code`` (real OSRM uses HTTP 400)."""
        self._set(_Answer(kind="error", code=code, message=message, status=status))

    def respond_status(self, status: int = 500) -> None:
        """Answer a bare HTTP error with a non-JSON body (proxy or crashed server)."""
        self._set(_Answer(kind="status", status=status))

    def respond_raw(self, body: bytes, status: int = 200) -> None:
        """Answer arbitrary bytes, e.g. invalid JSON."""
        self._set(_Answer(kind="raw", body=body, status=status))

    def hang(self, seconds: float) -> None:
        """Wait ``seconds`` (or until stop()) before answering a route, to trigger client timeouts."""
        with self._lock:
            self._answer = _Answer(kind="hang", hang_s=seconds, distance_m=1000.0, duration_s=60.0)

    def _set(self, answer: _Answer) -> None:
        with self._lock:
            self._answer = answer

    # --- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL to give the client (no trailing slash), e.g. ``http://127.0.0.1:54321/osrm-812-3``."""
        if self._server is None:
            raise RuntimeError("FakeOsrm is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self._prefix}"

    def start(self) -> FakeOsrm:
        self._release.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-osrm", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOsrm:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- HTTP ----------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                parts = urlsplit(self.path)
                path = parts.path.removeprefix(fake._prefix) if parts.path.startswith(fake._prefix + "/") else ""
                match = _ROUTE_PATH.match(path)
                if not match:
                    self._json(400, {"code": "InvalidUrl", "message": f"URL string malformed: {parts.path}"})
                    return
                try:
                    coordinates = [
                        (float(lon), float(lat))
                        for lon, lat in (pair.split(",") for pair in match.group("coords").split(";"))
                    ]
                except ValueError:
                    self._json(400, {"code": "InvalidQuery", "message": "Query string malformed"})
                    return
                with fake._lock:
                    fake.requests.append(RecordedRequest(path, parse_qs(parts.query), coordinates))
                    answer = fake._answer
                if answer.kind == "hang":
                    if fake._release.wait(answer.hang_s):
                        return  # server stopping; drop the connection
                    answer = _Answer(kind="route", distance_m=answer.distance_m, duration_s=answer.duration_s)
                if answer.kind == "route":
                    self._json(
                        200,
                        {
                            "code": "Ok",
                            "routes": [{"distance": answer.distance_m, "duration": answer.duration_s, "legs": []}],
                            "waypoints": [],
                        },
                    )
                elif answer.kind == "error":
                    self._json(answer.status, {"code": answer.code, "message": answer.message})
                elif answer.kind == "status":
                    self._send(answer.status, b"Internal Server Error", "text/plain")
                else:
                    self._send(answer.status, answer.body, "application/json")

            def _json(self, status: int, payload: dict) -> None:
                self._send(status, json.dumps(payload).encode(), "application/json")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to do

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (signature of the base class)
                pass  # keep test output quiet

        return Handler
