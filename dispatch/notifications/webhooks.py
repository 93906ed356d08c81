"""Twilio's webhooks: inbound SMS, voice TwiML and Gather, status callbacks.

Every request must carry a valid X-Twilio-Signature over PUBLIC_BASE_URL + path; anything
else is 403 and changes nothing. Views parse and call one service; TwiML is built here, in the
called person's language (`texts`).
"""

import functools
import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from dispatch.errors import Conflict, NotVisible
from dispatch.models import TeamRole
from dispatch.notifications import texts
from dispatch.notifications.models import Notification
from dispatch.notifications.services import delivery, inbound
from dispatch.notifications.services.alerts import accept_alert, decline_alert

logger = logging.getLogger(__name__)


# Twilio's error codes are five digits; anything else in ErrorCode is an unknown code.
ERROR_CODE = re.compile(r"[0-9]{1,9}")


def error_code_of(value: str | None) -> int | None:
    """The ErrorCode a callback carries, or None when it is absent or not a plausible code.

    ``str.isdigit`` accepts "²" (int() does not) and 30 digits overflow the column: both were 500s.
    """
    value = (value or "").strip()
    return int(value) if ERROR_CODE.fullmatch(value) else None


def _twiml(response) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def twilio_signed(view):
    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        signature = request.headers.get("X-Twilio-Signature", "")
        url = settings.PUBLIC_BASE_URL + request.get_full_path()
        token = settings.TWILIO_AUTH_TOKEN
        if not token or not signature or not RequestValidator(token).validate(url, request.POST, signature):
            logger.warning("refused unsigned or forged Twilio webhook to %s", request.path)
            return HttpResponseForbidden("invalid signature")
        return view(request, *args, **kwargs)

    return wrapper


@twilio_signed
def inbound_sms(request: HttpRequest) -> HttpResponse:
    answer = inbound.handle_inbound_sms(
        from_number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        sid=request.POST.get("MessageSid", ""),
    )
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return _twiml(response)


@twilio_signed
def sms_status(request: HttpRequest, notification_id: int) -> HttpResponse:
    delivery.apply_status(
        notification_id=notification_id,
        status=request.POST.get("MessageStatus") or request.POST.get("SmsStatus", ""),
        error_code=error_code_of(request.POST.get("ErrorCode")),
        sid=request.POST.get("MessageSid", ""),
    )
    return HttpResponse(status=204)


@twilio_signed
def call_status(request: HttpRequest, notification_id: int) -> HttpResponse:
    delivery.apply_status(
        notification_id=notification_id,
        status=request.POST.get("CallStatus", ""),
        error_code=error_code_of(request.POST.get("ErrorCode")),
        sid=request.POST.get("CallSid", ""),
    )
    return HttpResponse(status=204)


def _prompt(response: VoiceResponse, notification: Notification) -> None:
    """Say the alert twice inside a one-digit Gather; no input falls through to goodbye."""
    spoken = texts.voice_message(notification.body)
    gather = response.gather(
        num_digits=1,
        action=delivery.webhook_url("gather", notification.pk),
        method="POST",
        timeout=8,
    )
    for _ in range(2):
        gather.say(spoken)
        gather.say(texts.voice_choices())
    response.say(texts.voice_no_answer())
    response.hangup()


@twilio_signed
def voice(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = Notification.objects.select_related("recipient__profile").filter(pk=notification_id).first()
    response = VoiceResponse()
    with translation.override(texts.language_of(notification and notification.recipient)):
        if notification is None:
            response.say(texts.voice_page_gone())
            response.hangup()
        else:
            _prompt(response, notification)
    return _twiml(response)


@twilio_signed
def gather(request: HttpRequest, notification_id: int) -> HttpResponse:
    digits = (request.POST.get("Digits") or "").strip()
    notification = (
        Notification.objects.select_related("alert__mission", "recipient__profile").filter(pk=notification_id).first()
    )
    with translation.override(texts.language_of(notification and notification.recipient)):
        return _twiml(_answer(notification, digits))


def _answer(notification: Notification | None, digits: str) -> VoiceResponse:
    """What the call says after the member pressed `digits` (any other key: the prompt again)."""
    response = VoiceResponse()
    if notification is None or notification.alert is None or digits not in ("1", "2"):
        if notification is not None:
            _prompt(response, notification)
        else:
            response.hangup()
        return response
    delivery.record_digits(notification_id=notification.pk, digits=digits)
    alert = notification.alert
    role, code = TeamRole(alert.team_role).label, alert.mission.code.replace("-", " ")
    try:
        if digits == "1":
            accept_alert(alert_id=alert.pk, member=notification.recipient, via="voice")
            response.say(texts.voice_accepted(role=role, code=code))
        else:
            decline_alert(alert_id=alert.pk, member=notification.recipient, via="voice")
            response.say(texts.voice_declined())
    except (Conflict, NotVisible) as exc:
        response.say(texts.voice_not_done(exc.message))
    response.hangup()
    return response
