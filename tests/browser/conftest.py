"""Browser tests: real headless Chromium against the real ASGI app served by Daphne in a subprocess.

Daphne runs on the test database (committed data via `committed_db`) and the same Redis channel
layer as the test process. A test can stop and start it (`daphne`) to drop every connection.
"""

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.support import chromium
from tests.support.processes import Process, base_env, free_port
from tests.support.waiting import wait_until

PHONE = {"width": 390, "height": 844}
# A time as the pages print it in English (EcmoClock.time): "14:05" today, "4 Dec 00:12" on
# another day. A planned arrival late in the evening falls after midnight.
CLOCK_DAY = r"(\d{1,2} [A-Z][a-z]{2} )?"
CLOCK_TIME = CLOCK_DAY + r"\d{1,2}:\d{2}"


class Daphne:
    """Daphne serving config.asgi on one port; `stop()` drops every connection, as a restart would."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log_path = log_path
        self.process: Process | None = None

    def start(self) -> None:
        daphne = str(Path(sys.executable).with_name("daphne"))
        self.process = Process(
            [daphne, "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
            env=self.env,
            log_path=self.log_path,
        )
        wait_until(self._answers, 20, lambda: "Daphne did not answer:\n" + self.process.log()[-2000:])

    def _answers(self) -> bool:
        if self.process.popen.poll() is not None:
            raise AssertionError("Daphne exited:\n" + self.process.log()[-2000:])
        try:
            urllib.request.urlopen(self.url + "/login/", timeout=1).close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
        return True

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None


@pytest.fixture(scope="module")
def daphne(django_db_setup, django_db_blocker, tmp_path_factory):
    """The server process, on the test database and the test run's Redis; tests may stop and start it."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("browser tests need PostgreSQL (DATABASE_URL)")
        env = base_env(
            REALTIME_RECONNECT_INITIAL_MS=1000,
            REALTIME_RECONNECT_MAX_MS=2000,  # a page finds a restarted server within about 2 s
            REALTIME_CATCH_UP_SECONDS=5,
            DEBUG="false",
            LOG_LEVEL="WARNING",
        )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = Daphne(env, tmp_path_factory.mktemp("daphne") / "daphne.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(daphne) -> str:
    """The server's base URL."""
    return daphne.url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium.launch(p)
        yield browser
        chromium.close(browser)


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
        chromium.close(context)


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
