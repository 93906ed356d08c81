"""Reads of records, debriefs and follow-ups, always through the mission scoping of `dispatch.selectors`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch import selectors as dispatch_selectors
from dispatch.errors import NotVisible
from dispatch.models import Mission, MissionStatus

# A debrief follows a mission the team went out on and that has ended.
DEBRIEFED_STATUSES: frozenset[str] = frozenset({MissionStatus.COMPLETED, MissionStatus.ABORTED})


def record_visible_to(user, mission_id: int) -> Mission:
    """The mission if the user may read its record; NotVisible (404) otherwise.

    Coordinators read every record; team members the missions they were on; referrers their own
    hospital's. A drill is a rehearsal of the centre's own team, so only coordinators read its record.
    """
    mission = dispatch_selectors.missions_visible_to(user).filter(pk=mission_id).first()
    if mission is None or (mission.is_drill and not roles.is_coordinator(user)):
        raise NotVisible(_("Mission not found."))
    return mission


def debrief_due_at(closed_at: datetime) -> datetime:
    return closed_at + timedelta(hours=settings.DEBRIEF_DUE_H)


def missions_awaiting_debrief() -> QuerySet[Mission]:
    """Real (not drill) completed or aborted missions without a debrief, the longest waiting first."""
    return (
        Mission.objects.select_related("referring_hospital")
        .filter(status__in=DEBRIEFED_STATUSES, is_drill=False, debrief__isnull=True, closed_at__isnull=False)
        .order_by("closed_at", "pk")
    )


@dataclass(frozen=True)
class DueDebrief:
    mission: Mission
    due_at: datetime
    overdue: bool


def debriefs_due(*, now: datetime | None = None) -> list[DueDebrief]:
    """Each mission waiting for its debrief, with when it is due (DEBRIEF_DUE_H after closing)."""
    now = now or timezone.now()
    found = []
    for mission in missions_awaiting_debrief():
        due_at = debrief_due_at(mission.closed_at)
        found.append(DueDebrief(mission=mission, due_at=due_at, overdue=due_at < now))
    return found


def may_debrief(user, mission: Mission) -> bool:
    """Coordinators, and the team members who were on the mission."""
    if roles.is_coordinator(user):
        return True
    return roles.is_team_member(user) and mission.assignments.filter(member=user).exists()
