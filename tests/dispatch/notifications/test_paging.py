"""Paging end to end through the real twilio client, the fake Twilio server and signed webhooks."""

import threading
import time
import uuid

import pytest
import requests
from django.utils import timezone

from dispatch import scheduling
from dispatch.models import MissionAssignment, MissionEvent, MissionStatus, TeamRole
from dispatch.notifications.models import Alert, AlertState, Notification, PagingContact
from dispatch.notifications.services.escalation import policy_snapshot
from dispatch.notifications.tasks.run_escalation_step import run_escalation_step
from tests.support import factories
from tests.support.paging import activate, on_call, phone_of
from tests.support.waiting import wait_until


def alert_of(mission, role=TeamRole.ECMO_PHYSICIAN) -> Alert:
    return Alert.objects.get(mission=mission, team_role=role)


def test_activation_texts_the_primary_with_mission_details(twilio, settings):
    primary = on_call()
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    body = phone.last_sms.body
    assert mission.referring_hospital.name in body and "VV ECMO" in body
    assert f"{settings.PUBLIC_BASE_URL}/team/" in body and "Reply 1 to accept, 2 to decline" in body
    assert twilio.messages[0].validity_period == settings.SMS_VALIDITY_PERIOD_S


def test_sms_reply_accepts_assigns_and_makes_the_team_ready(twilio):
    primary = on_call()
    mission = activate()
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code).reply("DA").expect_sms(contains="Confirmed")
    alert = alert_of(mission)
    assert (alert.state, alert.accepted_by) == (AlertState.ACCEPTED, primary)
    assert MissionAssignment.objects.filter(mission=mission, member=primary, team_role=TeamRole.ECMO_PHYSICIAN).exists()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_READY
    assert MissionEvent.objects.filter(mission=mission, kind="alert.accepted", source="sms", actor=primary).exists()


def test_sms_decline_pages_the_backup_at_once(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 60
    primary, backup = on_call(), on_call(tier="backup")
    mission = activate()
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code).reply("2")
    twilio.phone(phone_of(backup)).expect_sms(contains=mission.code, timeout=4)
    twilio.phone(phone_of(primary)).expect_no_call(within=0.3)
    assert MissionEvent.objects.filter(mission=mission, kind="alert.declined", actor=primary).exists()


def test_keypress_1_on_the_call_accepts(twilio):
    primary = on_call()
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    call = phone.expect_call(timeout=5).says(mission.code.replace("-", " "))
    call.press("1").says("confirmed").wait_ended()
    alert = alert_of(mission)
    assert (alert.state, alert.accepted_by) == (AlertState.ACCEPTED, primary)
    assert MissionEvent.objects.filter(mission=mission, kind="alert.accepted", source="voice").exists()


def test_completed_call_without_keypress_is_no_acceptance_and_is_repeated(twilio, settings):
    settings.ESCALATION_CALL_WAIT_S = 60
    primary = on_call()
    mission = activate()
    phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    first = phone.expect_call(timeout=5).hangup().wait_ended()
    assert first.call.status == "completed"
    phone.expect_call(timeout=5)  # the second attempt
    assert alert_of(mission).state == AlertState.PAGING
    assert not MissionAssignment.objects.filter(mission=mission).exists()


def test_failed_sms_calls_at_once(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 60
    primary = on_call()
    twilio.set_sms_outcome(phone_of(primary), "failed", error_code=30003)
    mission = activate()
    started = time.monotonic()
    twilio.phone(phone_of(primary)).expect_call(timeout=5).says(mission.code.replace("-", " "))
    assert time.monotonic() - started < 5
    sms = Notification.objects.get(alert__mission=mission, channel="sms")
    assert sms.status == "failed" and [h["status"] for h in sms.status_history][-1] == "failed"


def test_full_escalation_reaches_backup_everyone_and_the_coordinator(twilio):
    primary, backup = on_call(), on_call(tier="backup")
    spare = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)  # qualified, not on the roster
    coordinator = factories.make_coordinator(phone="+38640999999")
    for person in (primary, backup, spare):
        twilio.set_call_outcome(phone_of(person), "no-answer")
    mission = activate(coordinator=coordinator)
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    twilio.phone(phone_of(backup)).expect_sms(contains=mission.code, timeout=8)
    twilio.phone(phone_of(spare)).expect_sms(contains=mission.code, timeout=8)
    twilio.phone("+38640999999").expect_sms(contains="UNCOVERED", timeout=8)
    primary_calls = [c for c in twilio.calls if c.to == phone_of(primary)]
    assert len(primary_calls) >= 2  # unanswered personal calls are repeated
    assert alert_of(mission).state == AlertState.UNCOVERED
    assert MissionEvent.objects.filter(mission=mission, kind="alert.uncovered").exists()


def test_twilio_5xx_is_retried_and_sent_once(twilio):
    primary = on_call()
    twilio.respond_next(500, times=2)
    mission = activate()
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    # The referrer's decision and checklist SMS share the fake, so the two 500s may fall on any message.
    assert [r.status for r in twilio.requests].count(500) == 2
    recipients = [m.to for m in twilio.messages]
    assert recipients.count(phone_of(primary)) == 1
    sent = [(m.to, m.body) for m in twilio.messages]
    assert len(sent) == len(set(sent))


def test_permanent_error_skips_the_channel_and_shows_on_the_timeline(twilio):
    primary, backup = on_call(), on_call(tier="backup")
    twilio.reject_number(phone_of(primary), 21614)
    mission = activate()
    twilio.phone(phone_of(backup)).expect_sms(contains=mission.code, timeout=6)
    skipped = MissionEvent.objects.filter(mission=mission, kind="alert.channel_skipped")
    assert any("not a mobile number" in e.note for e in skipped)
    contact = PagingContact.objects.get(member=primary)
    assert contact.sms_blocked_code == 21614


def test_duplicate_step_runs_send_one_sms(twilio):
    primary = on_call()
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED, required_roles=[TeamRole.ECMO_PHYSICIAN])
    token = uuid.uuid4()
    alert = Alert.objects.create(
        mission=mission,
        team_role=TeamRole.ECMO_PHYSICIAN,
        message=f"{mission.code} test page",
        policy=policy_snapshot(TeamRole.ECMO_PHYSICIAN),
        next_step_due_at=timezone.now(),
        active_token=token,
    )
    threads = [threading.Thread(target=run_escalation_step.run, args=(alert.pk, str(token))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code).expect_no_sms(within=0.3)
    assert len(twilio.messages) == 1


def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(twilio, settings):
    primary = on_call()
    mission = activate()
    twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    sms = wait_until(lambda: Notification.objects.filter(alert__mission=mission, channel="sms").first())
    url = f"{settings.PUBLIC_BASE_URL}/api/v1/twilio/sms/"
    form = {"From": phone_of(primary), "To": "+15005550006", "Body": "1"}
    assert requests.post(url, data=form, timeout=5).status_code == 403
    assert requests.post(url, data=form, headers={"X-Twilio-Signature": "forged"}, timeout=5).status_code == 403
    status_url = f"{settings.PUBLIC_BASE_URL}/api/v1/twilio/sms-status/{sms.pk}/"
    forged = requests.post(status_url, data={"MessageStatus": "failed"}, headers={"X-Twilio-Signature": "x"}, timeout=5)
    assert forged.status_code == 403
    assert alert_of(mission).state == AlertState.PAGING
    assert Notification.objects.get(pk=sms.pk).status != "failed"


def test_stop_opts_out_of_sms_and_start_opts_back_in(twilio):
    primary = on_call()
    phone = twilio.phone(phone_of(primary), from_number="+15005550006")
    phone.reply("STOP")
    assert PagingContact.objects.get(member=primary).sms_opted_out
    mission = activate()
    phone.expect_call(timeout=5).says(mission.code.replace("-", " "))  # paged by voice instead
    phone.expect_no_sms(within=0.2)
    phone.reply("START").expect_sms(contains="again")
    assert not PagingContact.objects.get(member=primary).sms_opted_out


def test_unknown_sender_gets_help_a_few_times_only(twilio, settings):
    settings.SMS_REPLY_LIMIT = 2
    stranger = twilio.phone("+38641999000", from_number="+15005550006")
    for _ in range(4):
        stranger.reply("1")
    assert len(stranger.sms) == 2 and "not registered" in stranger.sms[0]


def test_reply_naming_a_mission_code_answers_that_mission(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 60
    primary = on_call()
    first, second = activate(), activate()
    phone = twilio.phone(phone_of(primary))
    phone.expect_sms(contains=first.code).expect_sms(contains=second.code)
    phone.reply(f"1 {first.code}").expect_sms(contains=f"Confirmed: you are the ECMO physician for {first.code}")
    assert alert_of(first).state == AlertState.ACCEPTED and alert_of(second).state == AlertState.PAGING


def test_backup_still_paged_is_told_to_stand_down_when_the_primary_accepts(twilio, settings):
    settings.ESCALATION_SMS_WAIT_S = 0.3
    settings.ESCALATION_CALL_WAIT_S = 0.3
    primary, backup = on_call(), on_call(tier="backup")
    twilio.set_call_outcome(phone_of(primary), "no-answer")
    mission = activate()
    primary_phone = twilio.phone(phone_of(primary)).expect_sms(contains=mission.code)
    twilio.phone(phone_of(backup)).expect_sms(contains=mission.code, timeout=8)

    primary_phone.reply("1")

    twilio.phone(phone_of(backup)).expect_sms(contains="stand down", timeout=5)
    assert not [m for m in twilio.messages if m.to == phone_of(primary) and "stand down" in m.body]


@pytest.mark.django_db
def test_an_activation_runs_every_roles_first_step_in_one_task(monkeypatch):
    """One task locks the mission once and sends all first pages together; one per role would queue on the lock."""
    enqueued = []
    monkeypatch.setattr(scheduling, "enqueue_on_commit", lambda name, args, **kw: enqueued.append((name, args)))

    mission = activate(roles=tuple(TeamRole.values))

    steps = [args[0] for name, args in enqueued if name.startswith("notifications.run_escalation_step")]
    assert [name for name, _args in enqueued if name.startswith("notifications.run_escalation_step")] == [
        "notifications.run_escalation_steps"
    ]
    assert sorted(alert_id for alert_id, _token in steps[0]) == sorted(
        Alert.objects.filter(mission=mission).values_list("pk", flat=True)
    )
