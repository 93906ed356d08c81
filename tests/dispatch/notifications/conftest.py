"""Fixtures for alerting: the fake Twilio server, settings aimed at it, roster and activation helpers."""

import time

import pytest

from dispatch import scheduling
from tests.fakes.twilio_server import FakeTwilio

APP_NUMBER = "+15005550006"

FAST = {
    "ESCALATION_SMS_WAIT_S": 1,
    "ESCALATION_CALL_WAIT_S": 1,
    "ESCALATION_BACKUP_WAIT_S": 1,
    "ESCALATION_EVERYONE_WAIT_S": 1,
    "ESCALATION_CALL_ATTEMPTS": 2,
    "ESCALATION_CALL_RING_TIMEOUT_S": 5,
    "TWILIO_RETRY_BASE_S": 0.01,
    "TWILIO_RETRY_MAX_S": 0.05,
    "TWILIO_HTTP_TIMEOUT_S": 2.0,
    "SMS_VALIDITY_PERIOD_S": 300,
}


@pytest.fixture
def fake_twilio():
    with FakeTwilio(callback_delay=0.02) as fake:
        yield fake


def point_at_fake(settings, fake: FakeTwilio, public_url: str) -> None:
    settings.NOTIFICATION_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM_NUMBER = APP_NUMBER
    settings.TWILIO_API_BASE_URL = fake.base_url
    settings.PUBLIC_BASE_URL = public_url.rstrip("/")
    for name, value in FAST.items():
        setattr(settings, name, value)
    fake.inbound_sms_url = f"{settings.PUBLIC_BASE_URL}/api/v1/twilio/sms/"


@pytest.fixture
def twilio(settings, committed_db, live_server, fake_twilio):
    """The app on a live server, sending through the real twilio client to the fake; timers in-process."""
    point_at_fake(settings, fake_twilio, live_server.url)
    settings.SINGLE_PROCESS = True
    yield fake_twilio
    scheduling.cancel_pending()
    fake_twilio.reset()
    time.sleep(0.1)  # let a timer thread that already fired finish before the tables are emptied


@pytest.fixture
def console(settings):
    """Console backend, no timers: on_commit never fires in a `db` test, so steps run when the test says."""
    settings.NOTIFICATION_BACKEND = "console"
    settings.SINGLE_PROCESS = True
    for name, value in FAST.items():
        setattr(settings, name, value)
