"""Standby during review, and the stand-down when the referral ends without the team."""

import pytest

from dispatch.models import MissionEvent, MissionStatus, TeamRole
from dispatch.notifications.models import Notification, Purpose, Tier
from dispatch.roles import display_name
from dispatch.services.missions import transition_mission
from tests.support import factories
from tests.support.paging import busy_on_another_mission, on_call, phone_of

ROLES = [TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST]


def under_review(**kwargs):
    return factories.MissionFactory(**{"status": MissionStatus.UNDER_REVIEW, "required_roles": ROLES, **kwargs})


def standby(client_for, mission, user=None):
    return client_for(user or factories.make_coordinator()).post(f"/api/v1/missions/{mission.pk}/standby/")


def test_standby_texts_the_on_call_primary_of_each_role_with_code_and_hospital(twilio, client_for):
    physician, perfusionist = on_call(TeamRole.ECMO_PHYSICIAN), on_call(TeamRole.PERFUSIONIST)
    mission = under_review()

    assert standby(client_for, mission).status_code == 200

    for person in (physician, perfusionist):
        body = twilio.phone(phone_of(person)).expect_sms(contains="possible ECMO activation").last_sms.body
        assert mission.code in body and mission.referring_hospital.name in body
        assert str(mission.patient_age) not in body  # no patient data by SMS


@pytest.mark.django_db
def test_standby_records_who_was_told_for_which_roles(console, client_for):
    physician, perfusionist = on_call(TeamRole.ECMO_PHYSICIAN), on_call(TeamRole.PERFUSIONIST)
    mission = under_review()

    body = standby(client_for, mission).json()

    event = MissionEvent.objects.get(mission=mission, kind="mission.standby")
    assert event.payload["members"] == [display_name(physician), display_name(perfusionist)]
    assert event.payload["team_roles"] == ROLES
    assert body["sent_to"] == event.payload["members"] and body["event_sequence"] == event.sequence


@pytest.mark.django_db
def test_a_second_standby_in_the_same_review_tells_nobody_twice(console, client_for):
    on_call(TeamRole.ECMO_PHYSICIAN)
    mission = under_review()
    standby(client_for, mission)

    again = standby(client_for, mission)

    assert again.status_code == 200 and again.json()["sent_to"] == []
    assert Notification.objects.filter(mission=mission, purpose=Purpose.STANDBY).count() == 1
    assert MissionEvent.objects.filter(mission=mission, kind="mission.standby").count() == 1


@pytest.mark.django_db
def test_a_busy_primary_gets_no_standby_the_backup_does(console, client_for):
    primary, backup = on_call(TeamRole.PERFUSIONIST), on_call(TeamRole.PERFUSIONIST, tier=Tier.BACKUP)
    busy_on_another_mission(primary)
    mission = under_review(required_roles=[TeamRole.PERFUSIONIST])

    standby(client_for, mission)

    told = Notification.objects.filter(mission=mission, purpose=Purpose.STANDBY).values_list("recipient", flat=True)
    assert set(told) == {backup.pk}


@pytest.mark.django_db
def test_standby_is_for_coordinators_only(client_for):
    mission = under_review()
    referrer = factories.make_referrer(mission.referring_hospital)
    assert standby(client_for, mission, referrer).status_code == 403


@pytest.mark.django_db
def test_standby_of_a_mission_one_may_not_see_is_404(client_for):
    mission = under_review()
    elsewhere = factories.make_referrer(factories.regional_hospital("SBCE"))
    assert standby(client_for, mission, elsewhere).status_code == 404


@pytest.mark.django_db
def test_standby_outside_the_review_is_409(client_for):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED)
    response = standby(client_for, mission)
    assert response.status_code == 409
    assert not MissionEvent.objects.filter(mission=mission, kind="mission.standby").exists()


def test_declining_the_referral_stands_the_standby_team_down(twilio, client_for):
    physician = on_call(TeamRole.ECMO_PHYSICIAN)
    mission = under_review(required_roles=[TeamRole.ECMO_PHYSICIAN])
    coordinator = factories.make_coordinator()
    standby(client_for, mission, coordinator)
    phone = twilio.phone(phone_of(physician)).expect_sms(contains="possible ECMO activation")

    transition_mission(
        mission_id=mission.pk, to_status=MissionStatus.DECLINED, actor=coordinator, source="web", reason="No"
    )

    phone.expect_sms(contains=f"{mission.code}: STAND DOWN. Referral declined")
    event = MissionEvent.objects.get(mission=mission, kind="team.stood_down")
    assert event.payload["members"] == [display_name(physician)] and event.payload["to_status"] == "declined"


@pytest.mark.django_db
def test_a_re_opened_review_is_a_new_standby(console, client_for):
    on_call(TeamRole.ECMO_PHYSICIAN)
    coordinator = factories.make_coordinator()
    mission = under_review(required_roles=[TeamRole.ECMO_PHYSICIAN])
    standby(client_for, mission, coordinator)
    for to_status in (MissionStatus.ADVICE_GIVEN, MissionStatus.UNDER_REVIEW):
        transition_mission(mission_id=mission.pk, to_status=to_status, actor=coordinator, source="web")

    again = standby(client_for, mission, coordinator).json()

    assert len(again["sent_to"]) == 1
    assert Notification.objects.filter(mission=mission, purpose=Purpose.STANDBY).count() == 2


@pytest.mark.django_db
def test_a_conventional_transfer_then_cancelled_stands_the_standby_team_down_once(console, client_for):
    on_call(TeamRole.ECMO_PHYSICIAN)
    coordinator = factories.make_coordinator()
    mission = under_review(required_roles=[TeamRole.ECMO_PHYSICIAN])
    standby(client_for, mission, coordinator)
    transition_mission(
        mission_id=mission.pk, to_status=MissionStatus.CONVENTIONAL_TRANSFER, actor=coordinator, source="web"
    )

    transition_mission(
        mission_id=mission.pk, to_status=MissionStatus.CANCELLED, actor=coordinator, source="web",
        reason="died before transfer", outcome="patient_died",
    )

    assert Notification.objects.filter(mission=mission, purpose=Purpose.STAND_DOWN).count() == 1
