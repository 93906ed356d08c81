"""Several nodes on one PostgreSQL and one Redis: the reference deployment of docs/deploy.md, as processes.

Two Daphne nodes on two ports, two Celery workers (both on the critical and default queues)
and two beats, all on the test database, the test run's Redis and the fake Twilio (through
the real twilio library). The stack is started once for the module; a test that kills a
process starts it again for the next one.

- A board on node A hears a transition made on node B (one channel layer for all nodes).
- Node A is SIGKILLed; its board reconnects to node B, resumes, and misses nothing.
- The worker holding the next escalation step is SIGKILLed; the other worker finishes the
  escalation, every page sent exactly once.
- With two beats, each reconcile runs once per interval, not once per beat.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from dispatch import selectors
from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import CLAIMED, PENDING, Alert, AlertState, Notification
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories
from tests.support.boards import BoardClients, FailoverBoardClient
from tests.support.missions import transition_body
from tests.support.paging import on_call, phone_of, sends_per_notification
from tests.support.processes import VENV_BIN, Process, base_env, free_port, purge_broker, worker_command
from tests.support.waiting import wait_until

pytestmark = pytest.mark.worker

APP_NUMBER = "+15005550006"
COORDINATOR_PHONE = "+38640999222"
CATCH_UP_S = 1.0  # REALTIME_CATCH_UP_SECONDS of the nodes: heartbeat and database re-check
SILENCE_S = 3 * CATCH_UP_S  # like the page: no message for three intervals → drop and reconnect
RECONCILE_S = 3  # PAGING_RECONCILE_INTERVAL_S of the beats: a copy is claimed for int(0.9 × 3) = 2 s
SMS_WAIT_S = 3  # the call to the primary is due this long after the SMS: the window to kill a worker
VISIBILITY_TIMEOUT_S = 2  # a dead worker's unacknowledged task comes back after this
RECONCILE_RAN = re.compile(r"notifications\.reconcile_paging\[[^\]]+\] succeeded in [^:]+: \{'overdue_steps'")
RECONCILE_SKIPPED = re.compile(r"notifications\.reconcile_paging\[[^\]]+\] succeeded in [^:]+: \{'skipped'")
BEAT_SENT = "Sending due task paging-reconcile"
ROAD = [
    MissionStatus.EN_ROUTE_OUT,
    MissionStatus.ON_SITE,
    MissionStatus.CANNULATING,
    MissionStatus.ON_ECMO,
    MissionStatus.EN_ROUTE_BACK,
    MissionStatus.ARRIVED,
]


class Stack:
    """The six processes of two nodes; `ensure(name)` starts one that is not running."""

    def __init__(self, tmp: Path, fake: FakeTwilio) -> None:
        self.tmp = tmp
        self.ports = {"daphne-a": free_port(), "daphne-b": free_port()}
        self.env = base_env(
            SECRET_KEY="multinode-drill-" + uuid.uuid4().hex,
            REALTIME_CATCH_UP_SECONDS=CATCH_UP_S,
            PAGING_RECONCILE_INTERVAL_S=RECONCILE_S,
            ROSTER_CHECK_INTERVAL_S=3600,
            TRACKING_PURGE_INTERVAL_S=3600,
            NOTIFICATION_BACKEND="twilio",
            TWILIO_ACCOUNT_SID=fake.account_sid,
            TWILIO_AUTH_TOKEN=fake.auth_token,
            TWILIO_FROM_NUMBER=APP_NUMBER,
            TWILIO_API_BASE_URL=fake.base_url,
            TWILIO_HTTP_TIMEOUT_S=10,
            TWILIO_RETRY_BASE_S=0.01,
            TWILIO_RETRY_MAX_S=0.05,
            PUBLIC_BASE_URL="http://127.0.0.1:9",  # never called: the fake sends no callbacks
            CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT_S,
        )
        self.processes: dict[str, Process] = {}
        self.starts: Counter = Counter()

    def command(self, name: str) -> list[str]:
        if name.startswith("daphne-"):
            return [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.ports[name]), "config.asgi:application"]
        if name.startswith("worker-"):
            return worker_command(name)
        # Each beat keeps its own schedule file, as on its own machine.
        schedule = str(self.tmp / f"{name}-schedule")
        return [str(VENV_BIN / "celery"), "-A", "config", "beat", "-s", schedule, "-l", "INFO"]

    def launch(self, name: str) -> Process:
        """Start `name` (not waiting for it): a second start gets a fresh log of its own."""
        self.starts[name] += 1
        process = Process(self.command(name), env=self.env, log_path=self.tmp / f"{name}-{self.starts[name]}.log")
        self.processes[name] = process
        return process

    @staticmethod
    def ready_line(name: str) -> str:
        if name.startswith("daphne-"):
            return "Listening on TCP address"
        return " ready." if name.startswith("worker-") else "beat: Starting..."

    def running(self, name: str) -> bool:
        return name in self.processes and self.processes[name].popen.poll() is None

    def ensure(self, *names: str) -> None:
        """Start the named processes that are not running, then wait until each is ready."""
        started = [name for name in names if not self.running(name)]
        for name in started:
            self.launch(name)
        for name in started:
            self.processes[name].wait_for_log(self.ready_line(name), timeout=60)

    def base(self, node: str) -> str:
        return f"127.0.0.1:{self.ports[node]}"

    def stop(self) -> None:
        for process in self.processes.values():
            process.kill()


@pytest.fixture(scope="module")
def fake():
    # No status callbacks: pages stay "queued", so only the timers move an escalation on.
    with FakeTwilio(auto_callbacks=False) as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, fake, tmp_path_factory):
    with django_db_blocker.unblock():
        purge_broker()
        stack = Stack(tmp_path_factory.mktemp("multinode"), fake)
    try:
        stack.ensure("daphne-a", "daphne-b", "worker-1", "worker-2", "beat-1", "beat-2")
        yield stack
    finally:
        stack.stop()
        purge_broker()


@pytest.fixture
def nodes(stack, committed_db):
    """Both Daphne nodes up, and a coordinator's token they both accept."""
    stack.ensure("daphne-a", "daphne-b")
    coordinator = factories.make_coordinator()
    return stack, Token.objects.create(user=coordinator).key


@pytest.fixture
def boards():
    running: list[BoardClients] = []

    def start(*clients: FailoverBoardClient) -> BoardClients:
        group = BoardClients(list(clients))
        group.start()
        running.append(group)
        wait_until(lambda: all(c.start is not None for c in clients), 20, "a board never got its snapshot")
        return group

    yield start
    for group in running:
        group.close()


def api_on(stack: Stack, node: str, token: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = f"Token {token}"
    return session, f"http://{stack.base(node)}/api/v1"


def drive(session: requests.Session, base: str, mission, previous: str, status: str) -> None:
    answer = session.post(
        f"{base}/missions/{mission.pk}/transitions/", json=transition_body(previous, status), timeout=20
    )
    assert answer.status_code == 200, (status, answer.status_code, answer.text[:300])


def board_url(stack: Stack, node: str, token: str) -> str:
    return f"ws://{stack.base(node)}/ws/board/?token={token}"


def every_event_since(client: FailoverBoardClient) -> set[int]:
    return set(range(client.start + 1, selectors.current_sequence() + 1))


def test_a_board_on_node_a_hears_a_transition_made_on_node_b(nodes, boards):
    stack, token = nodes
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)
    board = FailoverBoardClient("board-a", [board_url(stack, "daphne-a", token)], silence_s=SILENCE_S)
    boards(board)

    session, base = api_on(stack, "daphne-b", token)
    drive(session, base, mission, MissionStatus.TEAM_READY, MissionStatus.EN_ROUTE_OUT)
    event = mission.events.get(to_status=MissionStatus.EN_ROUTE_OUT)

    wait_until(lambda: event.sequence in board.sequences(), 10, "the board on node A never heard node B's event")
    assert board.connected_to == [board_url(stack, "daphne-a", token)]  # live, on the one connection


def test_node_a_killed_its_board_resumes_on_node_b_and_misses_nothing(nodes, boards):
    stack, token = nodes
    missions = [factories.MissionFactory(status=MissionStatus.TEAM_READY) for _ in range(2)]
    url_a, url_b = board_url(stack, "daphne-a", token), board_url(stack, "daphne-b", token)
    board = FailoverBoardClient("board", [url_a, url_b], silence_s=SILENCE_S)
    boards(board)
    session, base = api_on(stack, "daphne-b", token)
    legs = list(zip([MissionStatus.TEAM_READY, *ROAD[:-1]], ROAD, strict=True))
    steps = iter([(mission, previous, status) for previous, status in legs for mission in missions])

    for _ in range(3):
        drive(session, base, *next(steps))
    wait_until(lambda: every_event_since(board) <= set(board.sequences()), 10, "node A's board fell behind")

    stack.processes["daphne-a"].kill()
    for _ in range(4):  # committed while the board has no node: nobody can tell it live
        drive(session, base, *next(steps))
    wait_until(lambda: url_b in board.connected_to, 20, "the board never reconnected to node B")
    for mission, previous, status in steps:  # the rest, while the board is on node B
        drive(session, base, mission, previous, status)

    wait_until(lambda: every_event_since(board) <= set(board.sequences()), 20, "the board missed events")
    assert sorted(board.sequences()) == sorted(every_event_since(board))  # every event, none twice
    assert len(every_event_since(board)) >= 12
    assert board.resumes >= 1 and url_b in board.resumed_on
    assert board.bad_snapshots == []
    assert {url for _sequence, url in board.seen} == {url_a, url_b}  # heard on both nodes


@pytest.fixture
def escalation_settings(settings):
    """The policy is copied onto the alert in this process, so its timings are set here."""
    settings.ESCALATION_SMS_WAIT_S = SMS_WAIT_S
    settings.ESCALATION_CALL_WAIT_S = 1
    settings.ESCALATION_BACKUP_WAIT_S = 1
    settings.ESCALATION_EVERYONE_WAIT_S = 1
    settings.ESCALATION_CALL_ATTEMPTS = 1
    settings.SINGLE_PROCESS = False


def test_the_worker_holding_the_next_step_killed_the_other_worker_finishes_every_page_once(
    stack, committed_db, fake, escalation_settings
):
    stack.ensure("worker-1", "worker-2", "beat-1", "beat-2")
    fake.reset()
    primary, backup = on_call(), on_call(tier="backup")
    coordinator = factories.make_coordinator(phone=COORDINATOR_PHONE)
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, required_roles=[TeamRole.ECMO_PHYSICIAN], callback_phone=""
    )
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.TEAM_ACTIVATED, actor=coordinator, source="web")
    alert = Alert.objects.get(mission=mission)

    wait_until(
        lambda: Notification.objects.filter(alert=alert, step=0).exclude(status__in=[PENDING, CLAIMED]).exists(),
        timeout=15,
        message="no worker sent the primary's SMS",
    )
    alert.refresh_from_db()
    call_timer = f"alert-{alert.pk}-{alert.active_token}"  # the call step's timer task, held by one worker
    holder = wait_until(
        lambda: next((n for n in ("worker-1", "worker-2") if call_timer in stack.processes[n].log()), None),
        timeout=5,
        message="no worker received the call step's timer",
    )
    survivor = "worker-2" if holder == "worker-1" else "worker-1"
    stack.processes[holder].kill()

    wait_until(
        # Every page has Twilio's answer: none waits to be sent, none is still on its way (claimed).
        lambda: Alert.objects.filter(pk=alert.pk, state=AlertState.UNCOVERED).exists()
        and not Notification.objects.filter(alert=alert, status__in=[PENDING, CLAIMED]).exists(),
        timeout=40,
        message="the escalation did not run to its end on the other worker",
    )
    pages = {
        (n.step, n.channel, n.to_number): n.pk
        for n in Notification.objects.filter(alert=alert).order_by("step", "channel", "to_number")
    }
    p, b = phone_of(primary), phone_of(backup)
    assert set(pages) == {
        (0, "sms", p),
        (1, "voice", p),
        (2, "sms", b), (2, "voice", b),
        (3, "sms", p), (3, "voice", p), (3, "sms", b), (3, "voice", b),
        (4, "sms", COORDINATOR_PHONE),
    }  # fmt: skip
    sent = sends_per_notification(fake)
    assert {key: sent[pk] for key, pk in pages.items()} == dict.fromkeys(pages, 1)
    assert sum(sent.values()) == len(pages)
    # The steps after the kill ran on the survivor.
    assert "notifications.deliver_notifications" in stack.processes[survivor].log()
    stack.ensure(holder)  # back for the next test


def beat_copies(stack: Stack) -> dict[str, int]:
    """Reconcile copies each beat has sent so far."""
    return {name: stack.processes[name].log().count(BEAT_SENT) for name in ("beat-1", "beat-2")}


def worker_outcomes(stack: Stack) -> tuple[int, int]:
    """(reconcile copies that ran, copies that found their interval claimed), over every worker log."""
    logs = "".join(path.read_text(errors="replace") for path in stack.tmp.glob("worker-*.log"))
    return len(RECONCILE_RAN.findall(logs)), len(RECONCILE_SKIPPED.findall(logs))


def test_with_two_beats_each_reconcile_runs_once_per_interval(stack, committed_db):
    stack.ensure("worker-1", "worker-2", "beat-1", "beat-2")
    before = beat_copies(stack)
    ran_before, skipped_before = worker_outcomes(stack)
    started = time.monotonic()

    wait_until(
        lambda: all(count >= before[name] + 4 for name, count in beat_copies(stack).items()),
        timeout=8 * RECONCILE_S,
        message="the beats did not send 4 copies each",
    )
    elapsed = time.monotonic() - started
    sent_by = {name: count - before[name] for name, count in beat_copies(stack).items()}
    sent = sum(sent_by.values())

    def outcomes() -> tuple[int, int]:
        ran, skipped = worker_outcomes(stack)
        return ran - ran_before, skipped - skipped_before

    wait_until(lambda: sum(outcomes()) >= sent, 15, "the workers did not take every copy the beats sent")
    ran, skipped = outcomes()

    # Both beats sent every interval, yet one copy ran per interval: the other found it claimed.
    assert min(sent_by.values()) >= 4
    assert ran <= elapsed / RECONCILE_S + 2, (sent_by, ran, skipped, elapsed)
    assert skipped >= sent // 2 - 2, (sent_by, ran, skipped)
