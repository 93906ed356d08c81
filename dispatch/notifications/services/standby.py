"""Standby while a referral is reviewed, stand-down when the team is not (or no longer) needed,
and hanging up calls still ringing for a mission that ended.

* **Standby** (coordinator, only `under_review`): one SMS to whoever would be paged first per
  required role — the on-call primaries, or the backups when no primary is free (busy on another
  mission, or not reachable by SMS). Nothing to answer. Once per person per review: a second
  standby in the same review only tells people not told yet (a roster change); after the
  mission is re-opened (`advice_given → under_review`) it is a new review.
* **Stand-down** (a transition subscriber, run by `alerts.on_mission_transition` after the
  alerts are closed): leaving the review without a team (declined, advice, conventional
  transfer, cancelled) releases everyone on standby; `cancelled` and `aborted` also release
  everyone paged (who did not decline and was not already told the role is covered) and everyone
  who accepted. One `team.stood_down` event, one SMS per person, sent on commit.
* **Hang-up**: on `cancelled`/`aborted` a task (enqueued on commit) ends the mission's calls
  still queued, ringing or in progress through the backend's call update. It re-reads the
  database, marks each call it ended (so a second run asks nothing twice) and, while a call is
  being placed or the provider is unreachable, runs again later through the task queue.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles, scheduling
from dispatch.errors import Conflict, NotAllowed, NotVisible
from dispatch.models import EventSource, Mission, MissionAssignment, MissionEvent, MissionStatus
from dispatch.notifications import selectors, texts
from dispatch.notifications.backends import get_backend
from dispatch.notifications.models import (
    CLAIMED,
    PENDING,
    AlertRecipient,
    Channel,
    Notification,
    Purpose,
    Response,
    Tier,
)
from dispatch.notifications.services.delivery import queue_message, retry_delay_s
from dispatch.registry import Transition
from dispatch.roles import display_name
from dispatch.services.timeline import record_event

logger = logging.getLogger(__name__)

S = MissionStatus
# Leaving the review without the team: whoever is on standby may stand down.
RELEASES_STANDBY = frozenset({S.DECLINED, S.ADVICE_GIVEN, S.CONVENTIONAL_TRANSFER, S.CANCELLED})
# The mission ended before hand-over: everyone paged or on the team stands down, calls are ended.
RELEASES_TEAM = frozenset({S.CANCELLED, S.ABORTED})

HANG_UP_TASK = "notifications.hang_up_calls"
# A call in one of these may still ring or talk; a claimed or pending one may be about to.
LIVE_CALL = ("queued", "initiated", "ringing", "in-progress")
NOT_PLACED_YET = (PENDING, CLAIMED)
# Runs of the hang-up task while a call is still being placed (backoff: `retry_delay_s`).
HANG_UP_RUNS = 6


@dataclass(frozen=True)
class StandbyResult:
    mission: Mission
    event: MissionEvent | None  # None: everyone was already on standby in this review
    members: list[str] = field(default_factory=list)  # everyone on standby in this review
    sent_to: list[str] = field(default_factory=list)  # told by this request


# --- standby ----------------------------------------------------------------------------------


def _review_started(mission: Mission) -> int:
    """The sequence of the event that opened the current review (0 if none)."""
    return (
        MissionEvent.objects.filter(mission=mission, kind="mission.status_changed", to_status=S.UNDER_REVIEW)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    ) or 0


def standby_messages(mission: Mission) -> QuerySet[Notification]:
    """The standby SMS of the mission's current (or last) review."""
    return (
        Notification.objects.filter(
            mission=mission, purpose=Purpose.STANDBY, event__sequence__gt=_review_started(mission)
        )
        .select_related("recipient", "recipient__profile")
        .order_by("pk")
    )


def _sms_reachable(person) -> bool:
    return not selectors.channels_for(person)["sms"]


def standby_targets(mission: Mission) -> tuple[list[tuple[str, object]], list[dict]]:
    """Per required role, who would be paged first: free primaries, else free backups.

    Returns ([(role, person)], busy) where busy names the on-call people passed over because
    they are on another active mission.
    """
    targets: list[tuple[str, object]] = []
    busy_named: dict[str, dict] = {}
    seen: set[int] = set()
    for role in dict.fromkeys(mission.required_roles):
        for tier in (Tier.PRIMARY, Tier.BACKUP):
            people = [p for p in selectors.on_call(team_role=role, tier=tier) if p.pk not in seen]
            busy = selectors.busy_elsewhere([p.pk for p in people], mission_id=mission.pk)
            for person in people:
                if person.pk in busy:
                    busy_named[display_name(person)] = {"member": display_name(person), "mission_code": busy[person.pk]}
            free = [p for p in people if p.pk not in busy and _sms_reachable(p)]
            if free:
                targets += [(role, person) for person in free]
                seen.update(person.pk for person in free)
                break
    return targets, list(busy_named.values())


def send_standby(*, mission_id: int, actor, source: str = EventSource.WEB) -> StandbyResult:
    """Tell the on-call team a referral may need them. 403 unless coordinator, 409 unless under review.

    Locks the mission; the SMS go out on commit. Idempotent per review (see the module docstring).
    """
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can do this."))
    with transaction.atomic():
        mission = (
            Mission.objects.select_for_update(of=("self",)).select_related("referring_hospital").filter(pk=mission_id).first()
        )
        if mission is None:
            raise NotVisible(_("Mission not found."))
        if mission.status != S.UNDER_REVIEW:
            raise Conflict(
                _("A standby can only be sent while the referral is under review."), current_status=mission.status
            )
        earlier = list(standby_messages(mission))
        told = {n.recipient_id for n in earlier}
        members = list(dict.fromkeys(display_name(n.recipient) for n in earlier if n.recipient))
        targets, busy = standby_targets(mission)
        targets = [(role, person) for role, person in targets if person.pk not in told]
        if not targets:
            return StandbyResult(mission=mission, event=None, members=members)
        sent_to = [display_name(person) for _role, person in targets]
        event = record_event(
            mission=mission,
            kind="mission.standby",
            source=source,
            actor=actor,
            payload={
                "members": sent_to,
                "team_roles": list(dict.fromkeys(role for role, _person in targets)),
                "busy": busy,
            },
        )
        for role, person in targets:
            queue_message(
                purpose=Purpose.STANDBY,
                to_number=selectors.phone_of(person),
                body=texts.standby_message(mission, role),
                mission=mission,
                event=event,
                recipient=person,
            )
    return StandbyResult(mission=mission, event=event, members=list(dict.fromkeys(members + sent_to)), sent_to=sent_to)


# --- stand-down -------------------------------------------------------------------------------


def _people_to_release(mission: Mission, to_status: str) -> list:
    people: dict[int, object] = {}
    if to_status in RELEASES_STANDBY:
        # Told to stand down once per review: a conventional transfer later cancelled tells nobody twice.
        released = set(
            Notification.objects.filter(
                mission=mission, purpose=Purpose.STAND_DOWN, event__sequence__gt=_review_started(mission)
            ).values_list("recipient_id", flat=True)
        )
        for notification in standby_messages(mission):
            if notification.recipient is not None and notification.recipient_id not in released:
                people.setdefault(notification.recipient_id, notification.recipient)
    if to_status in RELEASES_TEAM:
        told_covered = set(
            Notification.objects.filter(alert__mission=mission, purpose=Purpose.STAND_DOWN).values_list(
                "recipient_id", flat=True
            )
        )
        paged = (
            AlertRecipient.objects.filter(alert__mission=mission)
            .exclude(response=Response.DECLINED)
            .exclude(member_id__in=told_covered)
            .select_related("member", "member__profile")
            .order_by("pk")
        )
        for recipient in paged:
            people.setdefault(recipient.member_id, recipient.member)
        for assignment in MissionAssignment.objects.filter(mission=mission).select_related("member", "member__profile"):
            people.setdefault(assignment.member_id, assignment.member)
    return list(people.values())


def stand_down(transition: Transition) -> list[int]:
    """Release everyone the mission's end concerns (module docstring); the SMS go out on commit.

    Runs inside the transition's transaction with the mission locked; returns the notification ids.
    """
    mission, event = transition.mission, transition.event
    to_status = transition.to_status
    if to_status in RELEASES_TEAM:
        scheduling.enqueue_on_commit(HANG_UP_TASK, (mission.pk, 0))
    if to_status not in RELEASES_STANDBY | RELEASES_TEAM:
        return []
    people = _people_to_release(mission, to_status)
    if not people:
        return []
    reachable = [p for p in people if _sms_reachable(p)]
    outcome = (event.payload or {}).get("outcome", "")
    stood_down = record_event(
        mission=mission,
        kind="team.stood_down",
        source=EventSource.SYSTEM,
        payload={
            "members": [display_name(p) for p in reachable],
            "outcome": outcome,
            "to_status": to_status,
            "unreachable": [display_name(p) for p in people if p not in reachable],
        },
    )
    body = texts.stand_down_message(mission, to_status=to_status, outcome=outcome)
    return [
        queue_message(
            purpose=Purpose.STAND_DOWN,
            to_number=selectors.phone_of(person),
            body=body,
            mission=mission,
            event=stood_down,
            recipient=person,
        ).pk
        for person in reachable
    ]


# --- hanging up -------------------------------------------------------------------------------


def _hung_up(notification: Notification) -> bool:
    return any(entry.get("hangup") for entry in notification.status_history)


def _mark_hung_up(notification_id: int) -> None:
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        entry = {"status": notification.status, "at": timezone.now().isoformat(), "hangup": True}
        notification.status_history = [*notification.status_history, entry]
        notification.save(update_fields=["status_history", "updated_at"])


# How long after a mission ended the reconcile task still looks for its calls to end.
HANG_UP_LOOKBACK = timedelta(hours=1)


def missions_with_calls_to_end(*, now: datetime) -> list[int]:
    """Cancelled or aborted missions (ended within the last hour) with a call that may still ring
    and was never ended: a lost hang-up task, or one that ran out of runs, is caught here."""
    calls = Notification.objects.filter(
        alert__mission__status__in=RELEASES_TEAM,
        alert__mission__closed_at__gte=now - HANG_UP_LOOKBACK,
        channel=Channel.VOICE,
        status__in=LIVE_CALL,
        provider_sid__isnull=False,
    ).select_related("alert")
    return sorted({call.alert.mission_id for call in calls if not _hung_up(call)})


def hang_up_calls(*, mission_id: int, run: int = 0) -> list[int]:
    """End the calls of a cancelled or aborted mission that may still ring; returns the ids ended.

    Leaves at once if the mission is not (any longer) cancelled or aborted. A call not placed yet
    is left to the pipeline, which skips pages of a closed alert; one being placed right now
    (claimed, no provider id yet) is looked at again by a later run, as is a hang-up the
    provider could not take.
    """
    status = Mission.objects.filter(pk=mission_id).values_list("status", flat=True).first()
    if status not in RELEASES_TEAM:
        return []
    calls = list(
        Notification.objects.filter(
            alert__mission_id=mission_id, channel=Channel.VOICE, status__in=(*LIVE_CALL, *NOT_PLACED_YET)
        ).order_by("pk")
    )
    ended: list[int] = []
    again = False
    backend = None
    for call in calls:
        if _hung_up(call):
            continue
        if not call.provider_sid:
            again = True
            continue
        backend = backend or get_backend()
        result = backend.end_call(sid=call.provider_sid)
        if result.ok:
            _mark_hung_up(call.pk)
            ended.append(call.pk)
        elif result.retryable:
            again = True
        else:
            logger.warning("could not hang up call %s (%s): %s", call.pk, call.provider_sid, result.error_reason)
    if again and run + 1 < HANG_UP_RUNS:
        scheduling.enqueue(HANG_UP_TASK, (mission_id, run + 1), countdown=retry_delay_s(run))
    return ended
