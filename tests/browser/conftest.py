"""Browser tests: real headless Chromium against the real ASGI app served by Daphne in a subprocess.

Daphne runs on the test database (committed data via `committed_db`) and the same Redis channel
layer as the test process, with the realtime test hook (force.disconnect) switched on.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from rest_framework.authtoken.models import Token

from tests import chromium

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _test_database_url() -> str:
    """DATABASE_URL pointing at pytest-django's test database (test_<name>)."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not parts.scheme.startswith("postgres"):
        pytest.skip("browser tests need PostgreSQL (DATABASE_URL)")
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> str:
    """Daphne serving config.asgi on a free port; yields its base URL."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url,
        REALTIME_TEST_HOOKS="true",
        REALTIME_RECONNECT_INITIAL_MS="1000",
        REALTIME_CATCH_UP_SECONDS="5",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    daphne = str(Path(sys.executable).with_name("daphne"))
    log = tempfile.NamedTemporaryFile("w+", prefix="daphne-", suffix=".log")  # noqa: SIM115 — closed below
    proc = subprocess.Popen(
        [daphne, "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "/login/", timeout=1).close()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.seek(0)
                raise RuntimeError("Daphne did not start: " + log.read()[-2000:]) from None
            time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium.launch(p)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls here are still sync."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def login_cookie(user, base: str) -> dict:
    """A real session row for `user`, as the login view would write it, as a browser cookie."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"name": "sessionid", "value": session.session_key, "url": base}


@pytest.fixture
def open_page(browser, server):
    """open_page(user, path, phone=False) -> a page logged in as `user` (session cookie)."""
    contexts = []

    def _open(user, path: str, *, phone: bool = False):
        options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
        context = browser.new_context(**options)
        contexts.append(context)
        context.add_cookies([login_cookie(user, server)])
        page = context.new_page()
        page.goto(server + path)
        return page

    yield _open
    for context in contexts:
        context.close()


def api(server: str, user, method: str, path: str, body: dict | None = None, key: str | None = None):
    """Call the real API on the Daphne server with the user's token; returns (status, json)."""
    token = Token.objects.get_or_create(user=user)[0].key
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(predicate, timeout: float = 5.0, interval: float = 0.05):
    """Poll `predicate` (e.g. a database read) until truthy; returns its value or fails."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def group_send(group: str, message: dict) -> None:
    """Send on the real channel layer from a fresh thread (Playwright owns this thread's event loop)."""
    import threading

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    errors = []

    def _send():
        try:
            async_to_sync(get_channel_layer().group_send)(group, message)
        except Exception as error:  # noqa: BLE001 — re-raised in the test thread
            errors.append(error)

    thread = threading.Thread(target=_send)
    thread.start()
    thread.join(5)
    if errors:
        raise errors[0]
