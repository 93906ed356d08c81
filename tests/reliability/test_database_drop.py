"""PostgreSQL connection dropped mid-transition: the client gets an error, nothing half-written."""

import threading

import psycopg
from django.conf import settings
from django.db import connection

from dispatch.models import Mission, MissionEvent, MissionStatus
from tests.support import factories
from tests.support.waiting import wait_until


def _raw_connection() -> psycopg.Connection:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=connection.settings_dict["NAME"], autocommit=False
    )


def test_connection_killed_between_status_write_and_event_leaves_nothing(committed_db, client_for):
    coordinator = factories.make_coordinator()
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    client = client_for(coordinator)
    answer: dict = {}

    blocker = _raw_connection()
    # Hold the event-sequence row: the transition writes the status, then waits for its event number.
    blocker.execute("SELECT last_value FROM dispatch_eventsequence WHERE id = 1 FOR UPDATE")

    def transition():
        try:
            answer["response"] = client.post(
                f"/api/v1/missions/{mission.pk}/transitions/", {"to": "on_site"}, format="json"
            )
        finally:
            connection.close()

    worker = threading.Thread(target=transition)
    worker.start()
    with _raw_connection() as watcher:
        watcher.autocommit = True
        victim = wait_until(
            lambda: watcher.execute(
                # Only this test database: other runs on the same server have their own transitions.
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE %s",
                ["%dispatch_eventsequence%"],
            ).fetchone(),
            30,
            "the transition never reached the event write",
        )[0]
        # The status UPDATE is done but uncommitted in the victim's transaction right now.
        watcher.execute("SELECT pg_terminate_backend(%s)", [victim])
    worker.join(timeout=10)
    blocker.rollback()
    blocker.close()

    assert answer["response"].status_code == 503
    assert answer["response"]["Retry-After"]
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.EN_ROUTE_OUT
    assert not MissionEvent.objects.filter(mission=mission).exists()

    retry = client.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "on_site"}, format="json")
    assert retry.status_code == 200
    assert MissionEvent.objects.filter(mission=mission, to_status="on_site").count() == 1
