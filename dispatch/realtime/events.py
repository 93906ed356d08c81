"""Everything pushed live goes through here: typed, sequence-numbered, sent on commit.

The channel layer is at-most-once, so each message carries the global sequence number and
clients replay what they missed from the database (see `dispatch.selectors.events_after`).
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

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
    """Audience: the coordinators' board and everyone following this mission."""
    message = serialize_event(event)
    transaction.on_commit(lambda: _send(message, [BOARD_GROUP, mission_group(event.mission_id)]))


def _send(message: dict[str, Any], groups: list[str]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, {"type": "mission.event", "event": message})
        except Exception:  # noqa: BLE001 — a broadcast failure must never undo a committed change
            logger.exception("live broadcast of event %s to %s failed; clients will resume from the database",
                             message["sequence"], group)
