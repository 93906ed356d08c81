"""How feature apps hear about the core without the core knowing them.

The core announces three things; feature apps subscribe in their `AppConfig.ready()`:

* **A mission changed phase** (`subscribe_to_transitions`). Subscribers run in the order of
  `Order` below — the whole call order in one place — inside the transition's transaction,
  with the mission row locked. They may write rows that must commit with the change (the
  team's pages, the referrer's decision SMS) and must send nothing themselves: every task,
  SMS and broadcast they cause goes out only on commit (`dispatch.scheduling`,
  `dispatch.realtime.broadcast`), so a rolled-back change leaves no trace outside.
* **A timeline event was recorded** (`listen_to_timeline`): the live streams publish it on commit.
* **Who may see a mission** (`contribute_visibility`): besides the core's own rules (role,
  hospital, accepted assignment), a feature may let more people see a mission — a team
  member who is being paged for it, say.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum

from django.db.models import QuerySet

from dispatch.models import Mission, MissionEvent


class Order(IntEnum):
    """When each kind of transition subscriber runs; lower first."""

    TEAM = 10  # the mobile team: open pages on activation, close them (and stand down) on cancel/decline
    REFERRER = 20  # the referring hospital: the centre's decision by SMS
    PREPARATION = 30  # the referring ICU's checklist opens on activation; the expected arrival by SMS
    DRILL = 90  # an activation drill ends at team ready (last: everyone else has heard of team ready)


@dataclass(frozen=True)
class Transition:
    """A mission that has just entered `event.to_status` (row locked, transaction open)."""

    mission: Mission
    event: MissionEvent

    @property
    def from_status(self) -> str:
        return self.event.from_status

    @property
    def to_status(self) -> str:
        return self.event.to_status


TransitionSubscriber = Callable[[Transition], None]
TimelineListener = Callable[[MissionEvent], None]
# Given a user, the ids of extra missions they may see (a `values("mission_id")`-style queryset).
VisibilityContributor = Callable[[object], QuerySet]

_transition_subscribers: dict[str, tuple[Order, TransitionSubscriber]] = {}
_timeline_listeners: dict[str, TimelineListener] = {}
_visibility_contributors: dict[str, VisibilityContributor] = {}


def _key(handler: Callable) -> str:
    # By qualified name: `ready()` running twice (tests, autoreload) never subscribes twice.
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribe_to_transitions(handler: TransitionSubscriber, *, order: Order) -> None:
    _transition_subscribers[_key(handler)] = (order, handler)


def listen_to_timeline(listener: TimelineListener) -> None:
    _timeline_listeners[_key(listener)] = listener


def contribute_visibility(contributor: VisibilityContributor) -> None:
    _visibility_contributors[_key(contributor)] = contributor


def transition_subscribers() -> list[TransitionSubscriber]:
    """The subscribers in call order (`Order`, then name, so the order never depends on import order)."""
    ordered = sorted(_transition_subscribers.items(), key=lambda item: (item[1][0], item[0]))
    return [handler for _key_, (_order, handler) in ordered]


def announce_transition(*, mission: Mission, event: MissionEvent) -> None:
    """Called by the state machine inside its transaction, mission locked."""
    transition = Transition(mission=mission, event=event)
    for handler in transition_subscribers():
        handler(transition)


_history_only: ContextVar[bool] = ContextVar("history_only", default=False)


@contextmanager
def writing_history() -> Iterator[None]:
    """Record events of the past (demo history) without telling the listeners.

    Nobody needs a live push or an arrival SMS for a mission that ended months ago, and
    hundreds of them would take minutes; live streams still find the events by their sequence.
    """
    token = _history_only.set(True)
    try:
        yield
    finally:
        _history_only.reset(token)


def announce_event(event: MissionEvent) -> None:
    """Called by `record_event` inside the event's transaction."""
    if _history_only.get():
        return
    for listener in _timeline_listeners.values():
        listener(event)


def visibility_contributions(user) -> list[QuerySet]:
    return [contributor(user) for contributor in _visibility_contributors.values()]
