"""Work runs later only through `dispatch.scheduling`: on commit, by task name, Celery or in-process."""

import threading
import uuid

import pytest
from celery import shared_task
from django.db import transaction

from dispatch import scheduling
from tests.support.waiting import wait_until

RAN: list[tuple] = []
RAN_EVENT = threading.Event()


@shared_task(name="tests.scheduling.record")
def record(*args) -> None:
    RAN.append(args)
    RAN_EVENT.set()


@pytest.fixture(autouse=True)
def _clean():
    RAN.clear()
    RAN_EVENT.clear()
    yield
    scheduling.cancel_pending()


def test_nothing_is_enqueued_when_the_transaction_rolls_back(monkeypatch, transactional_db):
    sent = []
    monkeypatch.setattr(scheduling, "enqueue", lambda name, args, **options: sent.append((name, args)))
    with pytest.raises(RuntimeError), transaction.atomic():
        scheduling.enqueue_on_commit("tests.scheduling.record", (1,))
        raise RuntimeError("rolled back")
    assert sent == []


def test_the_task_is_enqueued_by_name_once_the_transaction_commits(monkeypatch, transactional_db):
    sent = []
    monkeypatch.setattr(scheduling, "enqueue", lambda name, args, **options: sent.append((name, args, options)))
    with transaction.atomic():
        scheduling.enqueue_on_commit("tests.scheduling.record", (1, 2), countdown=3, task_id="t-1")
        assert sent == []
    assert sent == [("tests.scheduling.record", (1, 2), {"countdown": 3, "task_id": "t-1"})]


def test_with_celery_the_task_goes_to_the_broker_with_its_countdown_and_id(monkeypatch, settings):
    settings.SINGLE_PROCESS = False
    calls = []
    monkeypatch.setattr(scheduling.current_app, "send_task", lambda name, **kw: calls.append((name, kw)))
    scheduling.enqueue("tests.scheduling.record", [5], countdown=-1, task_id="alert-1-x")
    assert calls == [("tests.scheduling.record", {"args": (5,), "countdown": 0.0, "task_id": "alert-1-x"})]


def test_single_process_runs_the_named_task_on_a_timer(settings):
    settings.SINGLE_PROCESS = True
    scheduling.enqueue("tests.scheduling.record", (7,), countdown=0.05)
    assert RAN_EVENT.wait(5), "the in-process timer never ran the task"
    assert RAN == [(7,)]


def test_a_cancelled_timer_never_runs(settings):
    settings.SINGLE_PROCESS = True
    scheduling.enqueue("tests.scheduling.record", (8,), countdown=5)
    scheduling.cancel_pending()
    assert not RAN_EVENT.wait(0.2)
    assert RAN == []


def test_cancelling_waits_for_a_task_that_already_started(settings):
    settings.SINGLE_PROCESS = True
    started, release = threading.Event(), threading.Event()

    @shared_task(name="tests.scheduling.slow")
    def slow() -> None:
        started.set()
        release.wait(5)
        RAN.append(("slow",))

    scheduling.enqueue("tests.scheduling.slow", ())
    assert started.wait(5)
    threading.Timer(0.2, release.set).start()
    scheduling.cancel_pending()
    assert RAN == [("slow",)]


def test_a_periodic_task_claims_its_interval_once():
    name = f"tests.periodic.{uuid.uuid4().hex}"
    assert scheduling.claim_interval(name, 20.0) is True
    assert scheduling.claim_interval(name, 20.0) is False  # a second beat's copy of the same run


def test_another_periodic_task_has_its_own_claim():
    first, other = f"tests.periodic.{uuid.uuid4().hex}", f"tests.periodic.{uuid.uuid4().hex}"
    scheduling.claim_interval(first, 20.0)
    assert scheduling.claim_interval(other, 20.0) is True


def test_the_claim_lapses_within_the_interval_so_the_next_run_goes_ahead(settings):
    name = f"tests.periodic.{uuid.uuid4().hex}"
    assert scheduling.claim_interval(name, 1.0)
    # The claim lasts at most the interval: the next tick of the same beat runs.
    wait_until(lambda: scheduling.claim_interval(name, 1.0), timeout=3, message="the claim never lapsed")


def test_a_periodic_task_runs_when_redis_cannot_be_asked_for_its_claim(settings):
    settings.CACHES = {
        **settings.CACHES,
        settings.COORDINATION_CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    name = f"tests.periodic.{uuid.uuid4().hex}"
    assert scheduling.claim_interval(name, 20.0) is True
    assert scheduling.claim_interval(name, 20.0) is True  # no claim was recorded: run rather than miss
