"""Launching Debian's Chromium for the browser tests (Playwright's own download does not work here)."""

import asyncio
import shutil
import warnings

import pytest

from tests.support.waiting import wait_until

# Quiet on a closed network: no background requests that the machine would refuse.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch(playwright):
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (scripts/test.sh installs it)")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def box_of(locator) -> dict:
    """Where an element is drawn, once it is: `bounding_box()` is None while a redraw has it detached or hidden."""
    return wait_until(locator.bounding_box, message=f"{locator} drawn on screen")


def close(closable, timeout_s: float = 30) -> None:
    """Close a browser context (or the browser), but give up after `timeout_s` and warn.

    Once, under a CPU hog, Chromium never answered the close of a context, and the test, which had
    passed, timed out in its teardown. A page being closed cannot change what was tested. If the
    close gets no answer, the context is left to Chromium, the run goes on, and the warning says
    so. If Chromium itself is stuck, the next page it is asked for fails.
    """
    try:
        closable._sync(asyncio.wait_for(closable._impl_obj.close(reason=None), timeout_s))
    except TimeoutError:
        warnings.warn(f"Chromium did not close {closable!r} within {timeout_s} s", stacklevel=2)
