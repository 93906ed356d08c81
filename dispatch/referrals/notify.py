"""The decision SMS to the referring doctor, sent through the alerting engineer's notification backend.

One `DecisionSms` row per decision event (idempotent if the hook runs twice); the row is
created in the transition's transaction and sent on commit by a task that locks it and sends
only while it is pending, so a redelivered task never texts twice.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dispatch.models import Mission, MissionEvent, MissionStatus
from dispatch.notifications.backends import get_backend
from dispatch.referrals.models import DecisionSms

logger = logging.getLogger(__name__)

DECISIONS: dict[str, str] = {
    MissionStatus.TEAM_ACTIVATED: "ACCEPTED: the mobile ECMO team is being activated and will come to you.",
    MissionStatus.CONVENTIONAL_TRANSFER: "ACCEPTED for conventional transfer to the centre (no ECMO team).",
    MissionStatus.ADVICE_GIVEN: "ADVICE given, no transfer for now.",
    MissionStatus.DECLINED: "DECLINED.",
}
# An SMS segment is 160 GSM characters; keep the whole text to a few segments.
MAX_DETAIL_CHARS = 300


def decision_text(mission: Mission, event: MissionEvent) -> str:
    detail = (event.note or "").strip()
    if len(detail) > MAX_DETAIL_CHARS:
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    parts = [f"ECMO centre, {mission.code}: {DECISIONS[event.to_status]}"]
    if detail:
        label = "Reason" if event.to_status == MissionStatus.DECLINED else "Note"
        parts.append(f"{label}: {detail}")
    parts.append(f"{settings.PUBLIC_BASE_URL}/referrals/{mission.pk}/")
    return " ".join(parts)


def queue_decision_sms(*, mission: Mission, event: MissionEvent) -> DecisionSms | None:
    """Record the SMS for this decision and send it on commit. Caller holds the mission lock."""
    if not mission.callback_phone:
        return None
    sms, created = DecisionSms.objects.get_or_create(
        event=event,
        defaults={
            "mission": mission,
            "decision": event.to_status,
            "to_number": str(mission.callback_phone),
            "body": decision_text(mission, event),
        },
    )
    if created:
        sms_id = sms.pk
        transaction.on_commit(lambda: enqueue_send(sms_id))
    return sms


def enqueue_send(decision_sms_id: int) -> None:
    from dispatch.notifications.scheduling import enqueue
    from dispatch.referrals.tasks import send_decision_sms_task

    enqueue(send_decision_sms_task, (decision_sms_id,))


def send_decision_sms(*, decision_sms_id: int) -> DecisionSms | None:
    """Send one pending decision SMS through `get_backend().send_sms(to=, body=, status_callback=)`."""
    with transaction.atomic():
        sms = DecisionSms.objects.select_for_update().filter(pk=decision_sms_id).first()
        if sms is None or sms.status != DecisionSms.PENDING:
            return sms
        backend = get_backend()
        # No status webhook of our own yet: "sent" means the provider took it, not that it arrived.
        result = backend.send_sms(to=sms.to_number, body=sms.body, status_callback="")
        sms.backend = backend.name
        if result.ok:
            sms.status, sms.provider_sid, sms.provider_status = DecisionSms.SENT, result.sid or "", result.status
            sms.sent_at = timezone.now()
        else:
            sms.status, sms.error = DecisionSms.FAILED, f"{result.error_code or ''} {result.error_reason}".strip()
        sms.save()
    if sms.status == DecisionSms.FAILED:
        logger.warning("decision SMS %s to %s failed: %s", sms.pk, sms.to_number, sms.error)
    return sms
