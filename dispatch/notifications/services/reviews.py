"""Reminding the coordinators and the referring doctor to review advice at its `review_at`.

Advice is not a dead end: a mission that enters `advice_given` with a review time gets a task,
enqueued on commit with a countdown to that time. The task re-reads the mission and reminds
only if it is still `advice_given` with the same review time and nobody was reminded of it yet,
so a duplicate or stale task does nothing; the periodic reconcile task catches an enqueue that
was lost (`overdue_reviews`). One `mission.review_due` event, one SMS per number, sent on commit.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from dispatch import scheduling
from dispatch.models import EventSource, Mission, MissionEvent, MissionStatus
from dispatch.notifications import selectors, texts
from dispatch.notifications.models import Purpose
from dispatch.notifications.services.delivery import queue_message
from dispatch.registry import Transition
from dispatch.roles import display_name
from dispatch.services.timeline import record_event

logger = logging.getLogger(__name__)

REVIEW_TASK = "notifications.remind_review"
# A reminder this late (the service was down) is no longer sent: the advice has long been acted on.
LATE_LIMIT = timedelta(hours=24)


def on_mission_transition(transition: Transition) -> None:
    """Called by `alerts.on_mission_transition`: schedule the reminder when advice has a review time."""
    mission = transition.mission
    if transition.to_status == MissionStatus.ADVICE_GIVEN and mission.review_at is not None:
        schedule_reminder(mission)


def schedule_reminder(mission: Mission) -> None:
    """Enqueue the reminder on commit, due at the mission's review time."""
    review_at = mission.review_at
    delay = max(0.0, (review_at - timezone.now()).total_seconds())
    scheduling.enqueue_on_commit(
        REVIEW_TASK,
        (mission.pk, review_at.isoformat()),
        countdown=delay,
        task_id=f"review-{mission.pk}-{int(review_at.timestamp())}",
    )


def _already_reminded(mission: Mission) -> bool:
    # The reminder never runs before the review time, so its event is never older than it.
    return MissionEvent.objects.filter(
        mission=mission, kind="mission.review_due", created_at__gte=mission.review_at
    ).exists()


def remind_review(*, mission_id: int, review_at: str) -> list[int]:
    """Remind of the advice review if it is still due (see the module docstring); returns the SMS ids."""
    wanted = datetime.fromisoformat(review_at)
    with transaction.atomic():
        mission = (
            Mission.objects.select_for_update(of=("self",)).select_related("referring_hospital").filter(pk=mission_id).first()
        )
        if mission is None or mission.status != MissionStatus.ADVICE_GIVEN or mission.review_at != wanted:
            return []
        early = (mission.review_at - timezone.now()).total_seconds()
        if early > 0:  # a timer that fired early: come back at the review time
            scheduling.enqueue_on_commit(REVIEW_TASK, (mission.pk, review_at), countdown=early)
            return []
        if _already_reminded(mission):
            return []
        coordinators = [c for c in selectors.coordinators() if selectors.phone_of(c)]
        callback = str(mission.callback_phone or "")
        event = record_event(
            mission=mission,
            kind="mission.review_due",
            source=EventSource.SYSTEM,
            payload={
                "review_at": mission.review_at.isoformat(),
                "members": [display_name(c) for c in coordinators],
                "callback_phone": bool(callback),
            },
        )
        ids: list[int] = []
        numbers: set[str] = set()
        for coordinator in coordinators:
            number = selectors.phone_of(coordinator)
            if number in numbers:
                continue
            numbers.add(number)
            body = texts.review_due_for_coordinator(mission)
            ids.append(
                queue_message(
                    purpose=Purpose.REVIEW_DUE,
                    to_number=number,
                    body=body,
                    mission=mission,
                    event=event,
                    recipient=coordinator,
                ).pk
            )
        if callback and callback not in numbers:
            body = texts.review_due_for_referrer(mission)
            referrer = queue_message(
                purpose=Purpose.REVIEW_DUE, to_number=callback, body=body, mission=mission, event=event
            )
            ids.append(referrer.pk)
    return ids


def overdue_reviews(*, now: datetime, grace: timedelta) -> QuerySet[Mission]:
    """Advice missions whose review time passed `grace` ago without a reminder (a lost enqueue)."""
    reminded = MissionEvent.objects.filter(
        mission=OuterRef("pk"), kind="mission.review_due", created_at__gte=OuterRef("review_at")
    )
    return Mission.objects.filter(
        status=MissionStatus.ADVICE_GIVEN, review_at__lte=now - grace, review_at__gte=now - LATE_LIMIT
    ).exclude(Exists(reminded))
