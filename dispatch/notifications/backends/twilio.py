"""Real SMS and voice calls through the twilio library (Messages and Calls APIs).

5xx, 429 and failures to connect are retried with bounded exponential backoff. A request that
timed out or broke after it was sent may have been carried out, so it is not repeated here:
the result is "unknown" and the status callback (or, failing that, reconcile after
TWILIO_UNCONFIRMED_GRACE_S) settles it. Anything else is answered at once, sorted into
permanent (skip this channel for the person) or not.
"""

import functools
import logging
import time

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from dispatch.notifications import errors
from dispatch.notifications.backends import SendResult

logger = logging.getLogger(__name__)


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

    def _with_retries(self, what: str, create) -> SendResult:
        attempts = max(1, settings.TWILIO_SEND_ATTEMPTS)
        for attempt in range(attempts):
            try:
                resource = create()
                return SendResult(ok=True, sid=resource.sid, status=resource.status or "queued")
            except (TwilioRestException, requests.exceptions.RequestException) as exc:
                code = getattr(exc, "code", None)
                if _maybe_sent(exc):
                    logger.warning("%s: no answer (%s); waiting for Twilio's callback instead of resending",
                                   what, type(exc).__name__)
                    reason = f"No answer from Twilio: {type(exc).__name__}"
                    return SendResult(ok=False, unknown=True, error_reason=reason)
                if not _retryable(exc):
                    return SendResult(
                        ok=False,
                        error_code=code,
                        error_reason=errors.reason(code, str(getattr(exc, "msg", exc))),
                        permanent=errors.is_permanent(code),
                    )
                logger.warning("%s: attempt %s/%s failed: %s", what, attempt + 1, attempts, exc)
                if attempt + 1 < attempts:
                    time.sleep(min(settings.TWILIO_RETRY_MAX_S, settings.TWILIO_RETRY_BASE_S * 2**attempt))
                last = exc
        return SendResult(
            ok=False,
            error_code=getattr(last, "code", None),
            error_reason=f"Twilio unreachable after {attempts} attempts: {type(last).__name__}",
        )

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        return self._with_retries(
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
        return self._with_retries(
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
