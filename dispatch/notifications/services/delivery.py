"""Sending pages and following them through the provider's status callbacks.

A notification is sent at most once: `deliver` locks its row and only sends while it is
`pending`. Statuses only move forward; "delivered" comes only from a provider callback.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dispatch.models import EventSource
from dispatch.notifications import errors, selectors
from dispatch.notifications.backends import get_backend
from dispatch.notifications.models import (
    CLAIMED,
    ERROR,
    OPEN_STATES,
    PENDING,
    SKIPPED,
    Alert,
    AlertRecipient,
    AlertState,
    Channel,
    Notification,
    PagingContact,
    Purpose,
    Response,
)
from dispatch.notifications.services.escalation import advance_if_exhausted, deliver_on_commit
from dispatch.notifications.services.locks import lock_alert
from dispatch.services.events import record_event

logger = logging.getLogger(__name__)


def webhook_url(name: str, notification_id: int | None = None) -> str:
    path = f"/api/v1/twilio/{name}/" + (f"{notification_id}/" if notification_id is not None else "")
    return settings.PUBLIC_BASE_URL + path


def move_status(notification: Notification, status: str, *, error_code: int | None = None, reason: str = "") -> bool:
    """Record a status if it is a step forward; returns False (and changes nothing) otherwise."""
    rank = notification.rank
    if status not in rank or rank[status] <= rank.get(notification.status, 0):
        return False
    notification.status = status
    entry = {"status": status, "at": timezone.now().isoformat()}
    if error_code:
        entry["error_code"] = error_code
        notification.error_code = error_code
    if reason:
        notification.error_reason = reason
    notification.status_history = [*notification.status_history, entry]
    return True


def deliver(*, notification_id: int) -> None:
    """Send one pending notification through the configured backend (retries live there).

    The row is claimed and committed *before* the provider is asked, and the answer recorded in
    a second transaction: a worker killed in between leaves a claimed row that only the status
    callback or `resolve_unconfirmed` settles — never a pending one that would be sent twice.
    """
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != PENDING:
            return
        if (
            notification.purpose == Purpose.PAGE
            and notification.alert_id
            and not Alert.objects.filter(pk=notification.alert_id, state__in=OPEN_STATES).exists()
        ):
            move_status(notification, SKIPPED, reason="the alert was answered before this page went out")
            notification.save()
            return
        backend = get_backend()
        notification.backend = backend.name
        notification.error_reason = ""  # this attempt's outcome is not known yet
        move_status(notification, CLAIMED)
        notification.save()
        ring = (notification.alert.policy.get("ring_timeout_s") if notification.alert else None) or 25
    if notification.channel == Channel.SMS:
        result = backend.send_sms(
            to=notification.to_number,
            body=notification.body,
            status_callback=webhook_url("sms-status", notification.pk),
        )
    else:
        result = backend.place_call(
            to=notification.to_number,
            twiml_url=webhook_url("voice", notification.pk),
            status_callback=webhook_url("call-status", notification.pk),
            ring_timeout_s=ring,
        )
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if result.ok:
            notification.provider_sid = notification.provider_sid or result.sid
            move_status(notification, result.status or "queued")
        elif result.unknown:
            notification.error_reason = result.error_reason  # stays claimed until the provider tells
        else:
            move_status(notification, ERROR, error_code=result.error_code, reason=result.error_reason)
        notification.save()
    if not result.ok and not result.unknown:
        logger.warning("%s to %s failed: %s", notification.channel, notification.to_number, result.error_reason)
        if notification.alert_id and notification.purpose == Purpose.PAGE:
            after_page_failed(notification_id=notification.pk, permanent=result.permanent)


def resolve_unconfirmed(*, notification_id: int) -> None:
    """A claimed page with no word from the provider after the grace period: send it again, or,
    once the attempts are spent, count it as failed so the escalation moves on."""
    failed = False
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != CLAIMED:
            return
        resends = sum(1 for entry in notification.status_history if entry.get("resend"))
        if resends + 1 < max(1, settings.TWILIO_SEND_ATTEMPTS):
            # Deliberately backwards (claimed → pending): the provider never confirmed it took it.
            notification.status = PENDING
            notification.status_history = [
                *notification.status_history,
                {"status": PENDING, "at": timezone.now().isoformat(), "resend": True,
                 "reason": "no status callback from the provider: sending again"},
            ]
            notification.save()
            deliver_on_commit([notification.pk])
        else:
            move_status(notification, ERROR, reason=notification.error_reason or "the provider never confirmed it")
            notification.save()
            failed = True
    if failed and notification.alert_id and notification.purpose == Purpose.PAGE:
        after_page_failed(notification_id=notification.pk, permanent=False)


def apply_status(*, notification_id: int, status: str, error_code: int | None = None, sid: str = "") -> bool:
    """A provider status callback; returns whether it changed anything."""
    status = (status or "").lower()
    with transaction.atomic():
        alert_id = Notification.objects.filter(pk=notification_id).values_list("alert_id", flat=True).first()
        if alert_id is not None:
            lock_alert(alert_id)
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return False
        reason = errors.reason(error_code) if error_code else ""
        if not move_status(notification, status, error_code=error_code, reason=reason):
            return False
        if sid and not notification.provider_sid:
            notification.provider_sid = sid  # the send's own answer never arrived (timeout)
        notification.save()
        ended = notification.finished_without_answer
    if ended and alert_id and notification.purpose == Purpose.PAGE:
        after_page_failed(notification_id=notification.pk, permanent=errors.is_permanent(error_code))
    return True


def _block_channel(notification: Notification) -> None:
    contact, _created = PagingContact.objects.get_or_create(member_id=notification.recipient_id)
    if contact.blocked_number != notification.to_number:
        contact.blocked_number = notification.to_number
        contact.sms_blocked_code = None
        contact.voice_blocked_code = None
    if notification.channel == Channel.SMS:
        contact.sms_blocked_code = notification.error_code
    else:
        contact.voice_blocked_code = notification.error_code
    if notification.error_code == 21610:
        contact.sms_opted_out = True
        contact.sms_opted_out_at = contact.sms_opted_out_at or timezone.now()
    contact.save()


def after_page_failed(*, notification_id: int, permanent: bool) -> None:
    """A page can no longer be answered: block a dead channel, fall back to a call, call again,
    or move the escalation on at once when nobody in the current step is left to answer."""
    new_ids: list[int] = []
    with transaction.atomic():
        alert_id = Notification.objects.values_list("alert_id", flat=True).get(pk=notification_id)
        mission, alert = lock_alert(alert_id)
        notification = (
            Notification.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=notification_id)
        )
        member = notification.recipient
        if permanent and member is not None:
            _block_channel(notification)
            record_event(
                mission=mission,
                kind="alert.channel_skipped",
                source=EventSource.SYSTEM,
                note=f"{notification.get_channel_display()} to {selectors._name(member)} skipped: "
                f"{notification.error_reason or errors.reason(notification.error_code)}",
                payload={
                    "alert_id": alert.pk,
                    "team_role": alert.team_role,
                    "channel": notification.channel,
                    "member": selectors._name(member),
                    "error_code": notification.error_code,
                },
            )
        answered = AlertRecipient.objects.filter(alert=alert, member=member).exclude(response=Response.NONE).exists()
        if alert.state == AlertState.PAGING and member is not None and not answered:
            new_ids = _follow_up(alert, notification)
        if not new_ids and notification.run == alert.current_run:
            advance_if_exhausted(alert)
        deliver_on_commit(new_ids)


def _follow_up(alert: Alert, notification: Notification) -> list[int]:
    """Failed SMS → call now (unless this step calls them anyway); unanswered call → call again."""
    member = notification.recipient
    if selectors.channels_for(member)["voice"]:
        return []
    run_voice = Notification.objects.filter(alert=alert, run=notification.run, recipient=member, channel=Channel.VOICE)
    if notification.channel == Channel.SMS:
        if run_voice.exists():
            return []
        attempt = 1
    else:
        attempts = alert.policy.get("call_attempts", 1)
        if notification.attempt >= attempts or notification.status == ERROR:
            return []
        if run_voice.filter(attempt__gt=notification.attempt).exists():
            return []
        attempt = notification.attempt + 1
    follow, created = Notification.objects.get_or_create(
        alert=alert,
        run=notification.run,
        channel=Channel.VOICE,
        recipient=member,
        attempt=attempt,
        defaults={
            "step": notification.step,
            "to_number": selectors.phone_of(member),
            "body": alert.message,
            "purpose": Purpose.PAGE,
        },
    )
    return [follow.pk] if created else []


def record_digits(*, notification_id: int, digits: str) -> None:
    with transaction.atomic():
        Notification.objects.select_for_update().filter(pk=notification_id).update(digits=digits[:8])
