"""The one outbound pipeline: every purpose claims, sends, retries through Celery and takes callbacks."""

import time

import pytest

from dispatch import scheduling
from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.backends import SendResult
from dispatch.notifications.models import CLAIMED, ERROR, PENDING, EscalationPolicy, Notification, Purpose
from dispatch.notifications.services import delivery
from dispatch.notifications.services.escalation import policy_snapshot
from dispatch.services.missions import transition_mission
from tests.support import factories

pytestmark = pytest.mark.django_db

SCRIPT: list[SendResult] = []
SENT: list[dict] = []


class ScriptedBackend:
    """Answers each send with the next scripted result and records what it was asked."""

    name = "scripted"

    def send_sms(self, *, to: str, body: str, status_callback: str) -> SendResult:
        SENT.append({"to": to, "body": body, "status_callback": status_callback})
        return SCRIPT.pop(0)

    def place_call(self, *, to: str, twiml_url: str, status_callback: str, ring_timeout_s: int) -> SendResult:
        SENT.append({"to": to, "twiml_url": twiml_url, "status_callback": status_callback})
        return SCRIPT.pop(0)


@pytest.fixture
def scripted(settings, monkeypatch):
    settings.NOTIFICATION_BACKEND = f"{__name__}.ScriptedBackend"
    settings.TWILIO_SEND_ATTEMPTS = 3
    settings.TWILIO_RETRY_BASE_S = 0.5
    settings.TWILIO_RETRY_MAX_S = 4.0
    SCRIPT.clear()
    SENT.clear()
    enqueued = []
    monkeypatch.setattr(scheduling, "enqueue", lambda name, args, **options: enqueued.append((name, args, options)))
    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail("a worker must never sleep to retry"))
    return enqueued


def a_message() -> Notification:
    return Notification.objects.create(
        purpose=Purpose.ROSTER_GAP, channel="sms", to_number="+38640111222", body="ECMO roster gap"
    )


def test_a_transient_error_is_retried_by_re_enqueueing_with_backoff(scripted, django_capture_on_commit_callbacks):
    SCRIPT.append(SendResult(ok=False, retryable=True, error_code=20500, error_reason="TwilioRestException"))
    message = a_message()
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver(notification_id=message.pk)
    message.refresh_from_db()
    assert message.status == PENDING
    assert scripted == [("notifications.deliver_notifications", ([message.pk],), {"countdown": 0.5, "task_id": None})]


def test_the_backoff_doubles_between_tries():
    assert [delivery.retry_delay_s(n) for n in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_the_last_try_fails_the_message_without_another_enqueue(scripted, django_capture_on_commit_callbacks):
    SCRIPT.extend(SendResult(ok=False, retryable=True, error_reason="ConnectTimeout") for _ in range(3))
    message = a_message()
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            delivery.deliver(notification_id=message.pk)
    message.refresh_from_db()
    assert message.status == ERROR
    assert message.error_reason == "Twilio unreachable after 3 attempts: ConnectTimeout"
    assert len(scripted) == 2 and len(SENT) == 3


def test_a_message_is_claimed_before_the_provider_is_asked(scripted, monkeypatch):
    seen = []

    class Spy(ScriptedBackend):
        def send_sms(self, **kwargs):
            seen.append(Notification.objects.get(pk=message.pk).status)
            return SendResult(ok=True, sid="SM1", status="queued")

    message = a_message()
    monkeypatch.setattr(delivery, "get_backend", Spy)
    delivery.deliver(notification_id=message.pk)
    assert seen == [CLAIMED]


def test_the_decision_sms_has_a_status_callback_like_every_page(scripted, django_capture_on_commit_callbacks):
    SCRIPT.append(SendResult(ok=True, sid="SMdecision", status="queued"))
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW, callback_phone="+38641555111")
    transition_mission(
        mission_id=mission.pk, to_status="declined", actor=factories.make_coordinator(), source="web", reason="No"
    )
    sms = Notification.objects.get(mission=mission, purpose=Purpose.DECISION)
    delivery.deliver(notification_id=sms.pk)
    assert SENT[0]["status_callback"].endswith(f"/api/v1/twilio/sms-status/{sms.pk}/")
    assert delivery.apply_status(notification_id=sms.pk, status="delivered")
    sms.refresh_from_db()
    assert sms.status == "delivered"


def test_an_empty_policy_field_takes_the_setting(settings):
    settings.ESCALATION_SMS_WAIT_S = 42
    settings.ESCALATION_CALL_ATTEMPTS = 3
    EscalationPolicy.objects.create(team_role=TeamRole.NURSE, call_wait_s=15)
    policy = policy_snapshot(TeamRole.NURSE)
    assert [step["wait_s"] for step in policy["steps"][:2]] == [42, 15]
    assert policy["call_attempts"] == 3
