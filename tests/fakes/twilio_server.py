"""A fake Twilio REST API that also drives the app's webhooks (after GoAlert's mocktwilio).

The app talks to it with the real ``twilio`` Client (``client.api.base_url = fake.base_url``),
so request encoding, auth and error parsing are exercised for real; the fake then calls the
app back, signed like Twilio, so webhook handlers and signature checks are exercised too.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import requests
from twilio.request_validator import RequestValidator

from tests.support.waiting import wait_until

API_VERSION = "2010-04-01"
E164 = re.compile(r"^\+[1-9]\d{1,14}$")
API_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>[^/]+)/(?P<kind>Messages|Calls)(?:/(?P<sid>[^/]+))?\.json$")

ERROR_MESSAGES = {
    20003: "Authenticate",
    20004: "Method not allowed",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21201: "No 'To' number is specified",
    21205: "Url parameter is required.",
    21211: "The 'To' number is not a valid phone number.",
    21213: "No 'From' number is specified",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
DEFAULT_ERROR_CODES = {401: 20003, 404: 20404, 405: 20004, 429: 20429, 500: 20500, 503: 20503}

SMS_OUTCOMES = ("delivered", "undelivered", "failed", "none")
# "ringing": the phone rings until the call is ended through the API (a call update) or the fake resets.
CALL_OUTCOMES = ("answer", "no-answer", "busy", "failed", "voicemail", "ringing")
# Call status-callback events and the statuses they cover (final statuses go via "completed").
CALL_EVENT_FOR_STATUS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


def _now_rfc2822(ts: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(ts))


def _parse_filter_time(value: str | None) -> float | None:
    """A list filter's time as Twilio takes it: an ISO 8601 date-time (UTC if no offset) or a date."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


# --------------------------------------------------------------------------- records


@dataclass
class RequestRecord:
    """One REST request the app made to the fake (kept even when it was refused)."""

    method: str
    path: str
    auth_user: str | None
    form: dict[str, list[str]]
    time: float
    status: int | None = None  # HTTP status the fake answered with

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.form.get(name)
        return values[0] if values else default


@dataclass
class CallUpdate:
    """A call update the app made (``POST Calls/{sid}.json``), e.g. ``Status=completed`` to hang up."""

    sid: str
    status: str | None
    status_before: str  # what the call was doing when the update arrived
    time: float = field(default_factory=time.time)


@dataclass
class Webhook:
    """One request the fake made to the app; status None means the app was unreachable."""

    kind: str  # "sms-status" | "call-status" | "voice" | "gather" | "inbound-sms"
    url: str  # URL as signed (for GET: including the query string)
    method: str
    params: dict[str, str]
    signature: str
    time: float
    status: int | None = None
    text: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Gather:
    action: str  # absolute URL
    method: str
    num_digits: int | None
    timeout: int
    finish_on_key: str
    says: list[str]


@dataclass
class TwiML:
    """A parsed TwiML document the app returned."""

    url: str
    text: str
    says: list[str] = field(default_factory=list)
    gather: Gather | None = None
    messages: list[tuple[str | None, str | None, str]] = field(default_factory=list)  # to, from, body
    hangup: bool = False


@dataclass
class Message:
    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    messaging_service_sid: str | None
    status_callback: str | None
    validity_period: int | None
    outcome: str  # what the fake will make of it: see FakeTwilio.set_sms_outcome
    outcome_error_code: int | None
    request: RequestRecord = field(repr=False)
    date_created: float = field(default_factory=time.time)
    status: str = "queued"
    error_code: int | None = None
    statuses: list[str] = field(default_factory=lambda: ["queued"])

    @property
    def delivered_to_phone(self) -> bool:
        """Whether the person would see it (undelivered/failed messages never reach the phone)."""
        return self.outcome not in ("undelivered", "failed")


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    url: str | None
    method: str
    inline_twiml: str | None
    status_callback: str | None
    status_callback_method: str
    status_callback_events: list[str]
    timeout: int | None
    machine_detection: str | None
    outcome: str
    request: RequestRecord = field(repr=False)
    date_created: float = field(default_factory=time.time)
    status: str = "queued"
    statuses: list[str] = field(default_factory=lambda: ["queued"])
    answered_at: float | None = None
    ended_at: float | None = None
    hung_up_via_api: bool = False
    documents: list[TwiML] = field(default_factory=list)  # voice TwiML, then each Gather response
    digits: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _final_sent: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _press_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _seq: int = field(default=0, repr=False)

    @property
    def twiml(self) -> str | None:
        """The first TwiML document fetched from the call's Url."""
        return self.documents[0].text if self.documents else None

    @property
    def says(self) -> list[str]:
        return [s for doc in self.documents for s in doc.says]

    @property
    def gather(self) -> Gather | None:
        return self.documents[-1].gather if self.documents else None

    @property
    def ended(self) -> bool:
        """True once the final status callback (if any) has been delivered to the app."""
        return self._final_sent.is_set()

    @property
    def awaiting_input(self) -> bool:
        return (
            self.outcome == "answer" and self.ended_at is None and not self._done.is_set() and self.gather is not None
        )


@dataclass
class Reply:
    """An SMS the app sent back in TwiML (``<Message>``) to an inbound SMS."""

    sid: str
    to: str
    from_: str
    body: str
    in_reply_to: str
    time: float = field(default_factory=time.time)


def parse_twiml(text: str, url: str) -> TwiML:
    """Parse what Twilio acts on; relative Gather actions resolve against ``url`` like Twilio."""
    doc = TwiML(url=url, text=text)
    if not text.strip():
        return doc
    root = ET.fromstring(text)
    if root.tag != "Response":
        raise ValueError(f"TwiML root is <{root.tag}>, expected <Response>")

    def text_of(el: ET.Element) -> str:
        return "".join(el.itertext()).strip()

    for el in root:
        if el.tag == "Say":
            doc.says.append(text_of(el))
        elif el.tag == "Gather" and doc.gather is None:
            says = [text_of(s) for s in el.iter("Say")]
            doc.says.extend(says)
            num = el.get("numDigits")
            doc.gather = Gather(
                action=urljoin(url, el.get("action") or url),
                method=(el.get("method") or "POST").upper(),
                num_digits=int(num) if num else None,
                timeout=int(el.get("timeout") or 5),
                finish_on_key=el.get("finishOnKey", "#"),
                says=says,
            )
        elif el.tag == "Message":
            body_el = el.find("Body")
            body = text_of(body_el) if body_el is not None else (el.text or "").strip()
            doc.messages.append((el.get("to"), el.get("from"), body))
        elif el.tag == "Hangup":
            doc.hangup = True
    return doc


# --------------------------------------------------------------------------- server


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTwilio/1.0"

    def log_message(self, *args: Any) -> None:
        pass  # keep pytest output clean

    def do_POST(self) -> None:
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST
    do_DELETE = do_POST


class Gathering:
    """New messages held at the fake until `count` of them are open at once: proof that they were sent
    in parallel. A gathering that is never complete lets everyone through after `timeout` (from the
    first arrival), so a test that expected it fails on `complete` instead of hanging."""

    def __init__(self, count: int, timeout: float) -> None:
        self.count = count
        self.timeout = timeout
        self.most_open = 0  # the most messages held at one time
        self._open = 0
        self._released = False
        self._cond = threading.Condition()

    @property
    def complete(self) -> bool:
        return self.most_open >= self.count

    def join(self) -> None:
        """Called by each arriving request: wait until the gathering is complete (or times out)."""
        with self._cond:
            if self._released:
                return
            self._open += 1
            self.most_open = max(self.most_open, self._open)
            if self._open >= self.count:
                self._released = True
            else:
                self._cond.wait_for(lambda: self._released, timeout=self.timeout)
                self._released = True  # a timeout lets everyone through
            self._cond.notify_all()


@dataclass
class _Injected:
    status: int
    code: int | None
    message: str | None
    retry_after: int | None


class FakeTwilio:
    """Twilio's Messages/Calls API on 127.0.0.1 plus a Twilio-like webhook driver."""

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "test-auth-token",
        *,
        callback_delay: float = 0.05,
        auto_callbacks: bool = True,
        messaging_service_from: str = "+15005550006",
        webhook_timeout: float = 10.0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.callback_delay = callback_delay
        self.auto_callbacks = auto_callbacks
        self.messaging_service_from = messaging_service_from
        self.webhook_timeout = webhook_timeout
        self.inbound_sms_url: str | None = None
        self.validator = RequestValidator(auth_token)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._serve_thread: threading.Thread | None = None
        self._workers: list[threading.Thread] = []
        self._gen = 0
        self._clear()

    def _clear(self) -> None:
        self._requests: list[RequestRecord] = []
        self._messages: list[Message] = []
        self._calls: list[Call] = []
        self._call_updates: list[CallUpdate] = []
        self._webhooks: list[Webhook] = []
        self._replies: list[Reply] = []
        self._injected: list[_Injected] = []
        self._hangs: list[float] = []
        self._rejects: dict[str, int] = {}
        self._sms_outcomes: dict[str, tuple[str, int | None]] = {}
        self._call_outcomes: dict[str, str] = {}
        self._phones: dict[str, Any] = {}
        self._gathering: Gathering | None = None

    # ---- lifecycle

    def start(self) -> FakeTwilio:
        if self._server is not None:
            raise RuntimeError("FakeTwilio already started")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self  # type: ignore[attr-defined]
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-twilio",
            daemon=True,
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and stop progressions so no callback leaks into the next test."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=2)
        for worker in list(self._workers):
            worker.join(timeout=1)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTwilio not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """Set ``client.api.base_url`` to this."""
        return f"http://127.0.0.1:{self.port}"

    def client(self, timeout: float | None = None) -> Any:
        """A real twilio Client aimed at the fake (what the app should build too)."""
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        client = Client(self.account_sid, self.auth_token, http_client=TwilioHttpClient(timeout=timeout))
        client.api.base_url = self.base_url
        return client

    def reset(self) -> None:
        """Forget everything and abandon in-flight progressions (they send nothing further)."""
        with self._lock:
            self._gen += 1
            for call in self._calls:
                call._done.set()
            self._clear()

    # ---- records (snapshots, safe to iterate while the fake works)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[Message]:
        with self._lock:
            return list(self._messages)

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def call_updates(self) -> list[CallUpdate]:
        """Every call update the app made, in order (a hang-up is ``status == "completed"``)."""
        with self._lock:
            return list(self._call_updates)

    @property
    def webhooks(self) -> list[Webhook]:
        with self._lock:
            return list(self._webhooks)

    @property
    def replies(self) -> list[Reply]:
        with self._lock:
            return list(self._replies)

    def message(self, sid: str) -> Message:
        for msg in self.messages:
            if msg.sid == sid:
                return msg
        raise KeyError(f"no message {sid}")

    def call(self, sid: str) -> Call:
        for call in self.calls:
            if call.sid == sid:
                return call
        raise KeyError(f"no call {sid}")

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5, interval: float = 0.01, message: str = ""
    ) -> Any:
        """Poll until predicate() is truthy and return its value (`tests.support.waiting.wait_until`)."""
        return wait_until(predicate, timeout, message or "condition not met", interval)

    def phone(self, number: str, **kwargs: Any) -> Any:
        """The (cached) Phone for a number, so consumed messages stay consumed within a test."""
        from .phone import Phone

        with self._lock:
            phone = self._phones.get(number)
            if phone is None:
                phone = self._phones[number] = Phone(self, number, **kwargs)
            else:
                for name, value in kwargs.items():
                    setattr(phone, name, value)
            return phone

    # ---- behaviour knobs

    def respond_next(
        self,
        status: int,
        times: int = 1,
        code: int | None = None,
        *,
        message: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``times`` authenticated API requests with a Twilio error instead."""
        code = code if code is not None else DEFAULT_ERROR_CODES.get(status)
        with self._lock:
            self._injected.extend(_Injected(status, code, message, retry_after) for _ in range(times))

    def hang_next(self, seconds: float, times: int = 1, *, carry_out: bool = True) -> None:
        """Sleep before answering the next POST requests; the request is still processed afterwards,
        as with real Twilio, so a client that timed out may have created the resource anyway.
        ``carry_out=False``: the request is lost instead (answered 504, nothing created)."""
        with self._lock:
            self._hangs.extend([(seconds, carry_out)] * times)

    def gather_messages(self, count: int, *, timeout: float = 20) -> Gathering:
        """Hold the next new messages (SMS) until `count` are open at once; see `Gathering`."""
        gathering = Gathering(count, timeout)
        with self._lock:
            self._gathering = gathering
        return gathering

    def reject_number(self, number: str, code: int = 21614) -> None:
        """Refuse messages and calls to ``number`` with 400 and this permanent error code."""
        with self._lock:
            self._rejects[number] = code

    def set_sms_outcome(self, number: str, outcome: str, error_code: int | None = 30003) -> None:
        if outcome not in SMS_OUTCOMES:
            raise ValueError(f"outcome must be one of {SMS_OUTCOMES}")
        with self._lock:
            self._sms_outcomes[number] = (outcome, error_code)

    def set_call_outcome(self, number: str, outcome: str) -> None:
        if outcome not in CALL_OUTCOMES:
            raise ValueError(f"outcome must be one of {CALL_OUTCOMES}")
        with self._lock:
            self._call_outcomes[number] = outcome

    # ---- HTTP side (app -> fake)

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length).decode("utf-8") if length else ""
        split = urlsplit(h.path)
        form = parse_qs(raw, keep_blank_values=True)
        user = password = None
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                pass
        if h.command == "GET":
            form = parse_qs(split.query, keep_blank_values=True)  # list filters ride in the query string
        rec = RequestRecord(h.command, split.path, user, form, time.time())
        with self._lock:
            self._requests.append(rec)
            # Hangs are for writes (creating, updating); a list or fetch in between does not use one up.
            writes = h.command == "POST"
            hang, carry_out = self._hangs.pop(0) if self._hangs and writes else (None, True)
            gathering = self._gathering if writes and split.path.endswith("/Messages.json") else None
        if gathering is not None:
            gathering.join()
        if hang:
            self._stop.wait(hang)
        if carry_out:
            status, payload, headers, after = self._route(rec, password)
        else:
            status, payload, headers, after = self._error(504, None, "Gateway Timeout")
        rec.status = status
        body = json.dumps(payload).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                h.send_header(name, value)
            h.end_headers()
            h.wfile.write(body)
            h.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test); the resource exists anyway
        if after is not None:
            after()

    def _error(self, status: int, code: int | None, message: str | None = None, **headers: str):
        message = message or ERROR_MESSAGES.get(code or 0) or f"HTTP {status}"
        payload = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
            "status": status,
        }
        return status, payload, headers, None

    def _route(self, rec: RequestRecord, password: str | None):
        m = API_PATH.match(rec.path)
        if not m:
            return self._error(404, 20404)
        if rec.auth_user != self.account_sid or password != self.auth_token or m["account"] != self.account_sid:
            return self._error(401, 20003)
        with self._lock:
            injected = self._injected.pop(0) if self._injected else None
        if injected:
            headers = {"Retry-After": str(injected.retry_after)} if injected.retry_after is not None else {}
            return self._error(injected.status, injected.code, injected.message, **headers)
        if m["sid"]:
            return self._instance(rec, m["kind"], m["sid"])
        if rec.method == "GET":
            return self._list(rec, m["kind"])
        if rec.method != "POST":
            return self._error(405, 20004)
        if m["kind"] == "Messages":
            return self._create_message(rec)
        return self._create_call(rec)

    def _list(self, rec: RequestRecord, kind: str):
        """``GET Messages.json`` / ``Calls.json`` with Twilio's filters: To, From, and for messages
        DateSent (a day), DateSent> / DateSent< (inclusive), for calls StartTime> / StartTime<.
        One page, newest first, as the twilio library reads it."""
        records: list[Message | Call] = list(self.messages if kind == "Messages" else self.calls)
        to, from_ = rec.get("To"), rec.get("From")
        records = [r for r in records if (not to or r.to == to) and (not from_ or r.from_ == from_)]
        prefix = "DateSent" if kind == "Messages" else "StartTime"
        try:
            on_day = _parse_filter_time(rec.get(prefix))
            after = _parse_filter_time(rec.get(prefix + ">"))
            before = _parse_filter_time(rec.get(prefix + "<"))
        except ValueError:
            return self._error(400, 20001, f"Invalid {prefix} filter")
        if on_day is not None:
            records = [r for r in records if time.gmtime(r.date_created)[:3] == time.gmtime(on_day)[:3]]
        if after is not None:
            records = [r for r in records if r.date_created >= after]
        if before is not None:
            records = [r for r in records if r.date_created <= before]
        records.sort(key=lambda r: r.date_created, reverse=True)
        size = int(rec.get("PageSize") or 50)
        key = "messages" if kind == "Messages" else "calls"
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}.json"
        payload = {
            key: [self._json(r) for r in records[:size]],
            "uri": uri,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": size,
            "start": 0,
            "end": max(0, min(size, len(records)) - 1),
        }
        return 200, payload, {}, None

    def _instance(self, rec: RequestRecord, kind: str, sid: str):
        try:
            obj = self.message(sid) if kind == "Messages" else self.call(sid)
        except KeyError:
            return self._error(404, 20404)
        if rec.method == "GET":
            return 200, self._json(obj), {}, None
        if kind == "Calls" and rec.method == "POST" and rec.get("Status") in ("completed", "canceled"):
            assert isinstance(obj, Call)
            with self._lock:
                self._call_updates.append(CallUpdate(sid=obj.sid, status=rec.get("Status"), status_before=obj.status))
                if obj.ended_at is None:
                    obj.hung_up_via_api = True
            obj._done.set()
            return 200, self._json(obj), {}, None
        return self._error(405, 20004)

    def _json(self, obj: Message | Call) -> dict[str, Any]:
        created = _now_rfc2822(obj.date_created)
        kind = "Messages" if isinstance(obj, Message) else "Calls"
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/{kind}/{obj.sid}.json"
        common = {
            "account_sid": obj.account_sid,
            "api_version": API_VERSION,
            "date_created": created,
            "date_updated": _now_rfc2822(time.time()),
            "direction": "outbound-api",
            "from": obj.from_,
            "price": None,
            "price_unit": "USD",
            "sid": obj.sid,
            "status": obj.status,
            "to": obj.to,
            "uri": uri,
        }
        if isinstance(obj, Message):
            return common | {
                "body": obj.body,
                "date_sent": created if obj.status not in ("queued", "accepted") else None,
                "error_code": obj.error_code,
                "error_message": None,
                "messaging_service_sid": obj.messaging_service_sid,
                "num_media": "0",
                "num_segments": "1",
                "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            }
        duration = None
        if obj.ended_at is not None:
            duration = str(int(obj.ended_at - obj.answered_at) if obj.answered_at else 0)
        return common | {
            "annotation": None,
            "answered_by": None,
            "caller_name": None,
            "duration": duration,
            "end_time": _now_rfc2822(obj.ended_at) if obj.ended_at else None,
            "forwarded_from": None,
            "from_formatted": obj.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "queue_time": "0",
            "start_time": _now_rfc2822(obj.answered_at) if obj.answered_at else None,
            "subresource_uris": {"notifications": uri.replace(".json", "/Notifications.json")},
            "to_formatted": obj.to,
            "trunk_sid": None,
        }

    def _check_to(self, to: str):
        if not E164.match(to):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        with self._lock:
            code = self._rejects.get(to)
        if code is not None:
            return self._error(400, code)
        return None

    def _create_message(self, rec: RequestRecord):
        to, from_, service = rec.get("To"), rec.get("From"), rec.get("MessagingServiceSid")
        body = rec.get("Body")
        if not to:
            return self._error(400, 21604)
        if not from_ and not service:
            return self._error(400, 21603)
        if not body and not rec.get("MediaUrl"):
            return self._error(400, 21602)
        refused = self._check_to(to)
        if refused:
            return refused
        validity = rec.get("ValidityPeriod")
        with self._lock:
            outcome, code = self._sms_outcomes.get(to, ("delivered", None))
            msg = Message(
                sid=_new_sid("SM"),
                account_sid=self.account_sid,
                to=to,
                from_=from_ or self.messaging_service_from,
                body=body or "",
                messaging_service_sid=service,
                status_callback=rec.get("StatusCallback"),
                validity_period=int(validity) if validity else None,
                outcome=outcome,
                outcome_error_code=code,
                request=rec,
            )
            self._messages.append(msg)
        after = self._spawn(self._run_message, msg) if self.auto_callbacks else None
        return 201, self._json(msg), {}, after

    def _create_call(self, rec: RequestRecord):
        to, from_ = rec.get("To"), rec.get("From")
        if not to:
            return self._error(400, 21201)
        if not from_:
            return self._error(400, 21213)
        if not rec.get("Url") and not rec.get("Twiml"):
            return self._error(400, 21205)
        refused = self._check_to(to)
        if refused:
            return refused
        events = [e.lower() for v in rec.form.get("StatusCallbackEvent", []) for e in v.split()]
        timeout = rec.get("Timeout")
        with self._lock:
            call = Call(
                sid=_new_sid("CA"),
                account_sid=self.account_sid,
                to=to,
                from_=from_,
                url=rec.get("Url"),
                method=(rec.get("Method") or "POST").upper(),
                inline_twiml=rec.get("Twiml"),
                status_callback=rec.get("StatusCallback"),
                status_callback_method=(rec.get("StatusCallbackMethod") or "POST").upper(),
                status_callback_events=events,
                timeout=int(timeout) if timeout else None,
                machine_detection=rec.get("MachineDetection"),
                outcome=self._call_outcomes.get(to, "answer"),
                request=rec,
            )
            self._calls.append(call)
        return 201, self._json(call), {}, self._spawn(self._run_call, call)

    # ---- webhook side (fake -> app)

    def _spawn(self, target: Callable[..., None], *args: Any) -> Callable[[], None]:
        """Start after the API response is written, so the app has the sid before callbacks."""
        gen = self._gen

        def start() -> None:
            worker = threading.Thread(target=target, args=(*args, gen), daemon=True)
            with self._lock:
                self._workers = [w for w in self._workers if w.is_alive()] + [worker]
            worker.start()

        return start

    def _alive(self, gen: int) -> bool:
        return not self._stop.is_set() and gen == self._gen

    def _pause(self, gen: int) -> bool:
        self._stop.wait(self.callback_delay)
        return self._alive(gen)

    def _post(self, kind: str, url: str, params: dict[str, str], method: str = "POST") -> Webhook:
        """Make one signed request the way Twilio does: signature over URL + sorted POST params."""
        method = method.upper()
        if method == "GET":
            url = url + ("&" if "?" in url else "?") + urlencode(params)
            signature = self.validator.compute_signature(url, {})
        else:
            signature = self.validator.compute_signature(url, params)
        hook = Webhook(kind, url, method, dict(params), signature, time.time())
        headers = {
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
        }
        try:
            with requests.Session() as session:
                session.trust_env = False  # never send test webhooks through a proxy
                resp = session.request(
                    method,
                    url,
                    data=params if method != "GET" else None,
                    headers=headers,
                    timeout=self.webhook_timeout,
                    allow_redirects=False,
                )
            hook.status, hook.text = resp.status_code, resp.text
        except requests.RequestException as exc:
            hook.error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._webhooks.append(hook)
        return hook

    # messages

    def _run_message(self, msg: Message, gen: int) -> None:
        outcome, code = msg.outcome, msg.outcome_error_code
        steps: list[tuple[str, int | None]] = [("queued", None)]
        if outcome == "failed":
            steps.append(("failed", code))
        else:
            steps.append(("sent", None))
            if outcome != "none":
                steps.append((outcome, code if outcome == "undelivered" else None))
        for status, error_code in steps:
            if not self._pause(gen):
                return
            self._message_status(msg, status, error_code)

    def _message_status(self, msg: Message, status: str, error_code: int | None) -> Webhook | None:
        with self._lock:
            msg.status = status
            if status != msg.statuses[-1]:
                msg.statuses.append(status)
            if error_code is not None:
                msg.error_code = error_code
        if not msg.status_callback:
            return None
        params = {
            "AccountSid": msg.account_sid,
            "ApiVersion": API_VERSION,
            "From": msg.from_,
            "MessageSid": msg.sid,
            "MessageStatus": status,
            "SmsSid": msg.sid,
            "SmsStatus": status,
            "To": msg.to,
        }
        if msg.messaging_service_sid:
            params["MessagingServiceSid"] = msg.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return self._post("sms-status", msg.status_callback, params)

    def send_message_status(self, sid: str, status: str, error_code: int | None = None) -> Webhook | None:
        """Manual mode: post one status callback now (None if the message has no StatusCallback)."""
        return self._message_status(self.message(sid), status, error_code)

    # inbound SMS

    def send_inbound_sms(
        self, url: str | None = None, from_: str = "", to: str = "", body: str = "", **extra: str
    ) -> tuple[int | None, str]:
        """A person texting the app; TwiML <Message> answers are kept in ``replies``."""
        url = url or self.inbound_sms_url
        if not url:
            raise ValueError("no url given and fake.inbound_sms_url is not set")
        sid = _new_sid("SM")
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "Body": body,
            "From": from_,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        } | extra
        hook = self._post("inbound-sms", url, params)
        if hook.ok:
            try:
                doc = parse_twiml(hook.text, url)
            except (ET.ParseError, ValueError):
                doc = None
            if doc is not None:
                with self._lock:
                    for reply_to, reply_from, text in doc.messages:
                        self._replies.append(Reply(_new_sid("SM"), reply_to or from_, reply_from or to, text, sid))
        return hook.status, hook.text

    # calls

    def _call_params(self, call: Call, status: str) -> dict[str, str]:
        params = {
            "AccountSid": call.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
        }
        if call.machine_detection and call.answered_at is not None:
            params["AnsweredBy"] = "machine_start" if call.outcome == "voicemail" else "human"
        return params

    def _call_status(self, call: Call, status: str, extra: dict[str, str] | None = None) -> Webhook | None:
        with self._lock:
            call.status = status
            call.statuses.append(status)
        event = CALL_EVENT_FOR_STATUS.get(status, "completed")
        wanted = event in call.status_callback_events if call.status_callback_events else event == "completed"
        if not call.status_callback or not wanted:
            return None
        params = (
            self._call_params(call, status)
            | {
                "CallbackSource": "call-progress-events",
                "SequenceNumber": str(call._seq),
                "Timestamp": _now_rfc2822(time.time()),
            }
            | (extra or {})
        )
        call._seq += 1
        return self._post("call-status", call.status_callback, params, call.status_callback_method)

    def _finish_call(self, call: Call, status: str) -> None:
        with self._lock:
            if call.ended_at is not None:
                return
            call.ended_at = time.time()
            call._done.set()
        duration = int(round(call.ended_at - call.answered_at)) if call.answered_at else 0
        self._call_status(call, status, {"CallDuration": str(duration)})
        call._final_sent.set()

    def _fetch_voice(self, call: Call) -> None:
        if call.inline_twiml is not None:
            text, url = call.inline_twiml, call.url or ""
        else:
            assert call.url is not None
            hook = self._post("voice", call.url, self._call_params(call, "in-progress"), call.method)
            if not hook.ok:
                call.errors.append(f"voice URL {call.url} answered {hook.status or hook.error}: {hook.text[:200]}")
                return
            text, url = hook.text, call.url
        try:
            doc = parse_twiml(text, url)
        except (ET.ParseError, ValueError) as exc:
            call.errors.append(f"bad TwiML from {url}: {exc}")
            return
        with self._lock:
            call.documents.append(doc)

    def _run_call(self, call: Call, gen: int) -> None:
        for status in ("initiated", "ringing"):
            if not self._pause(gen):
                return
            self._call_status(call, status)
        if not self._pause(gen):
            return
        if call.outcome in ("no-answer", "busy", "failed"):
            self._finish_call(call, call.outcome)
            return
        if call.outcome == "ringing":
            while not call._done.wait(0.05):  # rings until hung up through the API
                if not self._alive(gen):
                    return
            # Twilio: a call ended through the API before it was answered is "canceled".
            self._finish_call(call, "canceled")
            return
        call.answered_at = time.time()
        self._call_status(call, "in-progress")
        self._fetch_voice(call)
        if call.outcome == "answer" and call.gather is not None and not call.errors:
            while not call._done.wait(0.05):  # a person deciding which key to press
                if not self._alive(gen):
                    return
        if not self._pause(gen):
            return
        self._finish_call(call, "completed")

    def press(self, call_sid: str, digits: str, timeout: float = 5) -> str:
        """The person presses keys: signed Digits to the Gather action; returns its TwiML text."""
        call = self.call(call_sid)
        try:
            self.wait_for(lambda: call.awaiting_input or call.ended_at, timeout)
        except AssertionError:
            pass
        with call._press_lock:
            if not call.awaiting_input:
                raise AssertionError(
                    f"call {call.sid} to {call.to} is not waiting for a keypress "
                    f"(outcome={call.outcome}, status={call.status}, says={call.says}, errors={call.errors})"
                )
            gather = call.gather
            assert gather is not None
            params = self._call_params(call, "in-progress") | {"Digits": digits, "FinishedOnKey": ""}
            hook = self._post("gather", gather.action, params, gather.method)
            with self._lock:
                call.digits.append(digits)
            doc = None
            if hook.ok:
                try:
                    doc = parse_twiml(hook.text, gather.action)
                except (ET.ParseError, ValueError) as exc:
                    call.errors.append(f"bad TwiML from {gather.action}: {exc}")
            else:
                call.errors.append(f"gather action {gather.action} answered {hook.status or hook.error}")
            if doc is not None:
                with self._lock:
                    call.documents.append(doc)
            if doc is None or doc.gather is None:
                call._done.set()
            return hook.text

    def hangup(self, call_sid: str, timeout: float = 5) -> None:
        """The person hangs up without pressing anything (once the call was answered)."""
        call = self.call(call_sid)
        try:
            self.wait_for(lambda: call.answered_at or call.ended_at, timeout)
        except AssertionError:
            raise AssertionError(f"call {call.sid} to {call.to} was never answered (status={call.status})") from None
        call._done.set()

    def send_call_status(self, sid: str, status: str, **extra: str) -> Webhook | None:
        """Post one call status callback now, bypassing the outcome script (odd orderings)."""
        return self._call_status(self.call(sid), status, extra or None)
