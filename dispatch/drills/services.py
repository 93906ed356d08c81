"""Activation drills: a mission flagged `is_drill` that pages the real on-call team through the
real escalation, and ends by itself at team ready or at its timeout, with a stand-down.

The drill is an ordinary mission for the state machine and the pager (`is_drill` is a core
field): it is opened and activated through `dispatch.services.missions`, so every page, call,
acceptance and stand-down runs the same code as a real retrieval. What differs lives elsewhere:
every text starts with "DRILL" (`dispatch.notifications.texts`), referrers never see it
(`dispatch.selectors`), and the metrics leave it out.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles, scheduling
from dispatch.errors import Conflict, NotAllowed, ValidationFailed
from dispatch.models import EventSource, Mission, MissionStatus, Outcome, Sex, Support
from dispatch.registry import Transition
from dispatch.roles import display_name
from dispatch.services.missions import create_mission, default_receiving_centre, transition_mission
from hospitals.models import Hospital

logger = logging.getLogger(__name__)

END_TASK = "drills.end_drill"
DRILL_LOCK = 0x45434D4F4452  # pg advisory lock key: "ECMODR"
# A drill is still running in these phases; the first is left for cancelled when it ends.
RUNNING = frozenset({MissionStatus.TEAM_ACTIVATED, MissionStatus.TEAM_READY})
# An in-process timer may fire a little early and still count as on time.
EARLY_TOLERANCE = timedelta(seconds=1)


def timeout() -> timedelta:
    return timedelta(minutes=settings.DRILL_TIMEOUT_MIN)


@transaction.atomic
def start_drill(
    *,
    actor,
    hospital_id: int | None = None,
    support: str = Support.VV,
    required_roles: list[str] | None = None,
    source: str = EventSource.API,
) -> Mission:
    """Open a drill at the centre itself (or at `hospital_id`) and activate the team at once.

    Coordinators only (403). The pages go out on commit, like a real activation's; the timeout
    is scheduled by `on_mission_transition`.
    """
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can start a drill."))
    centre = default_receiving_centre()
    hospital = centre
    if hospital_id is not None:
        hospital = Hospital.objects.filter(pk=hospital_id).first()
        if hospital is None:
            raise ValidationFailed({"hospital_id": [_("Unknown hospital.")]})
    if support not in Support.values:
        raise ValidationFailed({"support": [_("Choose one of: %s.") % ", ".join(Support.values)]})
    # One drill at a time: a double tap or a retried request must not page the real team twice.
    # (SQLite, the run command's default, writes one transaction at a time anyway.)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRILL_LOCK])
    running = Mission.objects.filter(is_drill=True, status__in=RUNNING).order_by("-pk").first()
    if running is not None:
        raise Conflict(
            _("Drill %(code)s is still running: end it before starting another.") % {"code": running.code}
        )
    mission = create_mission(
        created_by=actor,
        referring_hospital=hospital,
        receiving_centre=centre,
        support=support,
        patient_age=50,
        patient_sex=Sex.UNKNOWN,
        patient_weight_kg=Decimal("80"),
        referring_physician=display_name(actor),
        # No callback phone: a drill texts no referring doctor.
        callback_phone="",
        note=_("Activation drill started by %s.") % display_name(actor),
        required_roles=required_roles,
        source=source,
        is_drill=True,
    )
    transition_mission(
        mission_id=mission.pk,
        to_status=MissionStatus.TEAM_ACTIVATED,
        actor=actor,
        source=source,
        note=_("Activation drill"),
    )
    mission.refresh_from_db()
    return mission


def end_drill(*, mission_id: int, reason: str) -> bool:
    """End a running drill as the system (cancelled, outcome "drill ended"); everyone paged or on
    the team gets the stand-down of a cancelled mission. Returns False when it was not running
    (already ended, or not a drill): calling it twice is harmless."""
    mission = Mission.objects.filter(pk=mission_id, is_drill=True).only("status").first()
    if mission is None or mission.status not in RUNNING:
        return False
    try:
        transition_mission(
            mission_id=mission_id,
            to_status=MissionStatus.CANCELLED,
            actor=None,
            source=EventSource.SYSTEM,
            reason=reason,
            outcome=Outcome.DRILL_ENDED,
            expected_status=mission.status,
        )
    except Conflict:
        return False  # ended (or moved on) meanwhile by someone else
    return True


def end_if_due(*, mission_id: int, now: datetime | None = None) -> bool:
    """The timeout task: end the drill if it is still running and its time is up.

    Re-reads the database; a timer that fires early schedules itself again for the rest.
    """
    now = now or timezone.now()
    mission = Mission.objects.filter(pk=mission_id, is_drill=True).first()
    if mission is None or mission.status not in RUNNING:
        return False
    due = (mission.team_activated_at or mission.requested_at) + timeout()
    if now + EARLY_TOLERANCE < due:
        scheduling.enqueue(END_TASK, (mission_id,), countdown=(due - now).total_seconds())
        return False
    return end_drill(mission_id=mission_id, reason=_("Drill ended: time is up (%s min).") % _minutes())


def end_overdue(*, now: datetime | None = None) -> list[int]:
    """Beat: end every drill past its timeout (a timeout task that was lost). Returns their ids."""
    now = now or timezone.now()
    overdue = Mission.objects.filter(
        is_drill=True, status__in=RUNNING, team_activated_at__lte=now - timeout()
    ).values_list("pk", flat=True)
    return [pk for pk in overdue if end_if_due(mission_id=pk, now=now)]


def _minutes() -> str:
    return f"{settings.DRILL_TIMEOUT_MIN:g}"


def on_mission_transition(transition: Transition) -> None:
    """Subscribed at `Order.DRILL` (last). Activation: schedule the drill's timeout on commit.
    Team ready: the drill has done its job, so it ends now, in the same transaction (the system
    cancels it with the outcome "drill ended"; the stand-down goes out on commit)."""
    mission = transition.mission
    if not mission.is_drill:
        return
    if transition.to_status == MissionStatus.TEAM_ACTIVATED:
        scheduling.enqueue_on_commit(END_TASK, (mission.pk,), countdown=timeout().total_seconds())
    elif transition.to_status == MissionStatus.TEAM_READY:
        end_drill(mission_id=mission.pk, reason=_("Drill ended: every role accepted."))
