"""Launching Debian's Chromium for the browser tests (Playwright's own download does not work here)."""

import shutil

import pytest

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
