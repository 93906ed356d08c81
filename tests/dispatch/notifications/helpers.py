"""Helpers for alerting tests: roster, activation, waiting."""

import time
from datetime import timedelta

from django.utils import timezone

from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import Shift, Tier
from dispatch.services.missions import transition_mission
from tests import factories


def on_call(team_role: str = TeamRole.ECMO_PHYSICIAN, tier: str = Tier.PRIMARY, **kwargs):
    """A team member with a shift running now."""
    member = factories.make_team_member(team_role, **kwargs)
    now = timezone.now()
    Shift.objects.create(
        member=member,
        team_role=team_role,
        tier=tier,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=24),
    )
    return member


def phone_of(member) -> str:
    return str(member.profile.phone)


def activate(roles=(TeamRole.ECMO_PHYSICIAN,), coordinator=None):
    """A mission under review, activated by a coordinator through the state machine."""
    coordinator = coordinator or factories.make_coordinator()
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW, required_roles=list(roles))
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.TEAM_ACTIVATED, actor=coordinator, source="web")
    return mission


def wait_until(predicate, timeout: float = 8, message: str = "condition not met"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.05)
