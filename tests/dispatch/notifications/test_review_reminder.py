"""Advice with a review time: at that time the coordinators and the referring doctor are reminded."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Mission, MissionEvent, MissionStatus
from dispatch.notifications.models import Notification, Purpose
from dispatch.notifications.services.reviews import remind_review
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.services.missions import transition_mission
from tests.support import factories

CALLBACK = "+38641555222"
COORDINATOR_PHONE = "+38640999111"


def advise(mission, coordinator, *, in_s: float) -> str:
    review_at = timezone.now() + timedelta(seconds=in_s)
    transition_mission(
        mission_id=mission.pk, to_status=MissionStatus.ADVICE_GIVEN, actor=coordinator, source="web",
        review_at=review_at,
    )
    return Mission.objects.get(pk=mission.pk).review_at.isoformat()


def test_at_the_review_time_coordinator_and_referrer_are_texted(twilio):
    coordinator = factories.make_coordinator(phone=COORDINATOR_PHONE)
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW, callback_phone=CALLBACK)

    advise(mission, coordinator, in_s=1.5)

    referrer = twilio.phone(CALLBACK).expect_sms(contains=f"review the advice for {mission.code}", timeout=8)
    twilio.phone(COORDINATOR_PHONE).expect_sms(contains=f"{mission.code}: review the advice", timeout=3)
    assert MissionEvent.objects.filter(mission=mission, kind="mission.review_due").count() == 1
    assert referrer.last_sms.time >= Mission.objects.get(pk=mission.pk).review_at.timestamp()


@pytest.mark.django_db
def test_no_reminder_once_the_mission_was_re_opened(console):
    coordinator = factories.make_coordinator(phone=COORDINATOR_PHONE)
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW, callback_phone=CALLBACK)
    review_at = advise(mission, coordinator, in_s=60)
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.UNDER_REVIEW, actor=coordinator, source="web")

    assert remind_review(mission_id=mission.pk, review_at=review_at) == []
    assert not MissionEvent.objects.filter(mission=mission, kind="mission.review_due").exists()


@pytest.mark.django_db
def test_a_duplicate_reminder_task_texts_nobody_twice(console):
    factories.make_coordinator(phone=COORDINATOR_PHONE)
    past = timezone.now() - timedelta(seconds=5)
    mission = factories.MissionFactory(status=MissionStatus.ADVICE_GIVEN, callback_phone=CALLBACK)
    Mission.objects.filter(pk=mission.pk).update(review_at=past)

    first = remind_review(mission_id=mission.pk, review_at=past.isoformat())
    second = remind_review(mission_id=mission.pk, review_at=past.isoformat())

    assert len(first) == 2 and second == []
    sms = Notification.objects.filter(mission=mission, purpose=Purpose.REVIEW_DUE)
    assert sorted(sms.values_list("to_number", flat=True)) == sorted([CALLBACK, COORDINATOR_PHONE])


@pytest.mark.django_db
def test_reconcile_sends_a_reminder_whose_task_was_lost(console):
    past = timezone.now() - timedelta(seconds=30)
    mission = factories.MissionFactory(status=MissionStatus.ADVICE_GIVEN, callback_phone=CALLBACK)
    Mission.objects.filter(pk=mission.pk).update(review_at=past)

    assert reconcile_paging.run()["overdue_reviews"] == 1

    assert Notification.objects.filter(mission=mission, purpose=Purpose.REVIEW_DUE, to_number=CALLBACK).exists()
    assert reconcile_paging.run()["overdue_reviews"] == 0
