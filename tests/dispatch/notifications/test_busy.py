"""Busy team members: someone on another active mission is passed over by automatic paging."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Mission, MissionEvent, MissionStatus, TeamRole
from dispatch.notifications.models import Alert, Notification, Shift, Tier
from dispatch.notifications.selectors import role_coverage, roster_readiness
from dispatch.notifications.services.alerts import page_member
from dispatch.notifications.services.escalation import run_due_step
from dispatch.roles import display_name
from tests.support import factories
from tests.support.paging import activate, busy_on_another_mission, on_call, phone_of

PERFUSIONIST = TeamRole.PERFUSIONIST


def run_first_step(mission) -> Alert:
    alert = Alert.objects.get(mission=mission)
    Alert.objects.filter(pk=alert.pk).update(next_step_due_at=timezone.now())
    run_due_step(alert_id=alert.pk, token=str(alert.active_token))
    return alert


def test_a_busy_perfusionist_is_skipped_and_the_backup_is_paged_first(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 60  # the primary's own steps would otherwise come first
    primary, backup = on_call(PERFUSIONIST), on_call(PERFUSIONIST, tier=Tier.BACKUP)
    busy_on_another_mission(primary)

    mission = activate(roles=(PERFUSIONIST,))

    twilio.phone(phone_of(backup)).expect_sms(contains=mission.code, timeout=5)
    twilio.phone(phone_of(primary)).expect_no_sms(within=0.5).expect_no_call(within=0.1)
    assert not Notification.objects.filter(alert__mission=mission, recipient=primary).exists()


@pytest.mark.django_db
def test_the_page_names_who_was_passed_over_as_busy(console):
    primary, _backup = on_call(PERFUSIONIST), on_call(PERFUSIONIST, tier=Tier.BACKUP)
    other = busy_on_another_mission(primary)
    mission = activate(roles=(PERFUSIONIST,))

    run_first_step(mission)

    paged = MissionEvent.objects.get(mission=mission, kind="alert.paged")
    assert paged.payload["tier"] == "backup"
    assert paged.payload["busy"] == [{"member": display_name(primary), "mission_code": other.code}]


@pytest.mark.django_db
def test_someone_on_a_finished_mission_is_not_busy(console):
    primary = on_call(PERFUSIONIST)
    busy_on_another_mission(primary, status=MissionStatus.COMPLETED)
    mission = activate(roles=(PERFUSIONIST,))

    run_first_step(mission)

    assert Notification.objects.filter(alert__mission=mission, recipient=primary, channel="sms").exists()


@pytest.mark.django_db
def test_a_coordinator_may_still_page_a_busy_member_by_hand(console):
    coordinator = factories.make_coordinator()
    primary = on_call(PERFUSIONIST)
    busy_on_another_mission(primary)
    mission = activate(roles=(PERFUSIONIST,), coordinator=coordinator)

    page_member(mission_id=mission.pk, team_role=PERFUSIONIST, member_id=primary.pk, actor=coordinator)

    assert Notification.objects.filter(alert__mission=mission, recipient=primary, channel="sms").exists()


@pytest.mark.django_db
def test_coverage_names_the_on_call_people_busy_elsewhere():
    primary = on_call(PERFUSIONIST)
    other = busy_on_another_mission(primary)
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW, required_roles=[PERFUSIONIST])

    coverage = role_coverage([mission])[mission.pk]

    assert coverage[PERFUSIONIST]["busy"] == [{"member": display_name(primary), "mission_code": other.code}]


def _prefetched(missions) -> list[Mission]:
    return list(Mission.objects.filter(pk__in=[m.pk for m in missions]).prefetch_related("assignments__member"))


@pytest.mark.django_db
def test_coverage_of_many_missions_costs_one_query_for_who_is_busy(django_assert_max_num_queries):
    missions = [factories.MissionFactory(status=MissionStatus.REQUESTED) for _ in range(2)]
    few = _prefetched(missions)
    with django_assert_max_num_queries(1):  # no alerts before activation: only the busy lookup
        role_coverage(few)
    for _ in range(4):
        missions.append(factories.MissionFactory(status=MissionStatus.UNDER_REVIEW))
        busy_on_another_mission(on_call(PERFUSIONIST))
    many = _prefetched(missions)
    with django_assert_max_num_queries(1):
        coverage = role_coverage(many)
    assert all(len(coverage[m.pk][PERFUSIONIST]["busy"]) == 4 for m in missions)


@pytest.mark.django_db
def test_readiness_counts_a_busy_member_as_unavailable_and_says_where_they_are():
    nurse = on_call(TeamRole.NURSE)
    other = busy_on_another_mission(nurse)

    nurses = roster_readiness()["roles"][TeamRole.NURSE]

    assert nurses["covered_now"] is False and nurses["on_call_now"] == []
    assert nurses["busy"] == [{"member": display_name(nurse), "mission_code": other.code}]


@pytest.mark.django_db
def test_readiness_still_counts_a_busy_members_later_shift():
    nurse = on_call(TeamRole.NURSE)
    busy_on_another_mission(nurse)
    now = timezone.now()
    later = Shift.objects.create(
        member=nurse, team_role=TeamRole.NURSE, tier=Tier.PRIMARY,
        starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=30),
    )

    gaps = roster_readiness(now=now)["roles"][TeamRole.NURSE]["gaps"]

    assert gaps[0]["end"] == later.starts_at.isoformat()
