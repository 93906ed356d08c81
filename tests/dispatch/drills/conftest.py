"""Fixtures for drills: the fake Twilio and in-process timers, as the alerting tests use them."""

from tests.dispatch.notifications.conftest import console, fake_twilio, twilio  # noqa: F401
