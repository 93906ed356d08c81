"""Fixtures every suite shares; the helpers behind them live in tests/support/."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from dispatch.models import EventSequence, Role
from hospitals.models import Hospital
from hospitals.reference import load_reference_hospitals
from tests.support import factories
from tests.support.clients import api_client_for


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes really commit (for threads, live servers, workers).

    pytest-django empties every table after such a test, migrations' data included, so the
    reference data the service relies on is put back first.
    """
    load_reference_hospitals(Hospital)
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    EventSequence.objects.get_or_create(pk=1)
    return transactional_db


@pytest.fixture
def api():
    """An API client; call `api.force_authenticate(user)` or use the role fixtures."""
    return APIClient()


@pytest.fixture
def coordinator(db):
    return factories.make_coordinator()


@pytest.fixture
def coordinator_api(coordinator):
    return api_client_for(coordinator)


@pytest.fixture
def referrer(db):
    return factories.make_referrer(factories.regional_hospital("SBMS"))


@pytest.fixture
def referrer_api(referrer):
    return api_client_for(referrer)


@pytest.fixture
def team_member(db):
    return factories.make_team_member()


@pytest.fixture
def team_member_api(team_member):
    return api_client_for(team_member)


@pytest.fixture
def client_for():
    return api_client_for


@pytest.fixture(autouse=True)
def _english_unless_asked(settings):
    """The service speaks Slovene by default (LANGUAGE_CODE "sl"); the suite reads English texts.

    A request without Accept-Language, and text rendered outside a request, is then English here;
    tests/i18n asks for Slovene explicitly (and checks that the configured default is Slovene).
    """
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s per user; tests create hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _flush_survives_a_deadlock():
    """Between two transactional tests the database is emptied with TRUNCATE. A live server of the
    browser tests may be reading at that moment (a page's catch-up poll), and PostgreSQL then ends
    one of the two with "deadlock detected" — sometimes the TRUNCATE. Its locks are released at
    once, so the flush is simply run again; the server's read is its own business."""
    from django.core.management.base import CommandError
    from django.core.management.commands import flush

    original = flush.Command.handle

    def handle(self, **options):
        for attempt in range(1, 6):
            try:
                return original(self, **options)
            except CommandError as exc:
                if attempt == 5 or "deadlock detected" not in str(exc.__cause__ or ""):
                    raise

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(scope="session", autouse=True)
def _close_connection_pools(django_db_setup, django_db_blocker):
    """Idle pooled connections would keep the test database from being dropped at the end.

    So would the session of a worker or server process a test killed, which PostgreSQL may not
    have noticed yet: those are this run's own processes, so their sessions are ended too.
    """
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        default = connections["default"]
        if default.vendor == "postgresql":
            with default.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        for connection in connections.all():
            connection.close()
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
