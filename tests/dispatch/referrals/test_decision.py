import logging

import pytest

from dispatch.models import EventSource, MissionStatus
from dispatch.notifications.models import PENDING, Notification, Purpose
from dispatch.notifications.services.delivery import deliver
from dispatch.referrals import decision
from dispatch.referrals.selectors import referral_summary
from dispatch.services.missions import transition_mission
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission_id(referrer_api, vv_referral, coordinator_api) -> int:
    mission_id = referrer_api.post("/api/v1/referrals/", vv_referral, format="json").json()["mission_id"]
    coordinator_api.post(f"/api/v1/missions/{mission_id}/transitions/", {"to": "under_review"}, format="json")
    return mission_id


def decide(coordinator_api, mission_id: int, to: str, **extra):
    response = coordinator_api.post(f"/api/v1/missions/{mission_id}/transitions/", {"to": to, **extra}, format="json")
    assert response.status_code == 200, response.json()
    return response


@pytest.mark.parametrize(
    ("to", "extra", "words"),
    [
        ("declined", {"reason": "Moribund, multiorgan failure"}, "DECLINED. Reason: Moribund, multiorgan failure"),
        ("advice_given", {"note": "Try prone 16 h first"}, "ADVICE given, no transfer for now. Note: Try prone 16 h"),
        ("conventional_transfer", {}, "ACCEPTED for conventional transfer"),
    ],
)
def test_decision_is_texted_to_the_callback_phone(
    send_now, coordinator_api, mission_id, django_capture_on_commit_callbacks, caplog, to, extra, words
):
    with caplog.at_level(logging.WARNING, logger="dispatch.notifications.console"):
        with django_capture_on_commit_callbacks(execute=True):
            decide(coordinator_api, mission_id, to, **extra)
    sms = Notification.objects.get(mission_id=mission_id, purpose=Purpose.DECISION)
    assert (sms.to_number, sms.status, sms.backend) == ("+38641555111", "sent", "console")
    assert words in sms.body
    assert f"/referrals/{mission_id}/" in sms.body
    assert any("SMS to +38641555111" in r.getMessage() and words in r.getMessage() for r in caplog.records)


def test_team_activation_is_queued_for_the_referrer(coordinator_api, mission_id):
    decide(coordinator_api, mission_id, "team_activated")
    sms = Notification.objects.get(mission_id=mission_id, purpose=Purpose.DECISION)
    assert sms.status == PENDING
    assert "ACCEPTED: the mobile ECMO team is being activated" in sms.body


def test_review_start_is_not_a_decision(referrer_api, vv_referral, coordinator_api):
    mission_id = referrer_api.post("/api/v1/referrals/", vv_referral, format="json").json()["mission_id"]
    decide(coordinator_api, mission_id, "under_review")
    assert not Notification.objects.filter(purpose=Purpose.DECISION).exists()


def test_queueing_twice_for_one_decision_makes_one_sms(coordinator, mission_id):
    result = transition_mission(
        mission_id=mission_id, to_status="declined", actor=coordinator, source=EventSource.API, reason="No"
    )
    decision.queue_decision_sms(mission=result.mission, event=result.event)
    decision.queue_decision_sms(mission=result.mission, event=result.event)
    assert Notification.objects.filter(purpose=Purpose.DECISION).count() == 1


def test_sms_is_sent_once_even_if_the_task_runs_twice(coordinator, mission_id, caplog):
    result = transition_mission(
        mission_id=mission_id, to_status="declined", actor=coordinator, source=EventSource.API, reason="No"
    )
    sms = decision.queue_decision_sms(mission=result.mission, event=result.event)
    with caplog.at_level(logging.WARNING, logger="dispatch.notifications.console"):
        deliver(notification_id=sms.pk)
        deliver(notification_id=sms.pk)
    assert sum("SMS to" in r.getMessage() for r in caplog.records) == 1


def test_referrer_reads_the_decision_on_the_referral(coordinator_api, referrer_api, mission_id):
    decide(coordinator_api, mission_id, "declined", reason="Too late")
    body = referrer_api.get(f"/api/v1/missions/{mission_id}/referral/").json()
    assert (body["status"], body["close_reason"]) == ("declined", "Too late")


def test_board_summary_has_scores_missing_count_and_eolia(mission_id):
    summary = referral_summary([mission_id])[mission_id]
    assert summary["scores"]["murray"] == {"score": 3.5, "risk_class": "severe"}
    assert summary["missing_count"] > 0
    assert summary["eolia"] == "undeterminable"


def test_board_summary_skips_missions_without_referral(mission_id):
    from tests.support.factories import MissionFactory

    other = MissionFactory()
    assert set(referral_summary([mission_id, other.pk])) == {mission_id}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sl", "ECMO center, {code}: ZAVRNJENO. Razlog: Too late for ECMO"),
        ("en", "ECMO centre, {code}: DECLINED. Reason: Too late for ECMO"),
    ],
)
def test_the_decision_sms_reaches_the_referrer_in_their_language(twilio, language, expected):
    """Worded in the referring doctor's Profile.language; the coordinator's reason as typed."""
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"), language=language)
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, created_by=referrer, callback_phone="+38641555222"
    )

    transition_mission(
        mission_id=mission.pk,
        to_status="declined",
        actor=factories.make_coordinator(),
        source=EventSource.API,
        reason="Too late for ECMO",
    )

    body = twilio.phone("+38641555222").expect_sms(contains=mission.code).last_sms.body
    assert body.startswith(expected.format(code=mission.code))


def test_an_advice_note_is_labelled_in_the_referrers_language(twilio):
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"), language="sl")
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, created_by=referrer, callback_phone="+38641555333"
    )

    transition_mission(
        mission_id=mission.pk,
        to_status="advice_given",
        actor=factories.make_coordinator(),
        source=EventSource.API,
        note="Prone 16 h",
    )

    body = twilio.phone("+38641555333").expect_sms(contains=mission.code).last_sms.body
    assert "NASVET podan, zaenkrat brez premestitve. Opomba: Prone 16 h" in body
