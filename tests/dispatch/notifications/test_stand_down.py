"""Cancel or abort: everyone paged or on the team stands down, and calls still ringing are hung up."""

import pytest

from dispatch.models import MissionEvent, MissionStatus, TeamRole
from dispatch.notifications.backends import SendResult
from dispatch.notifications.models import SKIPPED, Alert, AlertRecipient, AlertState, Notification, Purpose, Response
from dispatch.notifications.services import delivery, standby
from dispatch.notifications.services.standby import hang_up_calls
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.roles import display_name
from tests.support import factories
from tests.support.paging import activate, end_mission, on_call, phone_of
from tests.support.waiting import wait_until


def test_cancel_during_paging_stands_down_and_hangs_up_the_ringing_call(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 0.2  # the call follows the SMS quickly
    primary = on_call()
    twilio.set_call_outcome(phone_of(primary), "ringing")
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    call = phone.expect_ringing_call(timeout=5)
    wait_until(lambda: Notification.objects.filter(provider_sid=call.sid, status="ringing").exists())

    end_mission(mission, outcome="patient_died")

    phone.expect_sms(contains=f"{mission.code}: STAND DOWN. Mission cancelled (Patient died)")
    wait_until(lambda: [u for u in twilio.call_updates if u.sid == call.sid and u.status == "completed"],
               message="no call update with Status=completed")
    assert wait_until(lambda: Notification.objects.get(provider_sid=call.sid).status == "canceled")


class RecordingBackend:
    name = "recording"
    ended: list[str] = []

    def end_call(self, *, sid: str) -> SendResult:
        self.ended.append(sid)
        return SendResult(ok=True, sid=sid, status="completed")


@pytest.mark.django_db
def test_hanging_up_twice_asks_the_provider_once(console, monkeypatch):
    monkeypatch.setattr(standby, "get_backend", RecordingBackend)
    RecordingBackend.ended = []
    mission = factories.MissionFactory(status=MissionStatus.CANCELLED)
    alert = Alert.objects.create(mission=mission, team_role=TeamRole.NURSE, message="page", policy={})
    Notification.objects.create(
        alert=alert, channel="voice", to_number="+38641222333", body="page", provider_sid="CA1", status="ringing"
    )

    assert len(hang_up_calls(mission_id=mission.pk)) == 1
    assert hang_up_calls(mission_id=mission.pk) == []
    assert RecordingBackend.ended == ["CA1"]


@pytest.mark.django_db
def test_no_call_is_hung_up_for_a_mission_that_goes_on(console, monkeypatch):
    monkeypatch.setattr(standby, "get_backend", RecordingBackend)
    RecordingBackend.ended = []
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED)
    alert = Alert.objects.create(mission=mission, team_role=TeamRole.NURSE, message="page", policy={})
    Notification.objects.create(
        alert=alert, channel="voice", to_number="+38641222333", body="page", provider_sid="CA2", status="ringing"
    )

    assert hang_up_calls(mission_id=mission.pk) == []
    assert RecordingBackend.ended == []


@pytest.mark.django_db
def test_a_page_still_pending_at_cancel_never_goes_out(console):
    on_call()
    mission = activate()
    alert = Alert.objects.get(mission=mission)
    page = Notification.objects.create(alert=alert, channel="sms", to_number="+38641222333", body="page")

    end_mission(mission)
    delivery.deliver(notification_id=page.pk)

    page.refresh_from_db()
    assert page.status == SKIPPED


@pytest.mark.django_db
def test_cancel_stands_down_who_was_paged_or_accepted_but_not_who_declined(console):
    physician, nurse, declined = on_call(), on_call(TeamRole.NURSE), on_call(tier="backup")
    mission = activate(roles=(TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE))
    alerts = {a.team_role: a for a in Alert.objects.filter(mission=mission)}
    AlertRecipient.objects.create(alert=alerts[TeamRole.ECMO_PHYSICIAN], member=physician, tier="primary")
    AlertRecipient.objects.create(
        alert=alerts[TeamRole.ECMO_PHYSICIAN], member=declined, tier="backup", response=Response.DECLINED
    )
    factories.assign(mission, nurse)

    end_mission(mission, outcome="referrer_withdrew")

    told = Notification.objects.filter(mission=mission, purpose=Purpose.STAND_DOWN)
    assert set(told.values_list("recipient", flat=True)) == {physician.pk, nurse.pk}
    event = MissionEvent.objects.get(mission=mission, kind="team.stood_down")
    assert event.payload["outcome"] == "referrer_withdrew" and event.payload["to_status"] == "cancelled"
    assert sorted(event.payload["members"]) == sorted([display_name(physician), display_name(nurse)])


@pytest.mark.django_db
def test_abort_stands_the_team_down_and_closes_open_alerts(console):
    member = factories.make_team_member(TeamRole.PERFUSIONIST)
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, required_roles=[TeamRole.PERFUSIONIST])
    factories.assign(mission, member)
    alert = Alert.objects.create(mission=mission, team_role=TeamRole.NURSE, message="page", policy={})

    end_mission(mission, to_status=MissionStatus.ABORTED, outcome="died_before_team_arrival")

    alert.refresh_from_db()
    assert alert.state == AlertState.CANCELLED
    sms = Notification.objects.get(mission=mission, purpose=Purpose.STAND_DOWN)
    assert sms.recipient == member and "Mission aborted (Died before the team arrived)" in sms.body


def test_a_lost_hang_up_is_caught_by_reconcile(twilio, settings, monkeypatch):
    settings.ESCALATION_SMS_WAIT_S = 0.2
    primary = on_call()
    twilio.set_call_outcome(phone_of(primary), "ringing")
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    call = phone.expect_ringing_call(timeout=5)
    wait_until(lambda: Notification.objects.filter(provider_sid=call.sid, status="ringing").exists())
    enqueue = standby.scheduling.enqueue_on_commit

    def lose_hang_ups(name, *args, **kwargs):
        if name != standby.HANG_UP_TASK:
            enqueue(name, *args, **kwargs)

    monkeypatch.setattr(standby.scheduling, "enqueue_on_commit", lose_hang_ups)
    end_mission(mission, outcome="patient_died")
    assert not [u for u in twilio.call_updates if u.sid == call.sid]

    reconcile_paging.run()

    assert [u for u in twilio.call_updates if u.sid == call.sid and u.status == "completed"]
