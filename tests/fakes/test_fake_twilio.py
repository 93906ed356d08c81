"""Self-tests of FakeTwilio: real twilio Client in, real signed webhooks out, no mocks."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from .twilio_server import FakeTwilio

ACCOUNT = "AC" + "1" * 32
TOKEN = "secret-token"
APP_NUMBER = "+15005550006"
DOCTOR = "+38641111111"

PROMPT = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say>ECMO request from Ljubljana.</Say>'
    '<Gather action="/gather?case=7" numDigits="1" timeout="10"><Say>Press 1 to accept.</Say></Gather>'
    "<Say>No input.</Say></Response>"
)


class Hit:
    def __init__(self, method: str, url: str, form: dict[str, list[str]], signature: str | None) -> None:
        self.method, self.url, self.form, self.signature = method, url, form, signature
        self.params = {k: v[0] for k, v in form.items()}

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class Receiver:
    """A tiny stdlib HTTP app standing in for ECMO Dispatch's webhook endpoints."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.responses: dict[str, tuple[int, str]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                url = f"http://127.0.0.1:{outer.port}{self.path}"
                form = parse_qs(raw if self.command == "POST" else urlsplit(self.path).query, keep_blank_values=True)
                outer.hits.append(Hit(self.command, url, form, self.headers.get("X-Twilio-Signature")))
                status, body = outer.responses.get(urlsplit(self.path).path, (200, "<Response/>"))
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    def assert_all_signed(self) -> None:
        validator = RequestValidator(TOKEN)
        assert self.hits
        for hit in self.hits:
            params = hit.params if hit.method == "POST" else {}
            assert validator.validate(hit.url, params, hit.signature), f"bad signature on {hit.url}"


@pytest.fixture
def fake():
    with FakeTwilio(ACCOUNT, TOKEN, callback_delay=0.02) as fake:
        yield fake


@pytest.fixture
def app():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


def client_for(fake: FakeTwilio, token: str = TOKEN, timeout: float | None = None) -> Client:
    client = Client(ACCOUNT, token, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = fake.base_url
    return client


def send_sms(client: Client, to: str = DOCTOR, status_callback: str | None = None, **kw):
    return client.messages.create(to=to, from_=APP_NUMBER, body="ECMO-42 alert", status_callback=status_callback, **kw)


def test_message_created_with_real_client(fake):
    msg = send_sms(client_for(fake), validity_period=600)
    assert re.fullmatch(r"SM[0-9a-f]{32}", msg.sid)
    assert (msg.status, msg.to, msg.from_, msg.body) == ("queued", DOCTOR, APP_NUMBER, "ECMO-42 alert")
    assert msg.error_code is None
    assert msg.account_sid == ACCOUNT and msg.date_created is not None
    [record] = fake.messages
    assert (record.sid, record.validity_period) == (msg.sid, 600)
    [req] = fake.requests
    assert (req.method, req.auth_user, req.get("Body")) == ("POST", ACCOUNT, "ECMO-42 alert")
    assert req.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert client_for(fake).messages(msg.sid).fetch().status in ("queued", "sent", "delivered")


def test_call_created_with_real_client(fake, app):
    call = client_for(fake).calls.create(
        to=DOCTOR,
        from_=APP_NUMBER,
        url=app.url("/voice"),
        method="POST",
        timeout=20,
        status_callback=app.url("/status"),
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid) and call.status == "queued"
    [record] = fake.calls
    assert record.status_callback_events == ["initiated", "ringing", "answered", "completed"]
    assert record.request.form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert record.timeout == 20


def test_wrong_credentials_get_401(fake):
    with pytest.raises(TwilioRestException) as err:
        send_sms(client_for(fake, token="wrong"))
    assert (err.value.status, err.value.code) == (401, 20003)
    assert fake.messages == [] and fake.requests[0].status == 401


@pytest.mark.parametrize("status, code", [(429, 20429), (500, 20500), (400, 21408)])
def test_injected_errors_seen_by_client(fake, status, code):
    fake.respond_next(status, times=2, code=None if status != 400 else code)
    client = client_for(fake)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as err:
            send_sms(client)
        assert (err.value.status, err.value.code) == (status, code)
    assert send_sms(client).status == "queued"
    assert len(fake.messages) == 1


def test_hang_makes_client_time_out_but_message_exists(fake):
    fake.hang_next(1.0)
    with pytest.raises(requests.exceptions.Timeout):
        send_sms(client_for(fake, timeout=0.3))
    fake.wait_for(lambda: fake.messages, timeout=3)  # Twilio accepted it anyway: duplicates are possible
    assert send_sms(client_for(fake, timeout=0.3)).status == "queued"


def test_a_lost_hang_creates_nothing(fake):
    fake.hang_next(0.5, carry_out=False)
    with pytest.raises(requests.exceptions.Timeout):
        send_sms(client_for(fake, timeout=0.2))
    time.sleep(0.6)  # past the hang: the lost request must still have created nothing
    assert not fake.messages


def test_messages_are_listed_by_to_from_and_date_sent(fake):
    client = client_for(fake)
    before = datetime.now(UTC) - timedelta(seconds=5)
    mine, other = send_sms(client), send_sms(client, to="+38641222222")

    listed = client.messages.list(to=DOCTOR, from_=APP_NUMBER, date_sent_after=before)
    later = client.messages.list(to=DOCTOR, date_sent_after=datetime.now(UTC) + timedelta(minutes=1))

    assert [m.sid for m in listed] == [mine.sid] and other.sid not in [m.sid for m in listed]
    assert listed[0].body == "ECMO-42 alert" and listed[0].date_created is not None
    assert later == []
    assert client.messages.list(from_="+15550000000") == []


def test_calls_are_listed_by_to_and_from(fake, app):
    client = client_for(fake)
    call = client.calls.create(to=DOCTOR, from_=APP_NUMBER, url=app.url("/voice"))

    assert [c.sid for c in client.calls.list(to=DOCTOR, from_=APP_NUMBER)] == [call.sid]
    assert client.calls.list(to="+38641222222") == []


@pytest.mark.parametrize("code", [21614, 21610, 21211])
def test_rejected_number_is_permanent_error(fake, code):
    fake.reject_number(DOCTOR, code=code)
    with pytest.raises(TwilioRestException) as err:
        send_sms(client_for(fake))
    assert (err.value.status, err.value.code) == (400, code)
    assert fake.messages == []
    with pytest.raises(TwilioRestException) as err:
        send_sms(client_for(fake), to="0041 not e164")
    assert err.value.code == 21211


def test_sms_status_callbacks_are_signed_and_ordered(fake, app):
    msg = send_sms(client_for(fake), status_callback=app.url("/sms-status"))
    fake.wait_for(lambda: len(app.at("/sms-status")) == 3)
    hits = app.at("/sms-status")
    assert [h.params["MessageStatus"] for h in hits] == ["queued", "sent", "delivered"]
    expected = {"MessageSid": msg.sid, "SmsSid": msg.sid, "SmsStatus": "delivered", "To": DOCTOR, "From": APP_NUMBER}
    assert expected.items() <= hits[-1].params.items() and hits[-1].params["AccountSid"] == ACCOUNT
    assert all("ErrorCode" not in h.params for h in hits)
    app.assert_all_signed()
    assert fake.message(msg.sid).status == "delivered"


@pytest.mark.parametrize(
    "outcome, expected",
    [
        ("undelivered", ["queued", "sent", "undelivered"]),
        ("failed", ["queued", "failed"]),
        ("none", ["queued", "sent"]),
    ],
)
def test_sms_outcomes(fake, app, outcome, expected):
    fake.set_sms_outcome(DOCTOR, outcome, error_code=30005)
    send_sms(client_for(fake), status_callback=app.url("/sms-status"))
    fake.wait_for(lambda: len(app.at("/sms-status")) == len(expected))
    time.sleep(0.1)  # nothing more arrives
    hits = app.at("/sms-status")
    assert [h.params["MessageStatus"] for h in hits] == expected
    if outcome != "none":
        assert hits[-1].params["ErrorCode"] == "30005"
        fake.phone(DOCTOR).expect_no_sms(within=0)  # the phone never saw it
    else:
        fake.phone(DOCTOR).expect_sms("ECMO-42")


def test_manual_status_mode(app):
    with FakeTwilio(ACCOUNT, TOKEN, callback_delay=0.01, auto_callbacks=False) as fake:
        msg = send_sms(client_for(fake), status_callback=app.url("/sms-status"))
        time.sleep(0.1)
        assert app.hits == []
        hook = fake.send_message_status(msg.sid, "undelivered", error_code=30003)
        assert hook is not None and hook.status == 200
        assert app.hits[0].params["MessageStatus"] == "undelivered" and app.hits[0].params["ErrorCode"] == "30003"
        app.assert_all_signed()


def test_call_flow_fetches_twiml_and_presses_digit(fake, app):
    app.responses["/voice"] = (200, PROMPT)
    app.responses["/gather"] = (200, "<Response><Say>Accepted, thank you.</Say><Hangup/></Response>")
    events = ["initiated", "ringing", "answered", "completed"]
    call = client_for(fake).calls.create(
        to=DOCTOR,
        from_=APP_NUMBER,
        url=app.url("/voice"),
        status_callback=app.url("/call-status"),
        status_callback_event=events,
    )
    handle = fake.phone(DOCTOR).expect_call().says("Press 1 to accept")
    assert handle.call.gather.action == app.url("/gather?case=7") and handle.call.gather.num_digits == 1
    handle.press("1").says("Accepted").wait_ended()
    assert "Accepted" in handle.response

    [voice] = app.at("/voice")
    expected = {"CallSid": call.sid, "CallStatus": "in-progress", "From": APP_NUMBER, "To": DOCTOR}
    assert expected.items() <= voice.params.items()
    [gather] = app.at("/gather")
    assert gather.url.endswith("/gather?case=7") and gather.params["Digits"] == "1"
    statuses = [h.params["CallStatus"] for h in app.at("/call-status")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    final = app.at("/call-status")[-1].params
    assert final["Direction"] == "outbound-api" and final["SequenceNumber"] == "3" and "CallDuration" in final
    app.assert_all_signed()


def test_voicemail_never_posts_digits(fake, app):
    app.responses["/voice"] = (200, PROMPT)
    fake.set_call_outcome(DOCTOR, "voicemail")
    client_for(fake).calls.create(
        to=DOCTOR,
        from_=APP_NUMBER,
        url=app.url("/voice"),
        status_callback=app.url("/call-status"),
        machine_detection="Enable",
    )
    handle = fake.phone(DOCTOR).expect_call().wait_ended()
    assert app.at("/gather") == []
    [final] = app.at("/call-status")  # no StatusCallbackEvent: only the final status
    assert final.params["CallStatus"] == "completed" and final.params["AnsweredBy"] == "machine_start"
    with pytest.raises(AssertionError, match="not waiting for a keypress"):
        handle.press("1", timeout=0.1)


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed"])
def test_unanswered_calls_report_final_status_only(fake, app, outcome):
    fake.set_call_outcome(DOCTOR, outcome)
    call = client_for(fake).calls.create(
        to=DOCTOR,
        from_=APP_NUMBER,
        url=app.url("/voice"),
        status_callback=app.url("/call-status?leg=1"),
        status_callback_method="GET",
    )
    fake.wait_for(lambda: fake.call(call.sid).ended)
    assert [(h.method, h.params["CallStatus"]) for h in app.hits] == [("GET", outcome)]
    app.assert_all_signed()
    assert fake.call(call.sid).statuses == ["queued", "initiated", "ringing", outcome]


def test_a_ringing_call_rings_until_the_app_hangs_it_up(fake, app):
    fake.set_call_outcome(DOCTOR, "ringing")
    client = client_for(fake)
    created = client.calls.create(to=DOCTOR, from_=APP_NUMBER, url=app.url("/voice"), status_callback=app.url("/st"))
    ringing = fake.phone(DOCTOR).expect_ringing_call()

    client.calls(created.sid).update(status="completed")

    fake.wait_for(lambda: fake.call(created.sid).ended)
    assert [(u.sid, u.status, u.status_before) for u in fake.call_updates] == [(ringing.sid, "completed", "ringing")]
    assert fake.call(created.sid).statuses[-1] == "canceled" and app.at("/voice") == []


def test_hangup_completes_without_digits(fake, app):
    app.responses["/voice"] = (200, PROMPT)
    client_for(fake).calls.create(to=DOCTOR, from_=APP_NUMBER, url=app.url("/voice"))
    handle = fake.phone(DOCTOR).expect_call().hangup().wait_ended()
    assert handle.call.status == "completed" and handle.call.digits == [] and app.at("/gather") == []


def test_inbound_sms_signed_and_twiml_reply_reaches_phone(fake, app):
    app.responses["/sms"] = (200, "<Response><Message>Confirmed ECMO-42</Message></Response>")
    fake.inbound_sms_url = app.url("/sms")
    send_sms(client_for(fake))
    phone = fake.phone(DOCTOR).expect_sms(contains="ECMO-").reply("1").expect_sms(contains="Confirmed")
    [hit] = app.at("/sms")
    expected = {"From": DOCTOR, "To": APP_NUMBER, "Body": "1", "NumMedia": "0", "AccountSid": ACCOUNT}
    assert expected.items() <= hit.params.items()
    assert hit.params["MessageSid"].startswith("SM")
    app.assert_all_signed()
    assert fake.replies[0].to == DOCTOR and phone.sms == ["ECMO-42 alert", "Confirmed ECMO-42"]
    assert fake.send_inbound_sms(None, from_=DOCTOR, to=APP_NUMBER, body="2")[0] == 200


def test_phone_expectations_consume_and_explain(fake):
    client = client_for(fake)
    send_sms(client)
    send_sms(client)
    phone = fake.phone(DOCTOR)
    phone.expect_sms("ECMO-42").expect_sms("ECMO-42")
    with pytest.raises(AssertionError) as err:
        phone.expect_sms("ECMO-42", timeout=0.1)
    assert "[seen] 'ECMO-42 alert'" in str(err.value)
    phone.expect_no_sms(within=0.1)
    send_sms(client)
    with pytest.raises(AssertionError, match="expected no new SMS"):
        phone.expect_no_sms(within=0.3)
    fake.reset()
    assert fake.messages == [] and fake.phone(DOCTOR).sms == []
