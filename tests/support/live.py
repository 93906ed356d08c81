"""Which live messages an action emits, exactly, the way Zulip's `capture_send_event_calls` checks events.

    with capture_live_messages() as sent:
        transition_mission(...)
    assert [(m.kind, m.groups) for m in sent] == [("mission.status_changed", ("board", "mission-7"))]

Live messages go out only on commit: the block's on-commit callbacks run when it ends (also in
a test wrapped in a transaction). Each message is recorded where it would leave the process
(`dispatch.realtime.broadcast.deliver`), with its audience, and is not sent.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db import DEFAULT_DB_ALIAS
from django.test import TestCase

from dispatch.realtime import broadcast


@dataclass(frozen=True)
class LiveMessage:
    kind: str
    sequence: int
    mission_id: int
    audience: tuple[tuple[str, int], ...]  # (group, `after` for that group)
    message: dict[str, Any] = field(compare=False, repr=False)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(group for group, _after in self.audience)


@contextmanager
def capture_live_messages(*, using: str = DEFAULT_DB_ALIAS) -> Iterator[list[LiveMessage]]:
    sent: list[LiveMessage] = []

    def record(message: dict[str, Any], audience: broadcast.Audience, **_localized: Any) -> None:
        sent.append(
            LiveMessage(
                kind=message["kind"],
                sequence=message["sequence"],
                mission_id=message["mission_id"],
                audience=tuple(audience),
                message=message,
            )
        )

    # The patch outlives the capture: the callbacks run as the inner block ends.
    with mock.patch.object(broadcast, "deliver", record):
        with TestCase.captureOnCommitCallbacks(using=using, execute=True):
            yield sent
