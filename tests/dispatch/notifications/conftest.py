"""Fixtures for alerting: the fake Twilio server, settings aimed at it, roster and activation helpers."""

import pytest

from dispatch import scheduling
from tests.fakes.twilio_server import FakeTwilio
from tests.support.paging import FAST, point_at_fake


@pytest.fixture
def fake_twilio():
    with FakeTwilio(callback_delay=0.02) as fake:
        yield fake


@pytest.fixture
def twilio(settings, committed_db, live_server, fake_twilio):
    """The app on a live server, sending through the real twilio client to the fake; timers in-process."""
    point_at_fake(settings, fake_twilio, live_server.url)
    settings.SINGLE_PROCESS = True
    yield fake_twilio
    scheduling.cancel_pending()  # also waits for a timer that already fired, before the tables are emptied
    fake_twilio.reset()


@pytest.fixture
def console(settings):
    """Console backend, no timers: on_commit never fires in a `db` test, so steps run when the test says."""
    settings.NOTIFICATION_BACKEND = "console"
    settings.SINGLE_PROCESS = True
    for name, value in FAST.items():
        setattr(settings, name, value)
