"""Fixtures for roster self-service: page clients, the fake Twilio as the alerting tests use it."""

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dispatch.notifications.models import Shift
from tests.dispatch.notifications.conftest import console, fake_twilio, twilio  # noqa: F401


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(day, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def shift(member, start: datetime, hours: float, *, tier: str = "primary", team_role: str | None = None) -> Shift:
    return Shift.objects.create(
        member=member,
        team_role=team_role or member.profile.team_role,
        tier=tier,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )


@pytest.fixture
def monday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())
