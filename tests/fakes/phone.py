"""Assertions that read like the phone in the clinician's hand, on top of FakeTwilio.

Each expectation consumes what it matched, so repeated ``expect_sms`` calls walk through
the messages one by one and a stray extra SMS shows up in ``expect_no_sms``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tests.support.waiting import wait_until

if TYPE_CHECKING:
    from .twilio_server import Call, FakeTwilio, TwiML


@dataclass(frozen=True)
class Sms:
    """An SMS as the phone shows it: sent through the API or as a TwiML reply."""

    sid: str
    body: str
    from_: str
    time: float
    source: str  # "api" | "reply"


class Phone:
    def __init__(
        self, fake: FakeTwilio, number: str, inbound_url: str | None = None, from_number: str | None = None
    ) -> None:
        self.fake = fake
        self.number = number
        self.inbound_url = inbound_url  # default: fake.inbound_sms_url
        self.from_number = from_number  # app number replies go to; default: sender of the last SMS
        self.last_sms: Sms | None = None
        self.last_reply: tuple[int | None, str] | None = None  # (status, TwiML text) of .reply()
        self._consumed: set[str] = set()
        self._consumed_calls: set[str] = set()

    def __repr__(self) -> str:
        return f"<Phone {self.number}>"

    # ---- SMS

    def inbox(self) -> list[Sms]:
        """Everything this phone received so far, oldest first."""
        items = [
            Sms(m.sid, m.body, m.from_, m.date_created, "api")
            for m in self.fake.messages
            if m.to == self.number and m.delivered_to_phone
        ]
        items += [Sms(r.sid, r.body, r.from_, r.time, "reply") for r in self.fake.replies if r.to == self.number]
        return sorted(items, key=lambda s: s.time)

    @property
    def sms(self) -> list[str]:
        return [s.body for s in self.inbox()]

    def clear(self) -> Phone:
        """Treat everything received so far as seen."""
        self._consumed.update(s.sid for s in self.inbox())
        return self

    def _unconsumed(self) -> list[Sms]:
        return [s for s in self.inbox() if s.sid not in self._consumed]

    def expect_sms(self, contains: str | None = None, timeout: float = 5) -> Phone:
        """Wait for an unseen SMS (containing ``contains``) and consume it."""
        wanted = f"an SMS containing {contains!r}" if contains is not None else "an SMS"
        sms = wait_until(
            lambda: next((s for s in self._unconsumed() if contains is None or contains in s.body), None),
            timeout,
            lambda: f"{self.number} expected {wanted}.\n{self.describe()}",
            interval=0.01,
        )
        self._consumed.add(sms.sid)
        self.last_sms = sms
        return self

    def expect_no_sms(self, within: float = 1.0) -> Phone:
        """Fail if any unseen SMS is (or arrives) on the phone during ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            fresh = self._unconsumed()
            if fresh:
                raise AssertionError(
                    f"{self.number} expected no new SMS but got {[s.body for s in fresh]!r}.\n{self.describe()}"
                )
            if time.monotonic() >= deadline:
                return self
            time.sleep(0.02)

    def reply(self, body: str) -> Phone:
        """Text the app back; fails unless the app's inbound webhook answered 2xx."""
        to = self.from_number or (self.last_sms.from_ if self.last_sms else None)
        if to is None:
            inbox = self.inbox()
            to = inbox[-1].from_ if inbox else None
        if to is None:
            raise AssertionError(f"{self.number} has nobody to reply to (set from_number)")
        status, text = self.fake.send_inbound_sms(self.inbound_url, from_=self.number, to=to, body=body)
        self.last_reply = (status, text)
        if status is None or not 200 <= status < 300:
            raise AssertionError(f"{self.number} replied {body!r} to {to}; the app answered {status}: {text[:500]}")
        return self

    def describe(self) -> str:
        """What the phone saw, for failure messages."""
        lines = ["Received (oldest first):"]
        inbox = self.inbox()
        lines += [
            f"  - {'[seen] ' if s.sid in self._consumed else ''}{s.body!r} from {s.from_} ({s.source})" for s in inbox
        ] or ["  (nothing)"]
        lost = [m for m in self.fake.messages if m.to == self.number and not m.delivered_to_phone]
        if lost:
            lines.append("Accepted by Twilio but not delivered (outcome):")
            lines += [f"  - {m.body!r} ({m.outcome}, status {m.status})" for m in lost]
        refused = [
            r for r in self.fake.requests if r.get("To") == self.number and (r.status is None or r.status >= 300)
        ]
        if refused:
            lines.append("Refused API requests to this number:")
            lines += [f"  - {r.method} {r.path} -> {r.status}" for r in refused]
        calls = [c for c in self.fake.calls if c.to == self.number]
        if calls:
            lines.append("Calls:")
            lines += [f"  - {c.sid} {c.outcome} status={c.status} says={c.says} errors={c.errors}" for c in calls]
        return "\n".join(lines)

    # ---- calls

    def _answered_calls(self) -> list[Call]:
        return [c for c in self.fake.calls if c.to == self.number and c.documents and c.sid not in self._consumed_calls]

    def expect_call(self, timeout: float = 5) -> CallHandle:
        """Wait until an unseen call to this phone has had its TwiML fetched; consume it."""
        calls = wait_until(
            self._answered_calls, timeout, lambda: f"{self.number} expected a call.\n{self.describe()}", interval=0.01
        )
        self._consumed_calls.add(calls[0].sid)
        return CallHandle(self.fake, calls[0])

    def expect_ringing_call(self, timeout: float = 5) -> Call:
        """Wait until an unseen call to this phone rings (not answered); consume it and return it."""
        call = wait_until(
            lambda: next(
                (c for c in self.fake.calls if c.to == self.number and c.status == "ringing"
                 and c.sid not in self._consumed_calls),
                None,
            ),
            timeout,
            lambda: f"{self.number} expected a ringing call.\n{self.describe()}",
            interval=0.01,
        )
        self._consumed_calls.add(call.sid)
        return call

    def expect_no_call(self, within: float = 1.0) -> Phone:
        deadline = time.monotonic() + within
        while True:
            fresh = [c for c in self.fake.calls if c.to == self.number and c.sid not in self._consumed_calls]
            if fresh:
                raise AssertionError(f"{self.number} expected no call.\n{self.describe()}")
            if time.monotonic() >= deadline:
                return self
            time.sleep(0.02)


class CallHandle:
    """One answered call; ``says`` looks at the latest TwiML (the prompt, then each key's answer)."""

    def __init__(self, fake: FakeTwilio, call: Call) -> None:
        self.fake = fake
        self.call = call
        self.response: str | None = None  # TwiML text answered to the last press

    def __repr__(self) -> str:
        return f"<CallHandle {self.call.sid} to {self.call.to} status={self.call.status}>"

    @property
    def sid(self) -> str:
        return self.call.sid

    @property
    def document(self) -> TwiML:
        return self.call.documents[-1]

    @property
    def text(self) -> str:
        return " ".join(self.document.says)

    def says(self, contains: str) -> CallHandle:
        if contains not in self.text:
            raise AssertionError(
                f"call {self.sid} to {self.call.to}: expected speech containing {contains!r}, "
                f"latest TwiML says {self.document.says!r}\n{self.document.text}"
            )
        return self

    def press(self, digits: str, timeout: float = 5) -> CallHandle:
        self.response = self.fake.press(self.sid, digits, timeout=timeout)
        return self

    def hangup(self) -> CallHandle:
        self.fake.hangup(self.sid)
        return self

    def wait_ended(self, timeout: float = 5) -> CallHandle:
        """Wait until the final status callback has been answered by the app."""
        wait_until(
            lambda: self.call.ended,
            timeout,
            lambda: f"call {self.sid} did not end (status={self.call.status})",
            interval=0.01,
        )
        return self
