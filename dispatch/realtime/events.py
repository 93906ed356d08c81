"""Everything pushed live goes through here: typed, sequence-numbered, sent on commit.

The channel layer is at-most-once, so each message carries the global sequence number and
clients replay what they missed from the database (see `dispatch.selectors.events_after`).

Each group message also carries `after`: the sequence of the previous event in that group's
scope (the board: sequence - 1, the sequence being gap-free; a mission: its previous event).
A stream that has delivered up to `after` can forward the ready-made message at once; any
other stream treats it as a doorbell and reads what it lacks from the database.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Max

from dispatch.models import MissionEvent

logger = logging.getLogger(__name__)

BOARD_GROUP = "board"


def mission_group(mission_id: int) -> str:
    return f"mission-{mission_id}"


def serialize_event(event: MissionEvent) -> dict[str, Any]:
    actor = event.actor
    return {
        "type": "mission.event",
        "sequence": event.sequence,
        "mission_id": event.mission_id,
        "mission_code": event.mission.code,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": (actor.get_full_name() or actor.get_username()) if actor else None,
        "source": event.source,
        "note": event.note,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
    }


def publish_event_on_commit(event: MissionEvent) -> None:
    """Audience: the coordinators' board and everyone following this mission.

    Runs under the mission's row lock (see `record_event`), so the mission's previous event
    read here cannot change before commit.
    """
    previous_in_mission = (
        MissionEvent.objects.filter(mission_id=event.mission_id, sequence__lt=event.sequence).aggregate(
            m=Max("sequence")
        )["m"]
        or 0
    )
    event_id, sequence, mission_id = event.pk, event.sequence, event.mission_id
    transaction.on_commit(
        lambda: _send(
            event_id,
            fallback=serialize_event(event),
            groups=[(BOARD_GROUP, sequence - 1), (mission_group(mission_id), previous_in_mission)],
        )
    )


def _full_message(event_id: int) -> dict[str, Any]:
    """The event with its mission as it is now, exactly as a stream would read it from the database."""
    from dispatch.realtime.snapshot import mission_summaries

    event = MissionEvent.objects.select_related(
        "actor", "mission__referring_hospital", "mission__receiving_centre"
    ).get(pk=event_id)
    summary = mission_summaries([event.mission], travel_cache={})[event.mission_id]
    return {**serialize_event(event), "mission": summary}


def _send(event_id: int, *, fallback: dict[str, Any], groups: list[tuple[str, int]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        message = _full_message(event_id)
    except Exception:  # noqa: BLE001 — without the summary the message is still a doorbell
        logger.exception("could not build the live message of event %s; sending a doorbell", event_id)
        message = fallback
    for group, after in groups:
        try:
            async_to_sync(layer.group_send)(group, {"type": "mission.event", "event": message, "after": after})
        except Exception:  # noqa: BLE001 — a broadcast failure must never undo a committed change
            logger.exception("live broadcast of event %s to %s failed; clients will resume from the database",
                             message["sequence"], group)
