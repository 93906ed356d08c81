"""Paging through a real Celery worker on Redis, including a worker that dies mid-escalation."""

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app as celery_app
from dispatch.models import MissionStatus
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from tests.support.paging import activate, on_call, phone_of

pytestmark = pytest.mark.worker


def purge_queues() -> None:
    with celery_app.connection_for_write() as conn:
        for queue in ("critical", "default"):
            conn.default_channel.queue_purge(queue)


def worker():
    return start_worker(
        celery_app, pool="solo", perform_ping_check=False, queues=["critical", "default"], shutdown_timeout=5
    )


@pytest.fixture
def celery_paging(twilio, settings):
    settings.SINGLE_PROCESS = False
    purge_queues()
    yield twilio
    purge_queues()


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
    purge_queues()  # the step's timer task dies with the worker
    phone.expect_no_call(within=2.5)  # the step is now overdue and nobody runs it
    with worker():
        reconcile_paging.delay()  # what beat sends every PAGING_RECONCILE_INTERVAL_S
        phone.expect_call(timeout=8).says(mission.code.replace("-", " "))
