"""What a live stream reads: snapshots, and the events it must (re)deliver, each with its mission.

Reads only; the consumers call these from a worker thread. The mission in every message is the
one read model (`dispatch.presenters`), with its travel. Wire format: docs/realtime.md.
"""

from collections.abc import Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone, translation

from dispatch import presenters, selectors, statuses
from dispatch.models import MissionEvent
from dispatch.presenters import TravelMemo


def doorbell_message(event: MissionEvent) -> dict[str, Any]:
    """An event without its mission: a stream that receives it reads the database instead."""
    return {"type": "mission.event", **presenters.event_summary(event)}


def event_messages(events: Sequence[MissionEvent], *, memo: TravelMemo | None = None) -> list[dict[str, Any]]:
    """`mission.event` messages, each with its mission as read with the events (load them together)."""
    missions = list({e.mission_id: e.mission for e in events}.values())
    prefetch_related_objects(missions, "referring_hospital", "receiving_centre")  # no query when loaded
    summaries = presenters.mission_summaries(missions, with_travel=True, memo=memo)
    return [{**doorbell_message(e), "mission": summaries.get(e.mission_id)} for e in events]


def board_missions(*, user) -> QuerySet:
    """The board's missions: every open one, and those closed within BOARD_RECENTLY_CLOSED_HOURS.

    A completed or ended mission stays in view a while (with its outcome), so a coordinator who
    looks up after a hand-over still sees how it ended instead of a card that silently vanished.
    """
    cutoff = timezone.now() - timedelta(hours=settings.BOARD_RECENTLY_CLOSED_HOURS)
    recently_closed = Q(status__in=statuses.CLOSED) & (
        Q(closed_at__gte=cutoff) | Q(closed_at__isnull=True, status_changed_at__gte=cutoff)
    )
    shown = Q(status__in=statuses.ACTIVE) | recently_closed
    return selectors.mission_list(user=user).filter(shown).order_by("created_at")


@contextmanager
def _consistent_read():
    """One database snapshot for sequence number and missions (PostgreSQL REPEATABLE READ)."""
    if connection.in_atomic_block or connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def _language_of(user) -> str:
    """The person's own language (Profile.language, set by the language switch), else the service's."""
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def build_snapshot(
    *, user, mission_id: int | None, memo: TravelMemo | None, reason: str, language: str | None = None
) -> dict[str, Any]:
    """The board's missions (mission_id None: `board_missions`) or one mission, with the sequence they reflect.

    Labels are in `language` (the stream's page language when the caller knows it), else the user's own.
    """
    with translation.override(language or _language_of(user)):
        return _build_snapshot(user=user, mission_id=mission_id, memo=memo, reason=reason)


def _build_snapshot(*, user, mission_id: int | None, memo: TravelMemo | None, reason: str) -> dict[str, Any]:
    with _consistent_read():
        sequence = selectors.current_sequence()
        if mission_id is None:
            qs = board_missions(user=user)
        else:
            qs = selectors.mission_list(user=user).filter(pk=mission_id)
        missions = list(qs)
        summaries = presenters.mission_summaries(missions)
    # Travel outside the read transaction: an estimate may wait on the road router.
    for pk, travel in presenters.mission_travels(missions, memo=memo).items():
        summaries[pk]["travel"] = travel
    return {
        "type": "snapshot",
        "reason": reason,
        "sequence": sequence,
        "server_time": timezone.now().isoformat(),
        "missions": list(summaries.values()),
    }


def read_events_after(
    *,
    after: int,
    mission_id: int | None,
    limit: int,
    memo: TravelMemo | None,
    upto: int | None = None,
    language: str | None = None,
) -> tuple[list[dict[str, Any]], int] | None:
    """Events after `after` (and up to `upto`, if given) in the stream's scope, with summaries.

    Returns (messages, position) where position is the sequence the stream is now complete up
    to, or None when more than `limit` events would be needed (the caller sends a snapshot).
    Labels are in `language` (the stream's page language) when given, else the active one.
    The current sequence is read first: every event up to it has committed (sequence numbers are
    handed out under a lock held to commit), so the query that follows sees all of them.
    """
    position = selectors.current_sequence() if upto is None else upto
    # limit=None: no slice yet, so the bound can still be added; then one more than allowed.
    qs = selectors.events_after(
        sequence=after, mission_ids=None if mission_id is None else [mission_id], limit=None
    ).select_related("mission__referring_hospital", "mission__receiving_centre")
    if upto is not None:
        qs = qs.filter(sequence__lte=upto)
    events = list(qs[: limit + 1])
    if len(events) > limit:
        return None
    with translation.override(language or translation.get_language()):
        messages = event_messages(events, memo=memo) if events else []
    return messages, max([position, after, *(e.sequence for e in events)])
