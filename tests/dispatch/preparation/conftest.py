"""Fixtures of the preparation checklist: the shipped items, an activated mission, the fake Twilio."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import scheduling
from dispatch.models import EventSource, MissionStatus, TeamRole
from dispatch.preparation.defaults import load_default_items
from dispatch.preparation.models import PreparationItem
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories
from tests.support.paging import point_at_fake

REFERRER_PHONE = "+38641777111"


@pytest.fixture
def items(db):
    """The shipped items (a transactional test elsewhere may have emptied the table)."""
    load_default_items(PreparationItem)
    return list(PreparationItem.objects.order_by("order"))


def activated_mission(coordinator, *, minutes_ago: float = 0, **fields):
    """A referral under review, activated through the state machine (`minutes_ago`: when it happened)."""
    now = timezone.now()
    fields.setdefault("requested_at", now - timedelta(minutes=minutes_ago + 30))
    fields.setdefault("status_changed_at", fields["requested_at"])
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW,
        callback_phone=REFERRER_PHONE,
        required_roles=[TeamRole.ECMO_PHYSICIAN],
        **fields,
    )
    transition_mission(
        mission_id=mission.pk,
        to_status=MissionStatus.TEAM_ACTIVATED,
        actor=coordinator,
        source=EventSource.WEB,
        occurred_at=now - timedelta(minutes=minutes_ago) if minutes_ago else None,
    )
    mission.refresh_from_db()
    return mission


@pytest.fixture
def fake_twilio():
    with FakeTwilio(callback_delay=0.02) as fake:
        yield fake


@pytest.fixture
def twilio(settings, committed_db, live_server, fake_twilio):
    """The app on a live server, sending through the real twilio client to the fake; timers in-process."""
    point_at_fake(settings, fake_twilio, live_server.url)
    settings.SINGLE_PROCESS = True
    load_default_items(PreparationItem)
    yield fake_twilio
    scheduling.cancel_pending()
    fake_twilio.reset()
