"""Activation drills: started by a coordinator, paged for real with "DRILL" first, ended by
themselves at team ready or at the timeout with a stand-down, never shown to referrers."""

import pytest
from django.utils import timezone

from dispatch.drills import services
from dispatch.models import Mission, MissionEvent, MissionStatus, Outcome, TeamRole
from dispatch.notifications.models import Alert, AlertRecipient, Notification, Purpose
from dispatch.notifications.selectors import busy_elsewhere
from tests.support import factories
from tests.support.clients import api_client_for
from tests.support.paging import on_call, phone_of
from tests.support.waiting import wait_until

ONE_ROLE = {"required_roles": [TeamRole.ECMO_PHYSICIAN]}


def start(coordinator=None, **body) -> dict:
    response = api_client_for(coordinator or factories.make_coordinator()).post("/api/v1/drills/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- starting ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_coordinator_starts_a_drill_at_the_centre_and_the_team_is_paged(console):
    on_call()
    body = start(**ONE_ROLE)

    mission = Mission.objects.get(pk=body["id"])
    assert body["is_drill"] is True and mission.is_drill
    assert mission.status == MissionStatus.TEAM_ACTIVATED
    assert mission.referring_hospital == mission.receiving_centre == factories.ecmo_centre()
    assert Alert.objects.filter(mission=mission, team_role=TeamRole.ECMO_PHYSICIAN).exists()


@pytest.mark.django_db
def test_a_second_drill_while_one_runs_is_a_409_and_pages_nobody_again(console, coordinator_api):
    on_call()
    first = start(**ONE_ROLE)
    pages = AlertRecipient.objects.count()

    response = coordinator_api.post("/api/v1/drills/", ONE_ROLE, format="json")

    assert response.status_code == 409
    assert first["code"] in response.json()["detail"]
    assert Mission.objects.filter(is_drill=True).count() == 1
    assert AlertRecipient.objects.count() == pages


@pytest.mark.django_db
def test_a_drill_may_be_held_at_a_chosen_hospital(console):
    hospital = factories.regional_hospital("SBCE")
    body = start(hospital_id=hospital.pk, **ONE_ROLE)
    assert body["referring_hospital"]["code"] == "SBCE"


@pytest.mark.django_db
def test_an_unknown_hospital_is_a_400_on_its_field(console, coordinator_api):
    response = coordinator_api.post("/api/v1/drills/", {"hospital_id": 999999}, format="json")
    assert response.status_code == 400
    assert "hospital_id" in response.json()
    assert not Mission.objects.filter(is_drill=True).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["team_member_api", "referrer_api"])
def test_only_coordinators_start_or_list_drills(console, who, request):
    client = request.getfixturevalue(who)
    assert client.post("/api/v1/drills/", {}, format="json").status_code == 403
    assert client.get("/api/v1/drills/").status_code == 403
    assert not Mission.objects.exists()


# --- every text starts with DRILL ------------------------------------------------------------


def test_drill_sms_and_call_start_with_drill_at_the_fake_twilio(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 0.2  # the call follows the SMS quickly
    primary = on_call()
    body = start(**ONE_ROLE)

    phone = twilio.phone(phone_of(primary)).expect_sms(contains=body["code"])
    assert phone.last_sms.body.startswith("DRILL: ")
    call = phone.expect_call(timeout=5)
    assert call.call.says[0].startswith("DRILL. ")


def test_a_slovene_member_reads_vaja_first(twilio):
    primary = on_call(language="sl")
    body = start(**ONE_ROLE)

    phone = twilio.phone(phone_of(primary)).expect_sms(contains=body["code"])
    assert phone.last_sms.body.startswith("VAJA: ")


def test_a_real_mission_page_has_no_drill_word(twilio):
    from tests.support.paging import activate

    primary = on_call()
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    assert "DRILL" not in phone.last_sms.body


# --- ending ------------------------------------------------------------------------------------


def test_the_drill_ends_at_team_ready_and_everyone_paged_stands_down(twilio):
    physician, nurse = on_call(), on_call(TeamRole.NURSE)
    body = start(required_roles=[TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE])
    code = body["code"]

    twilio.phone(phone_of(physician)).expect_sms(contains=code).reply("1")
    twilio.phone(phone_of(nurse)).expect_sms(contains=code).reply("1")

    for member in (physician, nurse):
        twilio.phone(phone_of(member)).expect_sms(contains=f"DRILL: {code}: STAND DOWN")
    mission = Mission.objects.get(pk=body["id"])
    assert (mission.status, mission.outcome) == (MissionStatus.CANCELLED, Outcome.DRILL_ENDED)
    assert mission.team_ready_at is not None
    stood_down = MissionEvent.objects.get(mission=mission, kind="team.stood_down")
    assert stood_down.payload["outcome"] == Outcome.DRILL_ENDED


def test_a_drill_nobody_completes_ends_at_its_timeout_with_a_stand_down(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 60  # the primary's page stays unanswered
    settings.DRILL_TIMEOUT_MIN = 0.03  # ~2 s
    primary = on_call()
    body = start(**ONE_ROLE)
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=body["code"])

    phone.expect_sms(contains=f"DRILL: {body['code']}: STAND DOWN", timeout=8)
    mission = Mission.objects.get(pk=body["id"])
    assert (mission.status, mission.outcome) == (MissionStatus.CANCELLED, Outcome.DRILL_ENDED)
    assert "time is up" in mission.close_reason


@pytest.mark.django_db
def test_the_timeout_does_nothing_before_its_time_or_twice(console, settings):
    settings.DRILL_TIMEOUT_MIN = 30
    on_call()
    mission = Mission.objects.get(pk=start(**ONE_ROLE)["id"])

    assert services.end_if_due(mission_id=mission.pk) is False  # not yet (a timer firing early)
    later = timezone.now() + timezone.timedelta(minutes=31)
    assert services.end_if_due(mission_id=mission.pk, now=later) is True
    assert services.end_if_due(mission_id=mission.pk, now=later) is False
    assert MissionEvent.objects.filter(mission=mission, to_status=MissionStatus.CANCELLED).count() == 1


@pytest.mark.django_db
def test_the_sweep_ends_only_overdue_drills(console, settings):
    settings.DRILL_TIMEOUT_MIN = 30
    on_call()
    drill = Mission.objects.get(pk=start(**ONE_ROLE)["id"])
    real = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED, team_activated_at=timezone.now())
    Mission.objects.filter(pk__in=[drill.pk, real.pk]).update(
        team_activated_at=timezone.now() - timezone.timedelta(minutes=40)
    )

    assert services.end_overdue() == [drill.pk]
    real.refresh_from_db()
    assert real.status == MissionStatus.TEAM_ACTIVATED


@pytest.mark.django_db
def test_only_a_drill_ends_as_drill_ended(console, coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED)
    response = coordinator_api.post(
        f"/api/v1/missions/{mission.pk}/transitions/",
        {"to": "cancelled", "reason": "test", "outcome": Outcome.DRILL_ENDED},
        format="json",
    )
    assert response.status_code == 400 and "outcome" in response.json()
    assert services.end_drill(mission_id=mission.pk, reason="x") is False
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_ACTIVATED


# --- hidden from referrers, never keeping anyone from a real page ---------------------------------


@pytest.mark.django_db
def test_referrers_never_see_a_drill_at_their_hospital(console, referrer, referrer_api):
    drill = start(hospital_id=referrer.profile.hospital_id, **ONE_ROLE)
    real = factories.MissionFactory(referring_hospital=referrer.profile.hospital)

    listed = [m["id"] for m in referrer_api.get("/api/v1/missions/").json()]
    assert listed == [real.pk]
    assert referrer_api.get(f"/api/v1/missions/{drill['id']}/").status_code == 404
    assert referrer_api.get(f"/api/v1/missions/{drill['id']}/events/").status_code == 404
    referrer_api.force_login(referrer)
    home = referrer_api.get("/")
    assert drill["code"] not in home.content.decode() and real.code in home.content.decode()
    assert referrer_api.get(f"/referrals/{drill['id']}/").status_code == 404


@pytest.mark.django_db
def test_a_real_referral_is_never_taken_for_a_duplicate_of_a_drill(console, referrer, referrer_api):
    drill = start(hospital_id=referrer.profile.hospital_id, **ONE_ROLE)
    body = {"support": "vv", "patient_age": drill["patient_age"], "patient_sex": drill["patient_sex"],
            "patient_weight_kg": drill["patient_weight_kg"], "referring_physician": "Dr. Real",
            "callback_phone": "+38641222333"}

    response = referrer_api.post("/api/v1/missions/", body, format="json")

    assert response.status_code == 201, response.content
    assert drill["code"] not in response.content.decode()


@pytest.mark.django_db
def test_accepting_a_drill_never_makes_a_member_busy_for_a_real_page(console):
    member = factories.make_team_member()
    drill = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED, is_drill=True)
    factories.assign(drill, member)
    assert busy_elsewhere([member.pk]) == {}


# --- response times -----------------------------------------------------------------------------


def test_the_drill_list_gives_time_to_accept_per_role_and_person(twilio, coordinator):
    primary = on_call()
    body = start(coordinator, **ONE_ROLE)
    twilio.phone(phone_of(primary)).expect_sms(contains=body["code"]).reply("1")
    wait_until(lambda: Mission.objects.get(pk=body["id"]).status == MissionStatus.CANCELLED)

    drills = api_client_for(coordinator).get("/api/v1/drills/").json()
    assert [d["id"] for d in drills] == [body["id"]]
    role = drills[0]["roles"][0]
    recipient = AlertRecipient.objects.get(alert__mission_id=body["id"], member=primary)
    expected = round((recipient.responded_at - recipient.first_paged_at).total_seconds(), 1)
    assert role["team_role"] == TeamRole.ECMO_PHYSICIAN and role["time_to_accept_s"] == expected
    person = drills[0]["people"][0]
    assert (person["member_id"], person["response"], person["time_to_answer_s"]) == (primary.pk, "accepted", expected)
    assert drills[0]["time_to_team_ready_s"] is not None


@pytest.mark.django_db
def test_a_role_nobody_answered_has_no_time_not_zero(console, coordinator):
    on_call()
    body = start(coordinator, **ONE_ROLE)
    alert = Alert.objects.get(mission_id=body["id"])
    AlertRecipient.objects.create(alert=alert, member=factories.make_team_member(), tier="primary")

    drill = api_client_for(coordinator).get("/api/v1/drills/").json()[0]
    assert drill["roles"][0]["time_to_accept_s"] is None
    assert drill["people"][0]["time_to_answer_s"] is None
    assert not Notification.objects.filter(mission_id=body["id"], purpose=Purpose.DECISION).exists()
