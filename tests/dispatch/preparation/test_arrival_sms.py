"""The referring ICU's SMS through the fake Twilio: the expected arrival and the link on activation,
and an update only when the arrival moves by more than PREPARATION_ETA_UPDATE_MIN."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import EventSource, MissionStatus
from dispatch.notifications.models import Notification, Purpose
from dispatch.preparation.models import MissionPreparation
from dispatch.services.missions import correct_mission, transition_mission
from dispatch.tracking.services import record_position
from tests.dispatch.preparation.conftest import REFERRER_PHONE, activated_mission
from tests.support import factories
from tests.support.paging import sends_per_notification

S = MissionStatus


def _clock(at) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def _told(mission):
    return MissionPreparation.objects.get(mission=mission).told_arrival_at


def _travelling(coordinator, phone, *, departed_minutes_ago: int):
    """Activated 100 min ago, ready 90 min ago, left by road `departed_minutes_ago`; every SMS read."""
    mission = activated_mission(coordinator, minutes_ago=100)
    phone.expect_sms(contains="/preparation/").expect_sms(contains="/referrals/")  # and the decision
    now = timezone.now()
    for to, minutes, facts in (
        (S.TEAM_READY, 90, {}),
        (S.EN_ROUTE_OUT, departed_minutes_ago, {"transport_mode": "road"}),
    ):
        transition_mission(mission_id=mission.pk, to_status=to, actor=coordinator, source=EventSource.WEB,
                           occurred_at=now - timedelta(minutes=minutes), **facts)
    # Left long after the plan made at activation (a drive from then): the referrer was told the new time.
    phone.expect_sms(contains=_clock(_told(mission)))
    return mission


def _correct_departure(mission, coordinator, minutes_ago: int) -> None:
    correct_mission(
        mission_id=mission.pk, actor=coordinator, field="departed_at",
        value=(timezone.now() - timedelta(minutes=minutes_ago)).isoformat(), reason="left later", source="web",
    )


@pytest.mark.timeout(60)
def test_activation_texts_the_referrer_the_expected_arrival_and_the_checklist_link(twilio, settings):
    coordinator = factories.make_coordinator()

    mission = activated_mission(coordinator)

    phone = twilio.phone(REFERRER_PHONE).expect_sms(contains="/preparation/")
    body = phone.last_sms.body
    assert f"{settings.PUBLIC_BASE_URL}/missions/{mission.pk}/preparation/" in body
    assert _clock(_told(mission)) in body
    assert mission.code in body


@pytest.mark.timeout(60)
def test_an_arrival_ten_minutes_later_sends_nothing(twilio):
    coordinator = factories.make_coordinator()
    phone = twilio.phone(REFERRER_PHONE)
    mission = _travelling(coordinator, phone, departed_minutes_ago=60)
    told = _told(mission)

    _correct_departure(mission, coordinator, minutes_ago=50)

    phone.expect_no_sms(within=1.5)
    assert _told(mission) == told


@pytest.mark.timeout(60)
def test_an_arrival_twenty_minutes_later_sends_one_update_with_the_new_time(twilio):
    coordinator = factories.make_coordinator()
    phone = twilio.phone(REFERRER_PHONE)
    mission = _travelling(coordinator, phone, departed_minutes_ago=60)
    told = _told(mission)

    _correct_departure(mission, coordinator, minutes_ago=40)

    new = _told(mission)
    assert abs((new - told) - timedelta(minutes=20)) < timedelta(seconds=5)
    phone.expect_sms(contains=_clock(new))
    assert _clock(told) in phone.last_sms.body  # the time it replaces
    assert f"/missions/{mission.pk}/preparation/" in phone.last_sms.body
    phone.expect_no_sms(within=1.0)
    updates = Notification.objects.filter(mission=mission, purpose=Purpose.PREPARATION)
    assert all(count == 1 for count in sends_per_notification(twilio).values())
    assert updates.count() == 3  # activation, the late departure, this correction


@pytest.mark.timeout(60)
def test_small_moves_add_up_against_the_time_last_texted(twilio):
    coordinator = factories.make_coordinator()
    phone = twilio.phone(REFERRER_PHONE)
    mission = _travelling(coordinator, phone, departed_minutes_ago=60)

    _correct_departure(mission, coordinator, minutes_ago=50)  # +10: nothing
    phone.expect_no_sms(within=1.0)
    _correct_departure(mission, coordinator, minutes_ago=42)  # +18 from what the referrer was told

    phone.expect_sms(contains=_clock(_told(mission)))


@pytest.mark.timeout(60)
def test_a_position_near_the_hospital_brings_the_arrival_forward_by_sms(twilio):
    coordinator = factories.make_coordinator()
    phone = twilio.phone(REFERRER_PHONE)
    mission = _travelling(coordinator, phone, departed_minutes_ago=20)
    member = factories.make_team_member()
    factories.assign(mission, member)
    told = _told(mission)

    # A few km from Murska Sobota: minutes away, not the hour and more the departure implied.
    record_position(mission_id=mission.pk, member=member, latitude=46.62, longitude=16.15, recorded_at=timezone.now())

    assert _told(mission) < told - timedelta(minutes=15)
    phone.expect_sms(contains=_clock(_told(mission)))
