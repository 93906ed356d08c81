"""Waiting for a condition, never for a deadline: the one polling helper of the suite.

A test that sleeps a fixed time and then looks passes on a quiet machine and fails on a busy
one. Wait instead for the state that proves the thing happened (a row, a request the fake
recorded, a line in a log); the timeout only bounds how long a broken run takes to fail, so
it is generous.
"""

import time
from collections.abc import Callable
from typing import Any


def wait_until(
    predicate: Callable[[], Any],
    timeout: float = 10,
    message: str | Callable[[], str] = "condition not met",
    interval: float = 0.05,
) -> Any:
    """Poll until `predicate()` is truthy and return its value; AssertionError on timeout.

    `message` may be a function, called only on timeout, for details known only then (a log's tail).
    An exception the predicate raises propagates at once (e.g. "the process died").
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"{text} (within {timeout} s)")
        time.sleep(interval)
