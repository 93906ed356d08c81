"""/healthz says the process answers; /readyz checks database, Redis, broker and the paging heartbeat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.notifications.models import Heartbeat
from dispatch.notifications.selectors import RECONCILE_HEARTBEAT


def beat_ran(seconds_ago: float) -> None:
    Heartbeat.objects.update_or_create(
        name=RECONCILE_HEARTBEAT, defaults={"last_run_at": timezone.now() - timedelta(seconds=seconds_ago)}
    )


def test_healthz_answers_without_touching_the_database(client):
    # No database fixture: a query here would fail the test.
    answer = client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


@pytest.mark.django_db(transaction=True)
def test_readyz_is_ok_when_database_redis_broker_and_paging_heartbeat_are(client, settings):
    settings.PAGING_RECONCILE_INTERVAL_S = 20
    beat_ran(seconds_ago=5)
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content
    assert set(answer.json().values()) == {"OK"}
    assert len(answer.json()) == 4


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_naming_the_stale_paging_heartbeat(client, settings):
    settings.PAGING_RECONCILE_INTERVAL_S = 20
    beat_ran(seconds_ago=61)  # more than 3 intervals
    answer = client.get("/readyz")
    assert answer.status_code == 500
    failing = {check: state for check, state in answer.json().items() if state != "OK"}
    assert list(failing) == ["PagingHeartbeat()"]
    assert "last ran 61 s ago" in failing["PagingHeartbeat()"]


@pytest.mark.django_db(transaction=True)
def test_readyz_fails_when_the_paging_reconcile_never_ran(client):
    answer = client.get("/readyz")
    assert answer.status_code == 500
    assert "never run" in answer.json()["PagingHeartbeat()"]


def test_readyz_is_refused_through_the_public_proxy(client):
    answer = client.get("/readyz", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert answer.status_code == 403


def test_readyz_is_refused_outside_the_allowed_networks(client):
    answer = client.get("/readyz", REMOTE_ADDR="198.51.100.7")
    assert answer.status_code == 403


def test_probes_on_plain_http_are_not_redirected_when_the_site_is_https_only(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301  # everything else still goes to HTTPS
