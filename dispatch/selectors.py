"""Reads shared by the API, pages, consumers and services. Scoping lives here, once."""

from django.db.models import Count, Max, Q, QuerySet, Subquery

from dispatch import registry, roles, statuses
from dispatch.models import EventSequence, Mission, MissionAssignment, MissionEvent


def missions_visible_to(user) -> QuerySet[Mission]:
    """Coordinators see all; team members their missions; referrers their hospital's only, never a
    drill (a drill pages the team for practice: no referring doctor is part of it)."""
    qs = Mission.objects.select_related("referring_hospital", "receiving_centre")
    if roles.is_coordinator(user):
        return qs
    scope = Q(pk__in=[])
    if roles.is_team_member(user):
        scope |= Q(pk__in=team_member_mission_ids(user))
    hospital_id = roles.referrer_hospital_id(user)
    if hospital_id is not None:
        scope |= Q(referring_hospital_id=hospital_id, is_drill=False)
    return qs.filter(scope)


def team_member_mission_ids(user) -> QuerySet:
    """Missions a team member is on (has accepted a role), or that a feature lets them see
    (`registry.contribute_visibility`: e.g. while they are being paged for it)."""
    scope = Q(pk__in=MissionAssignment.objects.filter(member=user).values("mission_id"))
    for extra in registry.visibility_contributions(user):
        scope |= Q(pk__in=extra)
    return Mission.objects.filter(scope).values("pk")


def mission_visible_to(user, mission_id: int) -> bool:
    return missions_visible_to(user).filter(pk=mission_id).exists()


def mission_list(*, user, status: list[str] | None = None, active: bool | None = None) -> QuerySet[Mission]:
    qs = missions_visible_to(user).prefetch_related("assignments__member")
    if status:
        qs = qs.filter(status__in=status)
    if active is True:
        qs = qs.filter(status__in=statuses.ACTIVE)
    elif active is False:
        qs = qs.exclude(status__in=statuses.ACTIVE)
    return qs


def mission_list_version(*, user, missions: QuerySet[Mission], filters: dict) -> str:
    """A cache key that changes whenever anything a mission list shows may have changed.

    Every change of state writes an event (the global sequence moves); other edits bump
    `updated_at`; a mission entering or leaving the scope changes the count.
    """
    sequence = EventSequence.objects.filter(pk=1).values("last_value")
    stats = missions.order_by().aggregate(n=Count("id"), latest=Max("updated_at"), seq=Max(Subquery(sequence)))
    if roles.is_coordinator(user):
        scope = "all"
    else:
        scope = f"u{user.pk}"
    latest = stats["latest"].timestamp() if stats["latest"] else 0
    wanted = ",".join(sorted(filters.get("status") or [])) + f"|{filters.get('active')}"
    return f"missions:v1:{scope}:{wanted}:{stats['seq']}:{stats['n']}:{latest}"


def mission_events(*, mission: Mission, after: int | None = None) -> QuerySet[MissionEvent]:
    qs = mission.events.select_related("actor")
    if after is not None:
        qs = qs.filter(sequence__gt=after)
    return qs.order_by("sequence")


def events_after(*, sequence: int, mission_ids: QuerySet | list[int] | None = None, limit: int = 1000):
    """Events after a sequence number, for replay to a reconnecting client."""
    qs = MissionEvent.objects.select_related("actor", "mission").filter(sequence__gt=sequence)
    if mission_ids is not None:
        qs = qs.filter(mission_id__in=mission_ids)
    return qs.order_by("sequence")[:limit]


def current_sequence() -> int:
    value = EventSequence.objects.filter(pk=1).values_list("last_value", flat=True).first()
    return value or 0
