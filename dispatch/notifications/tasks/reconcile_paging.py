"""The safety net: the database says what is due, this runs whatever no task ran."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dispatch import scheduling
from dispatch.notifications.models import CLAIMED, PENDING, Alert, AlertState, Heartbeat, Notification
from dispatch.notifications.selectors import RECONCILE_HEARTBEAT
from dispatch.notifications.services.delivery import deliver, resolve_unconfirmed
from dispatch.notifications.services.escalation import run_due_step
from dispatch.notifications.services.reviews import overdue_reviews, remind_review
from dispatch.notifications.services.standby import HANG_UP_RUNS, hang_up_calls, missions_with_calls_to_end

logger = logging.getLogger(__name__)

# Leave a step this overdue to its own timer task (the token makes a race harmless anyway).
OVERDUE_GRACE = timedelta(milliseconds=500)
# An advice review reminder is left to its own timer task this long.
OVERDUE_REVIEW_GRACE = timedelta(seconds=2)


def pending_grace() -> timedelta:
    """A pending message is left to its own task this long (a retry waits out its backoff first)."""
    return timedelta(seconds=max(2.0, settings.TWILIO_RETRY_MAX_S + 1.0))


def unconfirmed_grace() -> timedelta:
    """Never shorter than a send can still be in flight (its retries included)."""
    in_flight = settings.TWILIO_SEND_ATTEMPTS * (settings.TWILIO_HTTP_TIMEOUT_S + settings.TWILIO_RETRY_MAX_S)
    return timedelta(seconds=max(settings.TWILIO_UNCONFIRMED_GRACE_S, in_flight))


def _each(repair, **kwargs) -> None:
    """One repair; a failure is logged and the round goes on (one bad item must not stall the rest)."""
    try:
        repair(**kwargs)
    except Exception:  # noqa: BLE001 — the next round tries this item again
        logger.exception("reconcile: %s(%s) failed", repair.__name__, kwargs)


@shared_task(name="notifications.reconcile_paging", ignore_result=True)
def reconcile_paging(interval_s: float | None = None) -> dict:
    """Beat passes its interval: a second beat's copy in the same interval leaves at once."""
    if interval_s is not None and not scheduling.claim_interval("notifications.reconcile_paging", interval_s):
        return {"skipped": "ran this interval"}
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=RECONCILE_HEARTBEAT, defaults={"last_run_at": now})
    overdue = list(
        Alert.objects.filter(state=AlertState.PAGING, next_step_due_at__lte=now - OVERDUE_GRACE).values_list(
            "pk", "active_token"
        )
    )
    for alert_id, token in overdue:
        logger.warning("alert %s: step overdue, running it from reconcile", alert_id)
        _each(run_due_step, alert_id=alert_id, token=str(token))
    stuck = list(
        Notification.objects.filter(status=PENDING, updated_at__lte=now - pending_grace()).values_list("pk", flat=True)
    )
    for notification_id in stuck:
        logger.warning("notification %s: still pending, sending it from reconcile", notification_id)
        _each(deliver, notification_id=notification_id)
    unconfirmed = list(
        Notification.objects.filter(status=CLAIMED, updated_at__lte=now - unconfirmed_grace()).values_list(
            "pk", flat=True
        )
    )
    for notification_id in unconfirmed:
        logger.warning("notification %s: no word from the provider, settling it", notification_id)
        _each(resolve_unconfirmed, notification_id=notification_id)
    reviews = list(overdue_reviews(now=now, grace=OVERDUE_REVIEW_GRACE).values_list("pk", "review_at"))
    for mission_id, review_at in reviews:
        logger.warning("mission %s: advice review reminder overdue, sending it from reconcile", mission_id)
        _each(remind_review, mission_id=mission_id, review_at=review_at.isoformat())
    ringing = missions_with_calls_to_end(now=now)
    for mission_id in ringing:
        logger.warning("mission %s: ended with a call still ringing, hanging it up from reconcile", mission_id)
        # The last run: reconcile itself comes back next interval, so this run schedules no other.
        _each(hang_up_calls, mission_id=mission_id, run=HANG_UP_RUNS - 1)
    return {
        "overdue_steps": len(overdue),
        "calls_to_end": len(ringing),
        "pending_sent": len(stuck),
        "unconfirmed": len(unconfirmed),
        "overdue_reviews": len(reviews),
    }
