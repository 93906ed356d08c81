"""Reads of the checklist: one mission's lines for its page and API, and progress for the read model."""

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext

from dispatch import roles, statuses
from dispatch.models import Mission
from dispatch.preparation.arrival import expected_arrival
from dispatch.preparation.models import MissionPreparation, PreparationTick


def shown(text: str) -> str:
    """A stored text in the reader's language: a shipped default is in the catalogue, a typed one is not."""
    return gettext(text) if text else ""


def checklist_page_url(mission_id: int) -> str:
    return reverse("preparation-page", args=[mission_id])


def may_tick(user, mission: Mission) -> bool:
    """The referring hospital's doctors tick; coordinators may tick for them (after a phone call)."""
    if roles.is_coordinator(user):
        return True
    return roles.is_referrer(user) and roles.referrer_hospital_id(user) == mission.referring_hospital_id


def has_checklist(mission: Mission) -> bool:
    return MissionPreparation.objects.filter(mission=mission).exists()


def _tick(tick: PreparationTick) -> dict[str, Any]:
    item = tick.item
    return {
        "id": item.pk,
        "key": item.key,
        "label": shown(item.label),
        "help_text": shown(item.help_text),
        "value_label": shown(item.value_label) or None,
        "done": tick.done,
        "value": tick.value,
        "ticked_by": roles.display_name(tick.ticked_by) if tick.ticked_by_id else None,
        "ticked_at": tick.ticked_at.isoformat() if tick.ticked_at else None,
    }


def checklist(mission: Mission, *, user=None) -> dict[str, Any]:
    """The mission's checklist as the page and the API show it, with the expected arrival now."""
    ticks = list(
        PreparationTick.objects.filter(mission=mission).select_related("item", "ticked_by").order_by(
            "item__order", "item_id"
        )
    )
    arrival = expected_arrival(mission)
    return {
        "mission_id": mission.pk,
        "code": mission.code,
        "status": mission.status,
        "status_label": str(mission.get_status_display()),
        "referring_hospital": mission.referring_hospital.name,
        "open": mission.status not in statuses.TERMINAL,
        "may_tick": may_tick(user, mission) if user is not None else False,
        "expected_arrival": arrival.at.isoformat() if arrival else None,
        "expected_arrival_basis": arrival.basis if arrival else None,
        "done": sum(1 for t in ticks if t.done),
        "total": len(ticks),
        "url": checklist_page_url(mission.pk),
        "items": [_tick(t) for t in ticks],
    }


def preparation_progress(missions: Sequence[Mission]) -> dict[int, dict[str, Any]]:
    """{mission id: {done, total, url}} for missions with a checklist, in one query (none if no
    mission was ever activated: the checklist opens on activation)."""
    ids = [m.pk for m in missions if m.team_activated_at is not None]
    if not ids:
        return {}
    rows = (
        PreparationTick.objects.filter(mission_id__in=ids)
        .order_by()
        .values("mission_id")
        .annotate(done=Count("pk", filter=Q(done=True)), total=Count("pk"))
    )
    return {
        row["mission_id"]: {"done": row["done"], "total": row["total"], "url": checklist_page_url(row["mission_id"])}
        for row in rows
    }
