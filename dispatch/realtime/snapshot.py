"""What a live stream shows of a mission: summaries for snapshots and for every delivered event.

Reads only (selectors of dispatch, alerting and hospitals); the consumers call these from a
worker thread. A summary is the mission as it is *now*, so a client simply replaces its copy.
"""

import logging
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors
from dispatch.models import Mission, Support
from dispatch.notifications.selectors import role_coverage
from dispatch.realtime.events import serialize_event
from dispatch.referrals.selectors import referral_summary
from dispatch.statuses import PHASE_TIMESTAMPS
from hospitals.selectors import travel_between

logger = logging.getLogger(__name__)

# Every phase timestamp once, in the order the phases happen.
PHASE_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for fields in PHASE_TIMESTAMPS.values() for f in fields))

TravelCache = dict[tuple[int, int], dict | None]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _hospital(hospital) -> dict[str, Any]:
    return {"id": hospital.pk, "code": hospital.code, "name": hospital.name}


def travel_for(mission: Mission, cache: TravelCache) -> dict | None:
    """Travel estimate per hospital pair, computed once per cache (one snapshot or one stream)."""
    key = (mission.referring_hospital_id, mission.receiving_centre_id)
    if key not in cache:
        try:
            cache[key] = travel_between(mission.referring_hospital, mission.receiving_centre)
        except Exception:  # noqa: BLE001 — the board must show the mission even without an estimate
            logger.exception("travel estimate for %s failed", mission.code)
            cache[key] = None
    return cache[key]


def mission_summaries(missions: list[Mission], *, travel_cache: TravelCache | None) -> dict[int, dict[str, Any]]:
    """Summaries keyed by mission id; travel is left out (None) when no cache is given."""
    coverage = role_coverage([m.pk for m in missions]) if missions else {}
    referrals = referral_summary([m.pk for m in missions]) if missions else {}
    return {
        m.pk: {
            "id": m.pk,
            "code": m.code,
            "url": reverse("mission-timeline", args=[m.pk]),
            "status": m.status,
            "status_label": m.get_status_display(),
            "support": m.support,
            "support_label": str(Support(m.support).label) if m.support in Support.values else m.support,
            "referring_hospital": _hospital(m.referring_hospital),
            "receiving_centre": _hospital(m.receiving_centre),
            "requested_at": _iso(m.created_at),
            "status_changed_at": _iso(m.status_changed_at or m.created_at),
            "phase_times": {field: _iso(getattr(m, field)) for field in PHASE_FIELDS},
            "required_roles": list(m.required_roles),
            "coverage": coverage.get(m.pk, {}),
            "travel": travel_for(m, travel_cache) if travel_cache is not None else None,
            # Decision support for the card: scores, missing inputs, EOLIA; None without a referral.
            "referral": referrals.get(m.pk),
        }
        for m in missions
    }


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


def build_snapshot(*, user, mission_id: int | None, travel_cache: TravelCache, reason: str) -> dict[str, Any]:
    """The board's open missions (mission_id None) or one mission, with the sequence they reflect."""
    with _consistent_read():
        sequence = selectors.current_sequence()
        if mission_id is None:
            qs = selectors.mission_list(user=user, active=True).order_by("created_at")
        else:
            qs = selectors.missions_visible_to(user).filter(pk=mission_id)
        missions = list(qs)
        summaries = mission_summaries(missions, travel_cache=None)
    for mission in missions:
        summaries[mission.pk]["travel"] = travel_for(mission, travel_cache)
    return {
        "type": "snapshot",
        "reason": reason,
        "sequence": sequence,
        "server_time": timezone.now().isoformat(),
        "missions": [summaries[m.pk] for m in missions],
    }


def read_events_after(
    *, after: int, mission_id: int | None, limit: int, travel_cache: TravelCache, upto: int | None = None
) -> tuple[list[dict[str, Any]], int] | None:
    """Events after `after` (and up to `upto`, if given) in the stream's scope, with summaries.

    Returns (messages, position) where position is the sequence the stream is now complete up
    to, or None when more than `limit` events would be needed (the caller sends a snapshot).
    The current sequence is read first: every event up to it has committed (sequence numbers are
    handed out under a lock held to commit), so the query that follows sees all of them.
    """
    position = selectors.current_sequence() if upto is None else upto
    # limit=None: no slice yet, so the bound can still be added; then one more than allowed.
    qs = selectors.events_after(sequence=after, mission_ids=None if mission_id is None else [mission_id], limit=None)
    if upto is not None:
        qs = qs.filter(sequence__lte=upto)
    events = list(qs[: limit + 1])
    if len(events) > limit:
        return None
    missions = list({e.mission_id: e.mission for e in events}.values())
    if missions:
        missions = list(
            Mission.objects.select_related("referring_hospital", "receiving_centre").filter(
                pk__in=[m.pk for m in missions]
            )
        )
    summaries = mission_summaries(missions, travel_cache=None)
    for mission in missions:
        summaries[mission.pk]["travel"] = travel_for(mission, travel_cache)
    messages = [{**serialize_event(e), "mission": summaries.get(e.mission_id)} for e in events]
    return messages, max([position, after, *(e.sequence for e in events)])
