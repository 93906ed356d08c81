"""Twilio answering 500, 429 or nothing: bounded retries, then the page fails and a call follows.

The real twilio library talks to the fake Twilio server (tests/fakes/twilio_server.py); pages
run in-process on timers (single-process mode) against a live server that takes the fake's
signed callbacks. The happy retry (500 twice, then sent once) lives in
tests/dispatch/notifications/test_paging.py; these drill the boundaries: every attempt failing,
Retry-After far beyond the backoff cap, a hang past the HTTP timeout, and no callback at all.
"""

import time

import pytest
from django.utils import timezone

from dispatch import scheduling
from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import CLAIMED, ERROR, Alert, Channel, Notification
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging, unconfirmed_grace
from dispatch.services.missions import transition_mission
from tests.fakes.twilio_server import FakeTwilio
from tests.support import factories
from tests.support.paging import on_call, phone_of, point_at_fake
from tests.support.waiting import wait_until

ATTEMPTS = 3


@pytest.fixture
def fake(settings, committed_db, live_server):
    """The app on a live server paging through the fake; the timer step to the call is far away."""
    with FakeTwilio(callback_delay=0.02) as fake:
        point_at_fake(settings, fake, live_server.url)
        settings.SINGLE_PROCESS = True
        settings.TWILIO_SEND_ATTEMPTS = ATTEMPTS
        # Only a failed page may bring the call forward; the policy's own call step is a minute away.
        settings.ESCALATION_SMS_WAIT_S = 60
        yield fake
        scheduling.cancel_pending()  # also waits for a timer that already fired
        fake.reset()


def activate() -> Alert:
    """Activate a mission needing one ECMO physician; no decision SMS to the referrer shares the fake."""
    coordinator = factories.make_coordinator()
    mission = factories.MissionFactory(
        status=MissionStatus.UNDER_REVIEW, required_roles=[TeamRole.ECMO_PHYSICIAN], callback_phone=""
    )
    transition_mission(mission_id=mission.pk, to_status=MissionStatus.TEAM_ACTIVATED, actor=coordinator, source="web")
    return Alert.objects.get(mission=mission)


def _sent(fake: FakeTwilio, kind: str, number: str) -> list:
    """The create requests (POST; a list is a GET) for `kind` to `number`."""
    path = f"/{kind}.json"
    return [r for r in fake.requests if r.method == "POST" and r.path.endswith(path) and r.get("To") == number]


def sms_requests(fake: FakeTwilio, number: str) -> list:
    return _sent(fake, "Messages", number)


def call_requests(fake: FakeTwilio, number: str) -> list:
    return _sent(fake, "Calls", number)


def the_sms(alert: Alert) -> Notification:
    return Notification.objects.get(alert=alert, step=0, channel=Channel.SMS)


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_on_every_attempt_fails_the_sms_after_the_bound_and_calls_at_once(fake, status):
    primary = on_call()
    fake.respond_next(status, times=ATTEMPTS)
    started = time.monotonic()
    alert = activate()

    call = wait_until(lambda: call_requests(fake, phone_of(primary)), 10, "the failed SMS was not followed by a call")
    assert time.monotonic() - started < 10  # the call came from the failure, not the 60 s timer
    assert [r.status for r in sms_requests(fake, phone_of(primary))] == [status] * ATTEMPTS
    assert call[0].status == 201
    sms = the_sms(alert)
    assert sms.status == ERROR and f"after {ATTEMPTS} attempts" in sms.error_reason
    assert not fake.messages  # nothing was ever sent as an SMS
    time.sleep(0.3)
    assert len(sms_requests(fake, phone_of(primary))) == ATTEMPTS  # and nobody tried again later


def test_429_with_retry_after_beyond_the_cap_stays_bounded_then_calls(fake, settings):
    settings.TWILIO_RETRY_BASE_S = 0.1
    settings.TWILIO_RETRY_MAX_S = 0.2
    primary = on_call()
    # Twilio asks for 30 s; a page cannot wait that long, so the backoff cap decides.
    fake.respond_next(429, times=ATTEMPTS, retry_after=30)
    started = time.monotonic()
    alert = activate()

    wait_until(lambda: call_requests(fake, phone_of(primary)), 10, "the rate-limited SMS was not followed by a call")
    assert time.monotonic() - started < 5
    attempts = sms_requests(fake, phone_of(primary))
    assert [r.status for r in attempts] == [429] * ATTEMPTS
    gaps = [later.time - earlier.time for earlier, later in zip(attempts, attempts[1:], strict=False)]
    assert all(0.1 <= gap < 2 for gap in gaps), gaps  # it did back off, within the cap
    assert the_sms(alert).status == ERROR


def test_a_page_twilio_never_confirms_is_resent_after_the_grace_bounded_then_calls(fake, settings):
    """A timed-out request may have gone out, so it is resent only when no callback came in time."""
    settings.TWILIO_HTTP_TIMEOUT_S = 0.5
    settings.TWILIO_UNCONFIRMED_GRACE_S = 0
    settings.TWILIO_RETRY_MAX_S = 0.05  # the grace is at least attempts × (timeout + backoff cap)
    fake.auto_callbacks = False  # whatever Twilio did, it never says so
    primary = on_call()
    fake.hang_next(1, times=ATTEMPTS, carry_out=False)  # every attempt outlives the timeout and is lost
    alert = activate()

    for attempt in range(1, ATTEMPTS + 1):
        wait_until(
            lambda attempt=attempt: len(sms_requests(fake, phone_of(primary))) == attempt
            and the_sms(alert).status == CLAIMED
            and the_sms(alert).error_reason.startswith("No answer"),
            10,
            f"attempt {attempt} was not sent, or not left waiting for Twilio's word",
        )
        assert reconcile_paging()["unconfirmed"] == 0  # still within the grace: nothing resent yet
        time.sleep(unconfirmed_grace().total_seconds())
        reconcile_paging()  # what beat runs every PAGING_RECONCILE_INTERVAL_S

    wait_until(lambda: call_requests(fake, phone_of(primary)), 10, "the unconfirmed SMS was not followed by a call")
    assert len(sms_requests(fake, phone_of(primary))) == ATTEMPTS
    sms = the_sms(alert)
    assert sms.status == ERROR and "Timeout" in sms.error_reason


def test_an_unconfirmed_page_twilio_did_send_is_found_by_listing_and_not_sent_again(fake, settings):
    """The worker gave up on Twilio's answer and the callbacks were lost (the web process was down):
    after the grace, reconcile asks Twilio for messages to that number, finds the page, keeps it."""
    settings.TWILIO_HTTP_TIMEOUT_S = 0.5
    settings.TWILIO_UNCONFIRMED_GRACE_S = 0
    settings.TWILIO_RETRY_MAX_S = 0.05
    fake.auto_callbacks = False  # no callback ever reaches the app
    primary = on_call()
    fake.hang_next(1, times=1)  # the client times out; Twilio still sends the SMS
    alert = activate()
    message = wait_until(lambda: fake.messages, 10, "Twilio never carried out the slow request")[0]
    wait_until(lambda: the_sms(alert).status == CLAIMED and the_sms(alert).error_reason.startswith("No answer"), 10)
    time.sleep(unconfirmed_grace().total_seconds())

    reconcile_paging()

    sms = the_sms(alert)
    assert sms.provider_sid == message.sid and sms.status == "queued"
    assert any(r.method == "GET" and r.get("To") == phone_of(primary) for r in fake.requests)
    assert len(sms_requests(fake, phone_of(primary))) == 1
    assert [m.to for m in fake.messages] == [phone_of(primary)]


def test_a_page_twilio_cannot_list_stays_claimed_and_is_asked_about_again(fake, settings):
    """Twilio answers the "did it go?" list with a 503: sending again could page twice, so the page
    stays claimed; the next round asks again and finds it."""
    settings.TWILIO_HTTP_TIMEOUT_S = 0.5
    settings.TWILIO_UNCONFIRMED_GRACE_S = 0
    settings.TWILIO_RETRY_MAX_S = 0.05
    fake.auto_callbacks = False
    primary = on_call()
    fake.hang_next(1, times=1)
    alert = activate()
    message = wait_until(lambda: fake.messages, 10, "Twilio never carried out the slow request")[0]
    wait_until(lambda: the_sms(alert).status == CLAIMED and the_sms(alert).error_reason.startswith("No answer"), 10)
    wait_until(lambda: timezone.now() - the_sms(alert).updated_at >= unconfirmed_grace(), 10)

    fake.respond_next(503, times=1)
    reconcile_paging()

    assert any(r.method == "GET" and r.status == 503 for r in fake.requests)
    assert the_sms(alert).status == CLAIMED
    assert len(sms_requests(fake, phone_of(primary))) == 1
    wait_until(lambda: timezone.now() - the_sms(alert).updated_at >= unconfirmed_grace(), 10)

    reconcile_paging()

    assert the_sms(alert).provider_sid == message.sid
    assert len(sms_requests(fake, phone_of(primary))) == 1


def test_a_timed_out_attempt_that_twilio_carried_out_is_not_sent_again(fake, settings):
    settings.TWILIO_HTTP_TIMEOUT_S = 0.5
    primary = on_call()
    fake.hang_next(1, times=1)  # one slow answer: Twilio still sends that SMS after the client gave up
    alert = activate()

    # Wait for both sides to be done with the attempt, not for a moment that a busy machine can
    # reach too early: Twilio carried out the slow request, the app gave up waiting for its answer,
    # and then learnt from Twilio's callback that the SMS went out.
    message = wait_until(lambda: fake.messages, 10, "Twilio never carried out the slow request")[0]
    wait_until(
        lambda: (sms := the_sms(alert)).provider_sid == message.sid and sms.error_reason.startswith("No answer"),
        10,
        lambda: f"the timed-out SMS was not settled by Twilio's callback: {the_sms(alert).status_history}",
    )
    assert [m.to for m in fake.messages] == [phone_of(primary)]
    assert len(sms_requests(fake, phone_of(primary))) == 1


def test_sms_without_a_delivery_callback_is_never_marked_delivered(fake):
    primary, backup = on_call(), on_call(tier="backup")
    for person in (primary, backup):
        fake.set_sms_outcome(phone_of(person), "none")  # the carrier never reports delivery
    fake.respond_next(500, times=ATTEMPTS - 1)  # and Twilio needed every retry to take it
    alert = activate()

    message = wait_until(lambda: fake.messages, 10, "the SMS never reached the fake")[0]
    wait_until(lambda: message.statuses == ["queued", "sent"], 5, "the fake never reported the SMS as sent")
    wait_until(
        # Each retry puts the page back to pending first; the last try is taken, then Twilio says "sent".
        lambda: [h["status"] for h in the_sms(alert).status_history][-3:] == ["claimed", "queued", "sent"],
        5,
        "the sent callback was not applied",
    )
    time.sleep(0.5)  # a wrong "delivered" would have come by now
    sms = the_sms(alert)
    assert sms.status == "sent"
    assert not Notification.objects.filter(status="delivered").exists()
    assert len(sms_requests(fake, phone_of(primary))) == ATTEMPTS
    assert [m.to for m in fake.messages] == [phone_of(primary)]
