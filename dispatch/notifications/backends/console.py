"""Prints pages to the log; the Notification row stores them. Needs no credentials."""

import logging
import uuid
from datetime import datetime

from dispatch.notifications.backends import SendResult

logger = logging.getLogger("dispatch.notifications.console")


class ConsoleBackend:
    name = "console"

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        logger.warning("SMS to %s: %s", to, body)
        # "sent", never "delivered": only a provider callback may say a page reached the phone.
        return SendResult(ok=True, sid=f"console-SM{uuid.uuid4().hex}", status="sent")

    def place_call(self, *, to: str, twiml_url: str, status_callback: str, ring_timeout_s: int) -> SendResult:
        logger.warning("CALL to %s (TwiML %s)", to, twiml_url)
        return SendResult(ok=True, sid=f"console-CA{uuid.uuid4().hex}", status="queued")

    def end_call(self, *, sid: str) -> SendResult:
        logger.warning("HANG UP call %s", sid)
        return SendResult(ok=True, sid=sid, status="completed")

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, exclude_sids: set[str]
    ) -> SendResult | None:
        """The console keeps no outbox: it cannot say, so the pipeline sends again."""
        return None
