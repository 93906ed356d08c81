"""Paging through a real Celery worker on Redis, including a worker that dies mid-escalation."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from config.celery import app as celery_app
from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories
from tests.support.paging import APP_NUMBER, activate, on_call, phone_of
from tests.support.processes import Process, base_env, purge_broker, worker_command
from tests.support.waiting import wait_until

pytestmark = pytest.mark.worker


def worker():
    """An in-process worker with the production pool and concurrency (settings)."""
    return start_worker(
        celery_app,
        pool=django_settings.CELERY_WORKER_POOL,
        concurrency=django_settings.CELERY_WORKER_CONCURRENCY,
        perform_ping_check=False,
        queues=["critical", "default"],
        shutdown_timeout=5,
    )


@pytest.fixture
def celery_paging(twilio, settings):
    settings.SINGLE_PROCESS = False
    purge_broker()
    yield twilio
    purge_broker()


def test_activation_to_team_ready_through_a_real_worker(celery_paging):
    primary = on_call()
    with worker():
        mission = activate()
        celery_paging.phone(phone_of(primary)).expect_sms(contains=mission.code, timeout=8).reply("1")
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_READY


def test_worker_lost_mid_escalation_still_escalates_through_reconcile(celery_paging, settings):
    settings.ESCALATION_SMS_WAIT_S = 1
    primary = on_call()
    phone = celery_paging.phone(phone_of(primary))
    with worker():
        mission = activate()
        phone.expect_sms(contains=mission.code, timeout=8)
    purge_broker()  # the step's timer task dies with the worker
    phone.expect_no_call(within=2.5)  # the step is now overdue and nobody runs it
    with worker():
        reconcile_paging.delay()  # what beat sends every PAGING_RECONCILE_INTERVAL_S
        phone.expect_call(timeout=8).says(mission.code.replace("-", " "))


# --- the production worker command, in its own process ----------------------------------


GATHERING_TIMEOUT_S = 20


@pytest.fixture
def quiet_twilio():
    # No status callbacks: nothing answers them, and the pages only need to reach the fake.
    with FakeTwilio(auto_callbacks=False) as fake:
        yield fake




@pytest.fixture
def production_worker(committed_db, quiet_twilio, settings, tmp_path):
    """The worker as scripts/run.sh starts it, on the test database and the fake Twilio."""
    settings.SINGLE_PROCESS = False  # activations enqueue through the broker
    purge_broker()
    env = base_env(
        NOTIFICATION_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=quiet_twilio.account_sid,
        TWILIO_AUTH_TOKEN=quiet_twilio.auth_token,
        TWILIO_FROM_NUMBER=APP_NUMBER,
        TWILIO_API_BASE_URL=quiet_twilio.base_url,
        # Longer than a gathering at the fake waits: a page held there must not give up and free its slot.
        TWILIO_HTTP_TIMEOUT_S=GATHERING_TIMEOUT_S * 3,
        PUBLIC_BASE_URL="http://127.0.0.1:9",  # never called: the fake sends no callbacks
    )
    process = Process(worker_command("pages"), env=env, log_path=tmp_path / "worker.log")
    process.wait_for_log(" ready.", timeout=30)
    yield process
    process.kill()
    process.stop()
    purge_broker()


def test_the_first_pages_of_every_role_are_in_flight_at_the_same_time(production_worker, quiet_twilio):
    """Each role's first step is its own task: the worker sends them together, not slot by slot."""
    phones = {phone_of(on_call(role)) for role in TeamRole.values}
    # Held at the fake until all are open at once (or GATHERING_TIMEOUT_S passed).
    gathering = quiet_twilio.gather_messages(len(phones), timeout=GATHERING_TIMEOUT_S)
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, required_roles=list(TeamRole.values), callback_phone=""
    )
    transition_mission(
        mission_id=mission.pk, to_status=MissionStatus.TEAM_ACTIVATED, actor=factories.make_coordinator(), source="web"
    )
    wait_until(
        lambda: phones <= {m.to for m in quiet_twilio.messages},
        timeout=60,
        message=lambda: f"not every primary was paged:\n{production_worker.log()[-3000:]}",
    )
    assert gathering.complete, f"at most {gathering.most_open} of the {len(phones)} first pages were in flight at once"
