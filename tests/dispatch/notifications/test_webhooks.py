"""Twilio status callbacks with odd ErrorCode values count as unknown codes, never a 500."""

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from dispatch.notifications.models import Notification, Purpose
from dispatch.notifications.services.delivery import queue_message

pytestmark = pytest.mark.django_db

TOKEN = "test-auth-token"


def _signed_post(settings, path: str, params: dict[str, str]):
    signature = RequestValidator(TOKEN).compute_signature(settings.PUBLIC_BASE_URL + path, params)
    return Client().post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.fixture
def sms(settings) -> Notification:
    settings.TWILIO_AUTH_TOKEN = TOKEN
    return queue_message(purpose=Purpose.DECISION, to_number="+38641000001", body="Decision")


@pytest.mark.parametrize("code", ["²", "1" * 30, "-5", "30003x"])
def test_sms_status_with_an_odd_error_code_is_recorded_without_a_code(settings, sms, code):
    path = f"/api/v1/twilio/sms-status/{sms.pk}/"

    response = _signed_post(settings, path, {"MessageStatus": "undelivered", "ErrorCode": code, "MessageSid": "SM1"})

    assert response.status_code == 204
    sms.refresh_from_db()
    assert sms.status == "undelivered" and sms.error_code is None


@pytest.mark.parametrize("code", ["²", "9" * 30])
def test_call_status_with_an_odd_error_code_is_not_a_500(settings, sms, code):
    path = f"/api/v1/twilio/call-status/{sms.pk}/"

    response = _signed_post(settings, path, {"CallStatus": "failed", "ErrorCode": code, "CallSid": "CA1"})

    assert response.status_code == 204


def test_a_real_error_code_is_still_recorded(settings, sms):
    path = f"/api/v1/twilio/sms-status/{sms.pk}/"

    _signed_post(settings, path, {"MessageStatus": "undelivered", "ErrorCode": "30003", "MessageSid": "SM1"})

    sms.refresh_from_db()
    assert sms.error_code == 30003
