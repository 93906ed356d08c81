"""A person texting the service: accept/decline replies, STOP/START, and everything else.

Returns the text to answer with (None: answer nothing). Unknown senders and noise get a
helpful answer, at most SMS_REPLY_LIMIT times per window per number; nothing changes.
Answers are in the member's language (Slovene to an unknown number); DA/NE, 1/2 and YES/NO
are understood whatever the language.
"""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from dispatch.errors import Conflict, NotVisible
from dispatch.models import TeamRole
from dispatch.notifications import selectors, texts
from dispatch.notifications.models import InboundSms, PagingContact
from dispatch.notifications.services.alerts import accept_alert, decline_alert

logger = logging.getLogger(__name__)

ACCEPT_WORDS = frozenset({"1", "DA", "YES", "Y", "JA", "OK", "ACCEPT"})
DECLINE_WORDS = frozenset({"2", "NE", "NO", "N", "DECLINE"})
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP"})
NOISY = ("unknown_sender", "unparseable", "no_alert", "named_closed")

# A mission code as the page spells it: ECMO-2026-0004 (any case).
MISSION_CODE = re.compile(r"\b[A-Z]{2,10}-[A-Z0-9]{2,10}-[0-9]{1,6}\b")


def _first_word(body: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", body.upper())
    return words[0] if words else ""


def _named_code(body: str) -> str | None:
    """The mission code a reply names (upper case), or None when it names none."""
    match = MISSION_CODE.search(body.upper())
    return match.group(0) if match else None


def _named_number(body: str) -> str | None:
    """The mission number a loosely spelt code ends with ("1 ECMO 2026 0004", "1 #4" → "4"), or None.

    Digits after the answer word always name a mission: such a reply must never fall back to
    the newest page, which may be another mission's.
    """
    parts = body.strip().split(None, 1)
    groups = re.findall(r"[0-9]+", parts[1]) if len(parts) == 2 else []
    return (groups[-1].lstrip("0") or "0") if groups else None


def _number_of(code: str) -> str:
    return code.rsplit("-", 1)[-1].lstrip("0") or "0"


def _rate_limited(number: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.SMS_REPLY_WINDOW_S)
    answered = InboundSms.objects.filter(
        from_number=number, answered=True, outcome__in=NOISY, received_at__gte=since
    ).count()
    return answered >= settings.SMS_REPLY_LIMIT


def _log(number: str, body: str, sid: str, member, outcome: str, answer: str | None) -> str | None:
    InboundSms.objects.create(
        from_number=number, body=body[:1000], provider_sid=sid, member=member, outcome=outcome, answered=bool(answer)
    )
    logger.info("inbound SMS from %s: %s", number, outcome)
    return answer


@transaction.atomic
def _set_opt_out(member, opted_out: bool) -> None:
    contact, _created = PagingContact.objects.select_for_update().get_or_create(member=member)
    contact.sms_opted_out = opted_out
    contact.sms_opted_out_at = timezone.now() if opted_out else None
    if not opted_out and contact.sms_blocked_code == 21610:
        contact.sms_blocked_code = None
    contact.save()


def handle_inbound_sms(*, from_number: str, body: str, sid: str = "") -> str | None:
    member = selectors.member_for_number(from_number)
    with translation.override(texts.language_of(member)):
        return _handle(member, from_number=from_number, body=body, sid=sid)


def _handle(member, *, from_number: str, body: str, sid: str) -> str | None:
    word = _first_word(body)
    if member is None:
        noisy = _rate_limited(from_number)
        return _log(from_number, body, sid, None, "unknown_sender", None if noisy else texts.reply_unknown_sender())
    if word in STOP_WORDS:
        _set_opt_out(member, True)
        # Twilio answers STOP itself; our answer would be blocked anyway.
        return _log(from_number, body, sid, member, "stop", None)
    if word in START_WORDS:
        _set_opt_out(member, False)
        return _log(from_number, body, sid, member, "start", texts.reply_sms_again())
    if word not in ACCEPT_WORDS and word not in DECLINE_WORDS:
        noisy = _rate_limited(from_number)
        return _log(from_number, body, sid, member, "unparseable", None if noisy else texts.reply_help())

    alerts = list(selectors.alerts_for_member(member=member))
    code = _named_code(body)
    number = _named_number(body) if code is None else None
    if number is not None:
        # A code spelt loosely: it names the open page whose mission number it ends with, or nothing.
        named = [a for a in alerts if _number_of(a.mission.code) == number]
        if len(named) != 1:
            answer = None if _rate_limited(from_number) else texts.reply_named_unknown(body.strip()[:40])
            return _log(from_number, body, sid, member, "named_closed", answer)
        alerts = named
    if code is not None:
        # A reply that names a mission answers that mission's page or nothing: never another one.
        named = [a for a in alerts if a.mission.code.upper() == code]
        if not named:
            was_paged = selectors.alerts_for_member(member=member, open_only=False).filter(mission__code__iexact=code)
            template = texts.reply_named_closed if was_paged.exists() else texts.reply_named_unknown
            answer = None if _rate_limited(from_number) else template(code)
            return _log(from_number, body, sid, member, "named_closed", answer)
        alerts = named
    alert = (alerts or [None])[0]
    if alert is None:
        noisy = _rate_limited(from_number)
        return _log(from_number, body, sid, member, "no_alert", None if noisy else texts.reply_no_page())
    code, role = alert.mission.code, TeamRole(alert.team_role).label
    try:
        if word in ACCEPT_WORDS:
            accept_alert(alert_id=alert.pk, member=member, via="sms")
            answer = texts.reply_accepted(code=code, role=role)
            outcome = "accepted"
        else:
            decline_alert(alert_id=alert.pk, member=member, via="sms")
            answer = texts.reply_declined(code=code, role=role)
            outcome = "declined"
    except (Conflict, NotVisible) as exc:
        answer, outcome = texts.reply_not_done(code=code, role=role, why=exc.message), "conflict"
    return _log(from_number, body, sid, member, outcome, answer)
