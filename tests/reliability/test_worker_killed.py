"""Celery worker SIGKILLed in the middle of an escalation: every due step still runs, none twice.

A real worker process (`celery -A config worker`) pages through the fake Twilio server. It is
killed (whole process group, SIGKILL) after the primary's SMS went out while the timer task of
the next step (the call) sits unacknowledged in its memory. A new worker then gets that task
back from Redis (acks_late + visibility timeout) while beat's reconcile task races it for the
same step: the alert's token lets exactly one of them run it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import CLAIMED, PENDING, Alert, AlertState, Notification
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories
from tests.support.paging import on_call, phone_of, sends_per_notification
from tests.support.processes import Process, base_env, purge_broker, worker_command
from tests.support.waiting import wait_until

pytestmark = pytest.mark.worker

APP_NUMBER = "+15005550006"
COORDINATOR_PHONE = "+38640999111"
SMS_WAIT_S = 3  # the window in which the worker dies: the call to the primary is due after it
VISIBILITY_TIMEOUT_S = 2  # an unacknowledged task comes back to a new worker after this


@pytest.fixture
def fake():
    # No status callbacks: pages stay "queued", so only the timers move the escalation on.
    with FakeTwilio(auto_callbacks=False) as fake:
        yield fake


@pytest.fixture
def start_worker(committed_db, fake, tmp_path):
    """Start real Celery workers on the test database and the fake Twilio; all stopped at the end."""
    env = base_env(
        NOTIFICATION_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=fake.account_sid,
        TWILIO_AUTH_TOKEN=fake.auth_token,
        TWILIO_FROM_NUMBER=APP_NUMBER,
        TWILIO_API_BASE_URL=fake.base_url,
        TWILIO_HTTP_TIMEOUT_S=10,
        TWILIO_RETRY_BASE_S=0.01,
        TWILIO_RETRY_MAX_S=0.05,
        PUBLIC_BASE_URL="http://127.0.0.1:9",  # never called: the fake sends no callbacks here
        CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT_S,
    )
    workers: list[Process] = []
    purge_broker()

    def start(name: str) -> Process:
        worker = Process(worker_command(name), env=env, log_path=tmp_path / f"{name}.log")
        workers.append(worker)
        worker.wait_for_log(" ready.", timeout=30)
        return worker

    yield start
    for worker in workers:
        worker.kill()
    purge_broker()


@pytest.fixture
def escalation_settings(settings):
    """The policy is copied onto the alert in this process, so its timings are set here."""
    settings.ESCALATION_SMS_WAIT_S = SMS_WAIT_S
    settings.ESCALATION_CALL_WAIT_S = 1
    settings.ESCALATION_BACKUP_WAIT_S = 1
    settings.ESCALATION_EVERYONE_WAIT_S = 1
    settings.ESCALATION_CALL_ATTEMPTS = 1
    settings.SINGLE_PROCESS = False


def activate_physician_alert(coordinator) -> Alert:
    """A mission activated through the state machine, needing one ECMO physician (no referrer SMS)."""
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, required_roles=[TeamRole.ECMO_PHYSICIAN], callback_phone=""
    )
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.TEAM_ACTIVATED, actor=coordinator, source="web")
    return Alert.objects.get(mission=mission)


def test_worker_sigkilled_between_sms_and_call_runs_every_due_step_exactly_once(
    start_worker, fake, escalation_settings
):
    primary, backup = on_call(), on_call(tier="backup")
    coordinator = factories.make_coordinator(phone=COORDINATOR_PHONE)
    first = start_worker("drill-first")

    alert = activate_physician_alert(coordinator)
    sms = wait_until(
        lambda: Notification.objects.filter(alert=alert, step=0).exclude(status__in=[PENDING, CLAIMED]).first(),
        timeout=15,
        message="the first worker never sent the primary's SMS",
    )
    assert (sms.channel, sms.to_number, sms.status) == ("sms", phone_of(primary), "queued")
    alert.refresh_from_db()
    lost_task_id = f"alert-{alert.pk}-{alert.active_token}"  # the call step's timer, held by the worker
    first.wait_for_log(lost_task_id, timeout=5)
    first.kill()

    # With no worker the call is overdue and nobody makes it.
    wait_until(
        lambda: Alert.objects.filter(pk=alert.pk, next_step_due_at__lt=timezone.now() - timedelta(seconds=1)).exists(),
        timeout=SMS_WAIT_S + 5,
        message="the call step never became overdue",
    )
    assert not [r for r in fake.requests if "/Calls" in r.path]

    second = start_worker("drill-second")
    sweep = reconcile_paging.delay()  # what beat sends every PAGING_RECONCILE_INTERVAL_S

    wait_until(
        # Every page has Twilio's answer: none waits to be sent, none is still on its way (claimed).
        lambda: Alert.objects.filter(pk=alert.pk, state=AlertState.UNCOVERED).exists()
        and not Notification.objects.filter(alert=alert, status__in=[PENDING, CLAIMED]).exists(),
        timeout=30,
        message="the escalation did not run to its end on the new worker",
    )
    # Both recovery paths ran to their end: the redelivered timer task and the reconcile sweep.
    second.wait_for_log(f"[{lost_task_id}] succeeded", timeout=10)
    second.wait_for_log(f"notifications.reconcile_paging[{sweep.id}] succeeded", timeout=10)

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
    }
    sent = sends_per_notification(fake)
    assert {key: sent[pk] for key, pk in pages.items()} == dict.fromkeys(pages, 1)
    assert sum(sent.values()) == len(pages)
    assert Notification.objects.filter(alert=alert).exclude(status="queued").count() == 0


def test_worker_sigkilled_while_twilio_takes_the_sms_pages_the_primary_once(start_worker, fake, escalation_settings):
    primary = on_call()
    coordinator = factories.make_coordinator(phone=COORDINATOR_PHONE)
    first = start_worker("drill-inflight")
    fake.hang_next(4)  # Twilio takes the SMS, but answers slowly

    activate_physician_alert(coordinator)
    wait_until(lambda: fake.requests, timeout=15, message="the first worker never reached Twilio")
    first.kill()  # the request is in flight: Twilio creates the message anyway
    wait_until(lambda: fake.messages, timeout=10, message="the fake never created the in-flight SMS")

    second = start_worker("drill-inflight-second")
    sweep = reconcile_paging.delay()
    # The sweep is over: whatever it resends has been sent.
    second.wait_for_log(f"notifications.reconcile_paging[{sweep.id}] succeeded", timeout=15)
    assert [m.to for m in fake.messages].count(phone_of(primary)) == 1
