"""Everything pushed live goes through here: typed, sequence-numbered, sent on commit, audience named.

The channel layer is at-most-once, so each message carries the global sequence number and
clients replay what they missed from the database (see `dispatch.selectors.events_after`).

Each group message also carries `after`: the sequence of the previous event in that group's
scope (the board: sequence - 1, the sequence being gap-free; a mission: its previous event).
A stream that has delivered up to `after` can forward the ready-made message at once; any
other stream treats it as a doorbell and reads what it lacks from the database.

After commit each group's marker (`markers`) is raised to the event's sequence too, in a
callback of its own: a broadcast that fails or is lost still leaves the marker that sends the
next catch-up poll to the database.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import translation

from dispatch.models import MissionEvent
from dispatch.realtime import markers
from dispatch.realtime.snapshot import doorbell_message, event_messages

logger = logging.getLogger(__name__)

BOARD_GROUP = "board"

# Who hears an event: (group, sequence of the previous event in that group's scope).
Audience = list[tuple[str, int]]


def run_on_layer(function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Await a channel-layer call from sync code, wherever that code runs.

    `async_to_sync` refuses a thread that already runs an event loop (sync code called inside
    one, as in a process that drives a browser); such a call gets a thread of its own, so the
    message still goes out instead of being logged as failed.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return async_to_sync(function)(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(async_to_sync(function), *args).result()


def mission_group(mission_id: int) -> str:
    return f"mission-{mission_id}"


def publish_event_on_commit(event: MissionEvent) -> None:
    """Timeline listener. Audience: the coordinators' board and everyone following this mission.

    Runs under the mission's row lock (see `record_event`), so the mission's previous event
    read here cannot change before commit.
    """
    previous_in_mission = (
        MissionEvent.objects.filter(mission_id=event.mission_id, sequence__lt=event.sequence).aggregate(
            m=Max("sequence")
        )["m"]
        or 0
    )
    event_id, fallback = event.pk, doorbell_message(event)
    audience = [(BOARD_GROUP, event.sequence - 1), (mission_group(event.mission_id), previous_in_mission)]
    transaction.on_commit(lambda: send_event(event_id, fallback=fallback, audience=audience))
    # After the broadcast: the marker serves polls, seconds apart; the broadcast is what is awaited.
    sequences = {group: event.sequence for group, _after in audience}
    transaction.on_commit(lambda: mark_sent(sequences))


def mark_sent(sequences: dict[str, int]) -> None:
    """Raise each group's marker after commit; if this fails, the marker's lease runs out and polls read."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        run_on_layer(markers.raise_groups, layer, sequences)
    except Exception:  # noqa: BLE001 — a marker failure must never undo a committed change
        logger.exception("could not raise the stream markers to %s; polls read the database when they lapse", sequences)


def live_message(event_id: int, language: str | None = None) -> dict[str, Any]:
    """The event with its mission as it is now, exactly as a stream would read it from the database.

    Labels are in `language` (a stream's page language), else the service's default.
    """
    event = MissionEvent.objects.select_related(
        "actor", "mission__referring_hospital", "mission__receiving_centre"
    ).get(pk=event_id)
    with translation.override(language or settings.LANGUAGE_CODE):
        return event_messages([event])[0]


def live_messages(event_id: int) -> dict[str, dict[str, Any]]:
    """The ready-made message in every language a page may be in: each stream forwards its own."""
    return {code: live_message(event_id, code) for code, _name in settings.LANGUAGES}


def send_event(event_id: int, *, fallback: dict[str, Any], audience: Audience) -> None:
    """Build the message once per language (after commit), then hand it to every group of its audience."""
    try:
        localized = live_messages(event_id)
        message = localized.get(settings.LANGUAGE_CODE) or next(iter(localized.values()))
    except Exception:  # noqa: BLE001 — without the summary the message is still a doorbell
        logger.exception("could not build the live message of event %s; sending a doorbell", event_id)
        message, localized = fallback, {}
    deliver(message, audience, localized=localized)


def deliver(message: dict[str, Any], audience: Audience, *, localized: dict[str, dict] | None = None) -> None:
    """The one place a live message leaves the process (tests capture it here).

    `message` is in the default language; `localized` holds it in every language by code.
    The group message carries each language's message as ready JSON text: a stream forwards it
    as it is, so 1,000 boards cost one encoding per language, not one per connection.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    texts = {code: json.dumps(ready) for code, ready in (localized or {}).items() if "mission" in ready}
    if not texts and "mission" in message:
        texts[settings.LANGUAGE_CODE] = json.dumps(message)
    payload = {"type": "mission.event", "sequence": message["sequence"], "texts": texts}
    for group, after in audience:
        try:
            run_on_layer(layer.group_send, group, {**payload, "after": after})
        except Exception:  # noqa: BLE001 — a broadcast failure must never undo a committed change
            logger.exception(
                "live broadcast of event %s to %s failed; clients will resume from the database",
                message["sequence"],
                group,
            )


def user_group(user_id: int) -> str:
    """Every stream a user has open, on any node: `dispatch.accounts` rings it when their login changes."""
    return f"user-{user_id}"


def announce_credentials_changed(sender=None, *, user_id: int, **kwargs) -> None:
    """Listener of `dispatch.accounts.signals.credentials_changed`. Audience: that user's own streams.

    Sent on commit (a rolled-back password change changes nothing); each stream then re-reads
    the login from the database and closes itself if it no longer counts.
    """
    transaction.on_commit(lambda: _ring_user(user_id))


def _ring_user(user_id: int) -> None:
    """The login version first (a board whose ring is lost sees it on its next poll), then the ring."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        run_on_layer(_bump_and_ring, layer, user_id)
    except Exception:  # noqa: BLE001 — the streams' next full check (poll with news, expiry) still closes them
        logger.exception("could not tell the streams of user %s to re-check their login", user_id)


async def _bump_and_ring(layer, user_id: int) -> None:
    try:
        await markers.bump_login(layer, user_id)
    finally:
        await layer.group_send(user_group(user_id), {"type": "user.changed"})
