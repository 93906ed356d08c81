"""Writing timeline events: the only way a `MissionEvent` comes to exist."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dispatch import registry
from dispatch.errors import Conflict
from dispatch.models import EventSequence, Mission, MissionEvent


def _next_sequence() -> int:
    # The UPDATE takes the row lock and keeps it until commit: events commit in sequence order.
    updated = EventSequence.objects.filter(pk=1).update(last_value=F("last_value") + 1)
    if not updated:
        EventSequence.objects.get_or_create(pk=1)
        EventSequence.objects.filter(pk=1).update(last_value=F("last_value") + 1)
    return EventSequence.objects.values_list("last_value", flat=True).get(pk=1)


def record_event(
    *,
    mission: Mission,
    kind: str,
    source: str,
    actor=None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    payload: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    occurred_at=None,
) -> MissionEvent:
    """Append an event; timeline listeners (the live streams) publish it after commit.

    Callers must hold the mission's row lock inside a transaction, so a mission's events and
    its state never disagree.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside transaction.atomic() with the mission locked")
    event = MissionEvent.objects.create(
        mission=mission,
        sequence=_next_sequence(),
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        source=source,
        note=note,
        payload=payload or {},
        idempotency_key=idempotency_key,
        occurred_at=occurred_at or timezone.now(),
    )
    registry.announce_event(event)
    return event


def earlier_answer(
    *, actor, idempotency_key: str | None, same_request: Callable[[MissionEvent], bool]
) -> MissionEvent | None:
    """The event a retried request (same actor, same Idempotency-Key) already produced.

    A key reused for a *different* request (another mission, alert or target) is a 409: replaying
    the first answer there would silently drop the second request.
    """
    if not idempotency_key or actor is None:
        return None
    event = MissionEvent.objects.select_related("mission").filter(actor=actor, idempotency_key=idempotency_key).first()
    if event is None:
        return None
    if not same_request(event):
        raise Conflict(
            "This Idempotency-Key was already used for a different request; send a new key.",
            idempotency_key=idempotency_key,
        )
    return event
