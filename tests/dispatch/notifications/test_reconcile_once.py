"""Two beats send every periodic task: each interval the reconcile runs once, not once per beat."""

import importlib
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone

from dispatch.notifications.models import Heartbeat
from dispatch.notifications.selectors import RECONCILE_HEARTBEAT
from dispatch.notifications.tasks.check_roster import check_roster
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.tracking.tasks import purge_ended_mission_positions

PERIODIC = ("notifications.reconcile_paging", "notifications.check_roster", "tracking.purge_ended_mission_positions")


@pytest.fixture(autouse=True)
def _no_claims(settings):
    """Claims left by an earlier test (or a beat on this Redis database) must not skip this one's runs."""
    keys = [f"periodic:{name}" for name in PERIODIC]
    caches[settings.COORDINATION_CACHE_ALIAS].delete_many(keys)
    yield
    caches[settings.COORDINATION_CACHE_ALIAS].delete_many(keys)


@pytest.mark.django_db
def test_the_second_beats_copy_of_a_reconcile_leaves_without_running():
    assert "overdue_steps" in reconcile_paging(interval_s=20.0)
    first_run = Heartbeat.objects.get(name=RECONCILE_HEARTBEAT).last_run_at
    assert reconcile_paging(interval_s=20.0) == {"skipped": "ran this interval"}
    assert Heartbeat.objects.get(name=RECONCILE_HEARTBEAT).last_run_at == first_run


@pytest.mark.django_db
def test_a_reconcile_asked_for_by_hand_always_runs():
    reconcile_paging(interval_s=20.0)
    Heartbeat.objects.filter(name=RECONCILE_HEARTBEAT).update(last_run_at=timezone.now() - timedelta(minutes=5))
    assert "overdue_steps" in reconcile_paging()  # no interval: not a beat's copy
    age = timezone.now() - Heartbeat.objects.get(name=RECONCILE_HEARTBEAT).last_run_at
    assert age < timedelta(seconds=5)


@pytest.mark.django_db
def test_the_second_beats_copy_of_the_roster_check_leaves_without_running(monkeypatch):
    runs = []
    # The package re-exports the task under the module's name: patch the module itself.
    module = importlib.import_module("dispatch.notifications.tasks.check_roster")
    monkeypatch.setattr(module, "warn_of_roster_gaps", lambda: runs.append(1) or [])
    check_roster(interval_s=300.0)
    check_roster(interval_s=300.0)
    assert runs == [1]


@pytest.mark.django_db
def test_the_second_beats_copy_of_the_position_purge_leaves_without_running(monkeypatch):
    runs = []
    monkeypatch.setattr("dispatch.tracking.tasks.services.purge_ended_mission_positions", lambda: runs.append(1) or 0)
    purge_ended_mission_positions(interval_s=60.0)
    purge_ended_mission_positions(interval_s=60.0)
    assert runs == [1]
