"""Reactions of referrals to the mission state machine, called from `_after_transition`.

Runs inside the transition's transaction with the mission locked; the SMS goes out on commit.
"""

from dispatch.models import Mission, MissionEvent
from dispatch.referrals.notify import DECISIONS, queue_decision_sms


def on_transition(*, mission: Mission, event: MissionEvent) -> None:
    """A decision (accept / advise / decline) is texted to the referring doctor's callback phone."""
    if event.to_status in DECISIONS:
        queue_decision_sms(mission=mission, event=event)
