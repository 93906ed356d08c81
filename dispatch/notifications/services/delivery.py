"""The one outbound pipeline: every SMS and call the service sends, whatever its purpose.

A message is a `Notification` row created in the caller's transaction and sent on commit:
`deliver` claims it (commits `claimed`), asks the provider, then records the answer in a second
transaction, so a worker killed in between leaves a claimed row that only the status callback or
`resolve_unconfirmed` settles — never a pending one that would be sent twice. Statuses only move
forward; "delivered" comes only from a provider callback. A transient provider error is retried
by re-enqueueing the task with a backoff, never by sleeping in the worker.

What a purpose does when its message ends unanswered (a page that failed: call instead, escalate)
is registered by that purpose's owner with `when_unanswered`; this module knows no purpose.

Every message is worded in its reader's language (`language_for`): `queue_message` reads a text of
`texts` (worded when read) in the recipient's language, and a page, whose alert keeps one copy of
its text for everyone paged, is worded again for its recipient just before it goes out.
"""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.functional import Promise

from dispatch import scheduling
from dispatch.models import Mission, MissionEvent
from dispatch.notifications import errors, texts
from dispatch.notifications.backends import SendResult, get_backend
from dispatch.notifications.models import (
    CLAIMED,
    ERROR,
    OPEN_STATES,
    PENDING,
    SKIPPED,
    Alert,
    Channel,
    Notification,
    Purpose,
)
from dispatch.notifications.services.locks import lock_alert

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.deliver_notifications"

# (notification_id, permanent) -> None; runs after the message's own transaction committed.
UnansweredHandler = Callable[..., None]
_unanswered: dict[str, UnansweredHandler] = {}


def when_unanswered(purpose: str, handler: UnansweredHandler) -> None:
    """Register what happens when a message of `purpose` can no longer be answered."""
    _unanswered[purpose] = handler


def _after_unanswered(notification: Notification, *, permanent: bool) -> None:
    handler = _unanswered.get(notification.purpose)
    if handler is not None:
        handler(notification_id=notification.pk, permanent=permanent)


def webhook_url(name: str, notification_id: int | None = None) -> str:
    path = f"/api/v1/twilio/{name}/" + (f"{notification_id}/" if notification_id is not None else "")
    return settings.PUBLIC_BASE_URL + path


def language_for(*, recipient=None, mission: Mission | None = None, to_number: str = "") -> str:
    """Whose language a message speaks: the recipient's own; on the mission's callback phone, the
    referring doctor's; a number without a person: the service's language (Slovene)."""
    if recipient is not None:
        return texts.language_of(recipient)
    if mission is not None and to_number and to_number == str(mission.callback_phone or ""):
        return texts.referrer_language(mission)
    return texts.default_language()


def _page_worded_for_recipient(notification_id: int) -> str | None:
    """A page's text in its recipient's language, or None when it is not a page to a person.

    Worded before the claim's row lock is taken: the text may need a travel estimate.
    """
    notification = (
        Notification.objects.select_related("alert__mission__referring_hospital", "recipient__profile")
        .filter(pk=notification_id, status=PENDING, purpose=Purpose.PAGE, alert__isnull=False, recipient__isnull=False)
        .first()
    )
    if notification is None:
        return None
    alert = notification.alert
    return texts.worded_in(
        texts.language_of(notification.recipient), texts.alert_message(alert.mission, alert.team_role)
    )


def send_on_commit(notification_ids: list[int]) -> None:
    """Send these messages once the caller's transaction commits (a lost enqueue: reconcile sends)."""
    if notification_ids:
        scheduling.enqueue_on_commit(DELIVER_TASK, [list(notification_ids)])


def queue_message(
    *,
    purpose: str,
    to_number: str,
    body: str | Promise,
    mission: Mission | None = None,
    event: MissionEvent | None = None,
    recipient=None,
) -> Notification:
    """An SMS that goes out on commit. With `event`, at most one per event, purpose and number
    (idempotent): an event that tells several people (a standby, a stand-down) tells each once.
    A `body` from `texts` is read here in the recipient's language (`language_for`)."""
    body = texts.worded_in(language_for(recipient=recipient, mission=mission, to_number=to_number), body)
    fields = {"mission": mission, "recipient": recipient, "channel": Channel.SMS, "body": body}
    if event is None:
        notification, created = Notification.objects.create(purpose=purpose, to_number=to_number, **fields), True
    else:
        notification, created = Notification.objects.get_or_create(
            event=event, purpose=purpose, to_number=to_number, defaults=fields
        )
    if created:
        send_on_commit([notification.pk])
    return notification


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


def _back_to_pending(notification: Notification, *, why: str, **marks) -> None:
    """Deliberately backwards (claimed → pending): the provider did not take it, send it again."""
    notification.status = PENDING
    notification.status_history = [
        *notification.status_history,
        {"status": PENDING, "at": timezone.now().isoformat(), **marks, "reason": why},
    ]


def _count(notification: Notification, mark: str) -> int:
    return sum(1 for entry in notification.status_history if entry.get(mark))


def retry_delay_s(retries_so_far: int) -> float:
    """Exponential backoff between tries of one message: base × 2^n, capped."""
    return min(settings.TWILIO_RETRY_MAX_S, settings.TWILIO_RETRY_BASE_S * 2**retries_so_far)


def _claim(notification_id: int, *, body: str | None = None):
    """Lock, check and claim the message (with `body`: worded anew for its reader); returns
    (notification, backend) or None when not to send."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != PENDING:
            return None
        if (
            notification.purpose == Purpose.PAGE
            and notification.alert_id
            and not Alert.objects.filter(pk=notification.alert_id, state__in=OPEN_STATES).exists()
        ):
            move_status(notification, SKIPPED, reason="the alert was answered before this page went out")
            notification.save()
            return None
        backend = get_backend()
        notification.backend = backend.name
        if body:
            notification.body = body
        notification.error_reason = ""  # this attempt's outcome is not known yet
        move_status(notification, CLAIMED)
        notification.save()
        return notification, backend


def _send(notification: Notification, backend) -> SendResult:
    if notification.channel == Channel.SMS:
        return backend.send_sms(
            to=notification.to_number,
            body=notification.body,
            status_callback=webhook_url("sms-status", notification.pk),
        )
    ring = (notification.alert.policy.get("ring_timeout_s") if notification.alert else None) or 25
    return backend.place_call(
        to=notification.to_number,
        twiml_url=webhook_url("voice", notification.pk),
        status_callback=webhook_url("call-status", notification.pk),
        ring_timeout_s=ring,
    )


def deliver(*, notification_id: int) -> None:
    """Send one pending message through the configured backend; see the module docstring."""
    claimed = _claim(notification_id, body=_page_worded_for_recipient(notification_id))
    if claimed is None:
        return
    notification, backend = claimed
    result = _send(notification, backend)
    attempts = max(1, settings.TWILIO_SEND_ATTEMPTS)
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        retries = _count(notification, "retry")
        if result.ok:
            notification.provider_sid = notification.provider_sid or result.sid
            move_status(notification, result.status or "queued")
        elif result.unknown:
            notification.error_reason = result.error_reason  # stays claimed until the provider tells
        elif result.retryable and retries + 1 < attempts:
            logger.warning("%s to %s: try %s/%s failed (%s); trying again",
                           notification.channel, notification.to_number, retries + 1, attempts, result.error_reason)
            _back_to_pending(notification, why=result.error_reason, retry=True)
            scheduling.enqueue_on_commit(DELIVER_TASK, [[notification.pk]], countdown=retry_delay_s(retries))
        else:
            reason = result.error_reason
            if result.retryable:
                reason = f"Twilio unreachable after {attempts} attempts: {result.error_reason}"
            move_status(notification, ERROR, error_code=result.error_code, reason=reason)
        notification.save()
    if notification.status == ERROR:
        logger.warning("%s to %s failed: %s", notification.channel, notification.to_number, notification.error_reason)
        _after_unanswered(notification, permanent=result.permanent)


# At most this many sends of one batch at once (an activation's first pages: one per role, plus spares).
MAX_PARALLEL_SENDS = 8


def deliver_together(notification_ids: list[int]) -> None:
    """Send these messages at the same time: each is one HTTP request that mostly waits on Twilio.

    An activation's first pages leave together instead of one after another. Each send runs on
    its own thread with its own database connection, which it closes; so inside a transaction
    (whose rows other connections cannot see yet) they are sent one by one, here.
    """
    ids = list(dict.fromkeys(notification_ids))
    if len(ids) < 2 or transaction.get_connection().in_atomic_block:
        for notification_id in ids:
            deliver(notification_id=notification_id)
        return
    with ThreadPoolExecutor(max_workers=min(len(ids), MAX_PARALLEL_SENDS), thread_name_prefix="send") as pool:
        # list(): a send that raised raises here too, after the others have finished.
        list(pool.map(_deliver_on_own_connection, ids))


def _deliver_on_own_connection(notification_id: int) -> None:
    try:
        deliver(notification_id=notification_id)
    finally:
        connections.close_all()  # this thread's connections only (back to the pool)


def _first_claimed_at(notification: Notification) -> datetime:
    claimed = [entry["at"] for entry in notification.status_history if entry.get("status") == CLAIMED]
    first = datetime.fromisoformat(claimed[0]) if claimed else notification.created_at
    # Twilio's clock, not ours, stamps the message: allow for some skew.
    return first - timedelta(seconds=60)


def _ask_provider(notification: Notification) -> SendResult | None:
    """Whether the provider sent this message although we never heard back (no lock held: HTTP)."""
    backend = get_backend()
    owned = set(
        Notification.objects.filter(to_number=notification.to_number)
        .exclude(pk=notification.pk)
        .exclude(provider_sid__isnull=True)
        .exclude(provider_sid="")
        .values_list("provider_sid", flat=True)
    )
    return backend.find_sent(
        channel=notification.channel,
        to=notification.to_number,
        body=notification.body,
        since=_first_claimed_at(notification),
        exclude_sids=owned,
    )


def resolve_unconfirmed(*, notification_id: int) -> None:
    """A claimed message with no word from the provider after the grace period.

    First ask the provider whether it went (a worker killed mid-send, callbacks lost while the
    web process was down): if so, record its sid and status and never send it again. Otherwise
    send it again, or, once the attempts are spent, count it as failed so the escalation moves on.
    """
    notification = Notification.objects.filter(pk=notification_id, status=CLAIMED).first()
    if notification is None:
        return
    found = _ask_provider(notification)
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None or notification.status != CLAIMED:
            return
        asks_left = _count(notification, "asked") + 1 < max(1, settings.TWILIO_SEND_ATTEMPTS)
        if found is not None and found.unknown and asks_left:
            # The provider could not say whether it went: sending now could page twice. Ask again
            # next round; after as many rounds as sends are allowed, go on as if it had not gone.
            notification.status_history = [
                *notification.status_history,
                {"status": CLAIMED, "at": timezone.now().isoformat(), "asked": True, "reason": found.error_reason},
            ]
            notification.save()
            return
        if found is not None and found.ok:
            notification.provider_sid = notification.provider_sid or found.sid
            if move_status(notification, found.status or "queued"):
                notification.status_history[-1]["found_at_provider"] = True
            notification.save()
            logger.info("%s %s to %s went out (%s): not sending it again", notification.channel,
                        notification.pk, notification.to_number, found.sid)
        elif _count(notification, "resend") + 1 < max(1, settings.TWILIO_SEND_ATTEMPTS):
            _back_to_pending(notification, why="no status callback from the provider: sending again", resend=True)
            notification.save()
            send_on_commit([notification.pk])
            return
        else:
            move_status(notification, ERROR, reason=notification.error_reason or "the provider never confirmed it")
            notification.save()
    if notification.finished_without_answer or notification.status == ERROR:
        _after_unanswered(notification, permanent=False)


def apply_status(*, notification_id: int, status: str, error_code: int | None = None, sid: str = "") -> bool:
    """A provider status callback; returns whether it changed anything."""
    status = (status or "").lower()
    with transaction.atomic():
        alert_id = Notification.objects.filter(pk=notification_id).values_list("alert_id", flat=True).first()
        if alert_id is not None:
            lock_alert(alert_id)  # lock order: mission, alert, notification
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return False
        reason = errors.reason(error_code) if error_code else ""
        if not move_status(notification, status, error_code=error_code, reason=reason):
            return False
        if sid and not notification.provider_sid:
            notification.provider_sid = sid  # the send's own answer never arrived (timeout)
        notification.save()
    if notification.finished_without_answer:
        _after_unanswered(notification, permanent=errors.is_permanent(error_code))
    return True


def record_digits(*, notification_id: int, digits: str) -> None:
    with transaction.atomic():
        Notification.objects.select_for_update().filter(pk=notification_id).update(digits=digits[:8])
