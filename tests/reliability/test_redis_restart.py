"""Redis restarted while boards are connected: transitions still commit, boards miss nothing.

Daphne runs as a real process whose channel layer and Celery broker point at a private
redis-server (never the shared one). Two coordinators' boards follow `ws/board/` with a token.
The redis-server is SIGKILLed and started again while transitions go through the API; each
board client does what the page does: on a dropped or silent socket it reconnects with backoff
and sends `{"type": "resume", "after": <last sequence seen>}`.
"""

from __future__ import annotations

import time

import pytest
import requests
from rest_framework.authtoken.models import Token

from dispatch.models import MissionEvent, MissionStatus
from tests.support import factories
from tests.support.boards import BoardClients, FailoverBoardClient
from tests.support.missions import transition_body
from tests.support.processes import VENV_BIN, Process, base_env, free_port
from tests.support.waiting import wait_until

CATCH_UP_S = 1.0  # REALTIME_CATCH_UP_SECONDS of the Daphne under test: heartbeat and DB re-check
SILENCE_S = 3 * CATCH_UP_S  # like the page: no message for three intervals → drop and reconnect
PATH = [
    MissionStatus.EN_ROUTE_OUT,
    MissionStatus.ON_SITE,
    MissionStatus.CANNULATING,
    MissionStatus.ON_ECMO,
    MissionStatus.EN_ROUTE_BACK,
    MissionStatus.ARRIVED,
]


class PrivateRedis:
    """A throwaway redis-server on its own port, keeping nothing on disk (a restart loses all)."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        self.tmp_path = tmp_path
        self.process: Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        self.process = Process(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.tmp_path)],
            env=base_env(),
            log_path=self.tmp_path / f"redis-{self.starts}.log",
        )
        self.process.wait_for_log("Ready to accept connections", timeout=10)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@pytest.fixture
def stack(committed_db, tmp_path):
    """A private redis-server and a Daphne on it, on the test database."""
    redis_server = PrivateRedis(tmp_path)
    redis_server.start()
    port = free_port()
    daphne = Process(
        [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        env=base_env(
            REDIS_URL=redis_server.url,
            CHANNEL_LAYER_PREFIX="ecmo-drill",
            REALTIME_CATCH_UP_SECONDS=CATCH_UP_S,
            NOTIFICATION_BACKEND="console",
            PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        ),
        log_path=tmp_path / "daphne.log",
    )
    try:
        daphne.wait_for_log("Listening on TCP address", timeout=30)
        yield {"redis": redis_server, "daphne": daphne, "base": f"127.0.0.1:{port}"}
    finally:
        daphne.stop()
        redis_server.stop()


def test_boards_miss_nothing_when_redis_restarts_and_transitions_commit_during_the_outage(stack):
    coordinator = factories.make_coordinator()
    token = Token.objects.create(user=coordinator).key
    missions = [factories.MissionFactory(status=MissionStatus.TEAM_READY) for _ in range(2)]
    api = requests.Session()
    api.trust_env = False
    api.headers["Authorization"] = f"Token {token}"
    legs = zip([MissionStatus.TEAM_READY, *PATH[:-1]], PATH, strict=True)
    steps = iter([(mission, previous, status) for previous, status in legs for mission in missions])

    def transition() -> requests.Response:
        mission, previous, status = next(steps)
        started = time.monotonic()
        answer = api.post(
            f"http://{stack['base']}/api/v1/missions/{mission.pk}/transitions/",
            json=transition_body(previous, status),
            timeout=20,
        )
        assert answer.status_code == 200, (status, answer.status_code, answer.text[:500])
        assert time.monotonic() - started < 10, "a transition hung on the missing Redis"
        return answer

    url = f"ws://{stack['base']}/ws/board/?token={token}"
    clients = [FailoverBoardClient(f"board-{n}", [url], silence_s=SILENCE_S) for n in (1, 2)]
    boards = BoardClients(clients)
    boards.start()
    try:
        wait_until(lambda: all(c.start is not None for c in clients), 15, "the boards never got their snapshot")

        def delivered_everything() -> bool:
            expected = set(MissionEvent.objects.values_list("sequence", flat=True))
            return all(expected - {s for s in expected if s <= c.start} <= set(c.sequences()) for c in clients)

        for _ in range(2):
            transition()
        wait_until(delivered_everything, 10, "events before the outage did not reach the boards live")

        stack["redis"].kill()
        attempts = [c.attempts for c in clients]
        for _ in range(3):  # committed while nothing can be broadcast
            transition()
        wait_until(
            lambda: all(c.attempts >= before + 2 for c, before in zip(clients, attempts, strict=True)),
            15,
            "the boards did not notice the outage and retry",
        )
        for _ in range(3):  # committed while the boards are knocking on a server without Redis
            transition()
        stack["redis"].start()
        for _ in range(4):
            transition()

        wait_until(delivered_everything, 30, "a board missed events across the Redis restart")
    finally:
        boards.close()

    for client in clients:
        window = set(MissionEvent.objects.filter(sequence__gt=client.start).values_list("sequence", flat=True))
        assert len(window) == 12
        assert sorted(client.sequences()) == sorted(window), client.name  # every event, none twice
        assert client.bad_snapshots == []
        connects = len(client.connected_to)
        assert connects >= 2 and client.resumes >= 1, (client.name, connects, client.resumes)
    # The broadcasts during the outage really failed: the boards got those events from the database.
    assert "live broadcast of event" in stack["daphne"].log()
