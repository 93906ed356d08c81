"""The fake Twilio of the paging tests, for the SMS and calls of tests/i18n."""

from tests.dispatch.notifications.conftest import fake_twilio, twilio  # noqa: F401 — fixtures
