"""Real SMS and voice calls through the twilio library (Messages and Calls APIs).

One request per call (a hang-up is one call update, ``Status=completed``). 5xx, 429 and
failures to connect come back ``retryable``: the pipeline re-enqueues the send with a backoff
(no sleeping in a worker). A request that timed out or broke after it was sent may have been
carried out, so it is never repeated blindly: the result is "unknown" and the status callback
(or, failing that, reconcile after TWILIO_UNCONFIRMED_GRACE_S, which first lists what Twilio
sent to that number: `find_sent`) settles it. Anything else is
sorted into permanent (skip this channel for the person) or not.
"""

import functools
import logging
from datetime import datetime

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from dispatch.notifications import errors
from dispatch.notifications.backends import SendResult

logger = logging.getLogger(__name__)

# "Call is not in-progress. Cannot redirect.": the call ended before the update arrived.
CALL_NOT_IN_PROGRESS = 21220


def make_client() -> Client:
    """One client per configuration and process: its HTTP session keeps the connection to Twilio warm."""
    return _client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        settings.TWILIO_HTTP_TIMEOUT_S,
    )


@functools.lru_cache(maxsize=4)
def _client(account_sid: str, auth_token: str, base_url: str, timeout: float) -> Client:
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if base_url:
        client.api.base_url = base_url.rstrip("/")
    return client


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, TwilioRestException):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, requests.exceptions.ConnectTimeout)


def _maybe_sent(exc: Exception) -> bool:
    """The request left: a timeout or broken connection after sending may hide a created page."""
    return isinstance(exc, requests.exceptions.RequestException) and not isinstance(
        exc, requests.exceptions.ConnectTimeout
    )


class TwilioBackend:
    name = "twilio"

    def __init__(self) -> None:
        self.client = make_client()

    def _one_try(self, what: str, create) -> SendResult:
        """Ask Twilio once; the pipeline (`delivery.deliver`) decides whether and when to try again."""
        try:
            resource = create()
            return SendResult(ok=True, sid=resource.sid, status=resource.status or "queued")
        except (TwilioRestException, requests.exceptions.RequestException) as exc:
            code = getattr(exc, "code", None)
            if _maybe_sent(exc):
                logger.warning("%s: no answer (%s); waiting for Twilio's callback instead of resending",
                               what, type(exc).__name__)
                return SendResult(ok=False, unknown=True, error_reason=f"No answer from Twilio: {type(exc).__name__}")
            if _retryable(exc):
                logger.warning("%s: Twilio did not take it: %s", what, exc)
                return SendResult(ok=False, retryable=True, error_code=code, error_reason=type(exc).__name__)
            return SendResult(
                ok=False,
                error_code=code,
                error_reason=errors.reason(code, str(getattr(exc, "msg", exc))),
                permanent=errors.is_permanent(code),
            )

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        return self._one_try(
            f"SMS to {to}",
            lambda: self.client.messages.create(
                to=to,
                from_=settings.TWILIO_FROM_NUMBER,
                body=body,
                status_callback=status_callback,
                validity_period=settings.SMS_VALIDITY_PERIOD_S,
            ),
        )

    def place_call(self, *, to: str, twiml_url: str, status_callback: str, ring_timeout_s: int) -> SendResult:
        return self._one_try(
            f"call to {to}",
            lambda: self.client.calls.create(
                to=to,
                from_=settings.TWILIO_FROM_NUMBER,
                url=twiml_url,
                method="POST",
                timeout=ring_timeout_s,
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            ),
        )

    def end_call(self, *, sid: str) -> SendResult:
        """Twilio's call update with ``status=completed`` ends a call whether it rings or talks.

        A call that is already over (404, or 21220 "not in progress") needs nothing more: ok.
        """
        try:
            resource = self.client.calls(sid).update(status="completed")
            return SendResult(ok=True, sid=sid, status=resource.status or "completed")
        except TwilioRestException as exc:
            if exc.status == 404 or exc.code == CALL_NOT_IN_PROGRESS:
                return SendResult(ok=True, sid=sid, status="completed")
            if _retryable(exc):
                logger.warning("hang-up of %s: Twilio did not take it: %s", sid, exc)
                return SendResult(ok=False, retryable=True, error_code=exc.code, error_reason=type(exc).__name__)
            return SendResult(ok=False, error_code=exc.code, error_reason=errors.reason(exc.code, str(exc.msg)))
        except requests.exceptions.RequestException as exc:
            # Asking again is harmless here: ending an ended call changes nothing.
            logger.warning("hang-up of %s: no answer from Twilio (%s)", sid, type(exc).__name__)
            return SendResult(ok=False, retryable=True, error_reason=type(exc).__name__)

    def find_sent(
        self, *, channel: str, to: str, body: str, since: datetime, exclude_sids: set[str]
    ) -> SendResult | None:
        """List what Twilio holds from our number to `to` since `since`: an SMS with this body, or a call.

        ``exclude_sids`` are resources other messages already own (a second page with the same
        text must not be taken for this one). None when nothing matches; ``unknown`` when Twilio
        could not be asked.
        """
        try:
            if channel == "sms":
                # Not filtered by DateSent: a page still queued at Twilio has none yet, and must be found.
                candidates = self.client.messages.list(to=to, from_=settings.TWILIO_FROM_NUMBER, limit=50)
                candidates = [m for m in candidates if (m.body or "") == body]
            else:
                candidates = self.client.calls.list(to=to, from_=settings.TWILIO_FROM_NUMBER, limit=50)
            found = [
                item
                for item in candidates
                if item.sid not in exclude_sids and (item.date_created is None or item.date_created >= since)
            ]
        except (TwilioException, requests.exceptions.RequestException) as exc:
            # A 429 or 5xx on a list is a bare TwilioException: either way, nobody can say whether it went.
            logger.warning("listing %s to %s: Twilio did not answer (%s)", channel, to, type(exc).__name__)
            return SendResult(ok=False, unknown=True, error_reason=f"Twilio could not list: {type(exc).__name__}")
        if not found:
            return None
        first = min(found, key=lambda item: item.date_created or since)
        return SendResult(ok=True, sid=first.sid, status=first.status or "queued")
