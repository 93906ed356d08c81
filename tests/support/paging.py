"""Shared helpers for paging tests: settings aimed at the fake Twilio, an on-call roster, an activation."""

import re
from collections import Counter
from datetime import timedelta

from django.utils import timezone

from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import Shift, Tier
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories

APP_NUMBER = "+15005550006"

FAST = {
    "ESCALATION_SMS_WAIT_S": 1,
    "ESCALATION_CALL_WAIT_S": 1,
    "ESCALATION_BACKUP_WAIT_S": 1,
    "ESCALATION_EVERYONE_WAIT_S": 1,
    "ESCALATION_CALL_ATTEMPTS": 2,
    "ESCALATION_CALL_RING_TIMEOUT_S": 5,
    "TWILIO_RETRY_BASE_S": 0.01,
    "TWILIO_RETRY_MAX_S": 0.05,
    "TWILIO_HTTP_TIMEOUT_S": 2.0,
    "SMS_VALIDITY_PERIOD_S": 300,
}


def point_at_fake(settings, fake: FakeTwilio, public_url: str) -> None:
    settings.NOTIFICATION_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake.account_sid
    settings.TWILIO_AUTH_TOKEN = fake.auth_token
    settings.TWILIO_FROM_NUMBER = APP_NUMBER
    settings.TWILIO_API_BASE_URL = fake.base_url
    settings.PUBLIC_BASE_URL = public_url.rstrip("/")
    for name, value in FAST.items():
        setattr(settings, name, value)
    fake.inbound_sms_url = f"{settings.PUBLIC_BASE_URL}/api/v1/twilio/sms/"


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


def busy_on_another_mission(member, status: str = MissionStatus.EN_ROUTE_OUT):
    """Put `member` on the team of another mission in `status` (accepted, or on the road)."""
    other = factories.MissionFactory(status=status)
    factories.assign(other, member)
    return other


def end_mission(mission, to_status: str = MissionStatus.CANCELLED, outcome: str = "patient_died", actor=None):
    """Cancel (or abort) a mission through the state machine, with its reason and outcome."""
    return transition_mission(
        mission_id=mission.pk,
        to_status=to_status,
        actor=actor or factories.make_coordinator(),
        source="web",
        reason="clinical reason",
        outcome=outcome,
    )


# The notification a request to the fake Twilio is for: its status callback URL names it.
CALLBACK_ID = re.compile(r"/api/v1/twilio/(?:sms|call)-status/(\d+)/$")


def sends_per_notification(fake: FakeTwilio) -> Counter:
    """How many times each page was accepted by the fake Twilio (its status callback names it)."""
    sent = Counter()
    for request in fake.requests:
        match = CALLBACK_ID.search(request.get("StatusCallback") or "")
        if request.status == 201 and match:
            sent[int(match[1])] += 1
    return sent
