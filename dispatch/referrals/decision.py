"""The centre's decision, texted to the referring doctor's callback phone.

Subscribed to the state machine (see `apps.py`): a decision (activate, conventional transfer,
advice, decline) queues one SMS through the outbound pipeline of `dispatch.notifications`, in
the transition's transaction, at most once per decision event; it is sent on commit, with
retries, status callbacks and reconcile like every other message.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from dispatch import statuses
from dispatch.models import Mission, MissionEvent, MissionStatus
from dispatch.notifications.models import Notification, Purpose
from dispatch.notifications.services.delivery import queue_message
from dispatch.notifications.texts import worded_when_read
from dispatch.registry import Transition

# An SMS segment is 160 GSM characters; keep the whole text to a few segments.
MAX_DETAIL_CHARS = 300


@worded_when_read
def decision_text(mission: Mission, event: MissionEvent) -> str:
    """Worded when read: `queue_message` reads it in the referring doctor's language
    (`texts.referrer_language`); the coordinator's note goes as they typed it."""
    detail = (event.note or "").strip()
    if len(detail) > MAX_DETAIL_CHARS:
        detail = detail[: MAX_DETAIL_CHARS - 1] + "…"
    parts = [
        _("ECMO centre, %(code)s: %(decision)s")
        % {"code": mission.code, "decision": statuses.DECISION_TEXTS[event.to_status]}
    ]
    if detail:
        if event.to_status == MissionStatus.DECLINED:
            parts.append(_("Reason: %(detail)s") % {"detail": detail})
        else:
            parts.append(_("Note: %(detail)s") % {"detail": detail})
    parts.append(f"{settings.PUBLIC_BASE_URL}/referrals/{mission.pk}/")
    return " ".join(parts)


def queue_decision_sms(*, mission: Mission, event: MissionEvent) -> Notification | None:
    """Queue the SMS for this decision (idempotent per event). Caller holds the mission lock."""
    if not mission.callback_phone:
        return None
    return queue_message(
        purpose=Purpose.DECISION,
        to_number=str(mission.callback_phone),
        body=decision_text(mission, event),
        mission=mission,
        event=event,
    )


def on_mission_transition(transition: Transition) -> None:
    if transition.to_status in statuses.DECISION_TEXTS:
        queue_decision_sms(mission=transition.mission, event=transition.event)
