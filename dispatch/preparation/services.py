"""Writing the checklist: opened on activation, ticked by the referring ICU, the arrival texted.

Subscribed to the core (see `apps.py`): the activation opens the mission's checklist and texts
the referring doctor's callback phone the expected arrival and the checklist's link; every
timeline event after which the arrival may have moved (a departure, a position, a correction, an
undo) compares the new estimate with the one last texted and texts again when they are more than
PREPARATION_ETA_UPDATE_MIN apart. Both run under the mission's row lock, inside the transaction
that records the change, and the SMS goes through the one outbound pipeline on commit, at most
once per event. A tick writes a `preparation.ticked` event, which the live streams publish.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import statuses
from dispatch.errors import Conflict, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import Mission, MissionEvent, MissionStatus
from dispatch.notifications.models import Purpose
from dispatch.notifications.services.delivery import queue_message
from dispatch.preparation import texts
from dispatch.preparation.arrival import OUTBOUND, Arrival, expected_arrival
from dispatch.preparation.models import ItemScope, MissionPreparation, PreparationItem, PreparationTick
from dispatch.preparation.selectors import may_tick, shown
from dispatch.registry import Transition
from dispatch.selectors import mission_visible_to
from dispatch.services.timeline import record_event

TICK_EVENT = "preparation.ticked"
# Timeline events after which the team's expected arrival may have moved.
ARRIVAL_EVENTS: frozenset[str] = frozenset(
    {"mission.status_changed", "mission.undone", "mission.corrected", "travel.position"}
)
# Units of blood and the like: a two-digit count is plenty; more is a typing slip.
MAX_VALUE = 99


@dataclass(frozen=True)
class TickResult:
    tick: PreparationTick
    event: MissionEvent | None  # None: the line already read so (a double tap), nothing recorded


def on_mission_transition(transition: Transition) -> None:
    """Subscriber (order PREPARATION): the activation opens the checklist and texts the referrer."""
    if transition.to_status == MissionStatus.TEAM_ACTIVATED:
        open_checklist(mission=transition.mission, event=transition.event)


def _text_referrer(
    preparation: MissionPreparation, *, mission: Mission, event: MissionEvent, body: str, arrival: Arrival | None
) -> None:
    if mission.callback_phone:
        queue_message(
            purpose=Purpose.PREPARATION, to_number=str(mission.callback_phone), body=body, mission=mission, event=event
        )
    preparation.told_arrival_at = arrival.at if arrival else None
    preparation.told_at = timezone.now()
    preparation.save(update_fields=["told_arrival_at", "told_at"])


def open_checklist(*, mission: Mission, event: MissionEvent) -> MissionPreparation | None:
    """Open the mission's checklist from the active items for its kind and text the referrer (idempotent).

    Caller holds the mission's row lock in a transaction (the activation). A drill has no
    referring ICU to prepare: it gets no checklist and no SMS.
    """
    if mission.is_drill:
        return None
    preparation, created = MissionPreparation.objects.get_or_create(
        mission=mission, defaults={"opened_at": event.occurred_at or timezone.now()}
    )
    if not created:
        return preparation
    PreparationTick.objects.bulk_create(
        [
            PreparationTick(mission=mission, item=item)
            for item in PreparationItem.objects.filter(active=True, applies_to__in=(ItemScope.EVERY, mission.kind))
        ]
    )
    arrival = expected_arrival(mission)
    body = texts.activation_text(mission, arrival.at if arrival else None)
    _text_referrer(preparation, mission=mission, event=event, body=body, arrival=arrival)
    return preparation


def after_timeline_event(event: MissionEvent) -> None:
    """Timeline listener: text the referrer when the expected arrival moved by more than
    PREPARATION_ETA_UPDATE_MIN from the time last texted (runs under the mission's lock)."""
    if event.kind not in ARRIVAL_EVENTS:
        return
    mission = event.mission
    if mission.status not in OUTBOUND or mission.team_activated_at is None or mission.is_drill:
        return
    preparation = MissionPreparation.objects.select_for_update().filter(mission=mission).first()
    if preparation is None:
        return
    arrival = expected_arrival(mission)
    if arrival is None:
        return
    told = preparation.told_arrival_at
    limit_s = settings.PREPARATION_ETA_UPDATE_MIN * 60
    if told is not None and abs((arrival.at - told).total_seconds()) <= limit_s:
        return
    body = texts.update_text(mission, arrival.at, told)
    _text_referrer(preparation, mission=mission, event=event, body=body, arrival=arrival)


def _lock_checklist(actor, mission_id: int) -> Mission:
    if not mission_visible_to(actor, mission_id):
        raise NotVisible(_("Mission not found."))
    mission = Mission.objects.select_for_update().select_related("referring_hospital").filter(pk=mission_id).first()
    if mission is None or not MissionPreparation.objects.filter(mission=mission).exists():
        raise NotVisible(_("This mission has no preparation checklist (the team was not activated)."))
    return mission


def _check_value(item: PreparationItem, *, done: bool, value: int | None) -> None:
    if value is not None and not item.value_label:
        raise ValidationFailed({"value": [_("This item takes no number.")]})
    if value is not None and not 0 <= value <= MAX_VALUE:
        raise ValidationFailed({"value": [_("Give a number from 0 to %d.") % MAX_VALUE]})
    if done and item.value_label and value is None:
        raise ValidationFailed({"value": [_("Give the number (%s).") % shown(item.value_label)]})


@transaction.atomic
def tick_item(*, mission_id: int, actor, item_id: int, done: bool, value: int | None, source: str) -> TickResult:
    """Tick (or untick) one line of a mission's checklist and record it on the timeline.

    404 the mission is not visible or has no checklist; 403 not the referring hospital or a
    coordinator; 409 the mission has ended; 400 an item not on this checklist or a wrong number.
    The same state sent again (a double tap, a retry) records nothing.
    """
    mission = _lock_checklist(actor, mission_id)
    if not may_tick(actor, mission):
        raise NotAllowed(_("Only the referring hospital and the ECMO centre's coordinators tick this checklist."))
    if mission.status in statuses.TERMINAL:
        raise Conflict(
            _("The mission has ended (“%s”): the checklist is closed.") % mission.get_status_display(),
            current_status=mission.status,
        )
    tick = PreparationTick.objects.select_related("item").filter(mission=mission, item_id=item_id).first()
    if tick is None:
        raise ValidationFailed({"item": [_("This item is not on this mission's checklist.")]})
    _check_value(tick.item, done=done, value=value)
    if (tick.done, tick.value) == (done, value):
        return TickResult(tick=tick, event=None)
    tick.done, tick.value = done, value
    tick.ticked_by, tick.ticked_at = actor, timezone.now()
    tick.save(update_fields=["done", "value", "ticked_by", "ticked_at"])
    counts = PreparationTick.objects.filter(mission=mission)
    event = record_event(
        mission=mission,
        kind=TICK_EVENT,
        source=source,
        actor=actor,
        payload={
            "item": tick.item.key,
            "label": tick.item.label,
            "done": done,
            "value": value,
            "done_count": counts.filter(done=True).count(),
            "total": counts.count(),
        },
    )
    return TickResult(tick=tick, event=event)
