"""Channel backends: how an SMS or a call leaves the building. Chosen by NOTIFICATION_BACKEND."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SendResult:
    """What the provider said. ``ok`` False with ``permanent`` True: never retry this channel here.

    ``unknown``: the request may have reached the provider (e.g. it timed out after sending), so
    sending again could page twice; the status callback will say whether it went out.
    ``retryable``: the provider certainly did not take it and may later (5xx, 429, no connection):
    the pipeline tries again after a backoff.
    """

    ok: bool
    sid: str | None = None
    status: str = ""
    error_code: int | None = None
    error_reason: str = ""
    permanent: bool = False
    unknown: bool = False
    retryable: bool = False


class Backend(Protocol):
    name: str

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult: ...

    def place_call(self, *, to: str, twiml_url: str, status_callback: str, ring_timeout_s: int) -> SendResult: ...

    def end_call(self, *, sid: str) -> SendResult:
        """Hang up a call still queued, ringing or in progress; a call already over counts as ended."""
        ...

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, exclude_sids: set[str]
    ) -> SendResult | None:
        """Ask the provider whether a message we could not confirm went out after `since`.

        Returns its sid and status (ok) if the provider has it, None if it has none or cannot say.
        """
        ...


BACKENDS = {
    "console": "dispatch.notifications.backends.console.ConsoleBackend",
    "twilio": "dispatch.notifications.backends.twilio.TwilioBackend",
}


def get_backend() -> Backend:
    name = settings.NOTIFICATION_BACKEND
    return import_string(BACKENDS.get(name, name))()
