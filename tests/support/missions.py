"""What a change of mission status must carry besides `to`, for tests that walk the state machine."""

from dispatch import statuses
from dispatch.models import SupportMode, TransportMode


def facts_for(from_status: str, to_status: str) -> dict[str, str]:
    """The smallest set of facts that makes this change valid (reason, outcome, modes)."""
    facts: dict[str, str] = {}
    if to_status in statuses.REASON_REQUIRED:
        facts["reason"] = "clinical reason"
    outcomes = statuses.outcomes_for(from_status, to_status)
    if outcomes:
        facts["outcome"] = outcomes[0]
    if to_status in statuses.SUPPORT_MODE_REQUIRED:
        facts["support_mode"] = SupportMode.VA
    if to_status in statuses.TRANSPORT_MODE_FIELDS:
        facts["transport_mode"] = TransportMode.ROAD
    return facts


def transition_body(from_status: str, to_status: str, **extra) -> dict[str, str]:
    """A POST body for /transitions/ from `from_status` to `to_status`, with what it must carry."""
    return {"to": to_status, **facts_for(from_status, to_status), **extra}
