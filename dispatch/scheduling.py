"""The one place that runs work later: Celery tasks by name, enqueued only once the caller commits.

A task must never see an uncommitted row, so features call `enqueue_on_commit`. Tasks are named
(`"notifications.deliver_notifications"`), never imported here: a service that schedules work
needs no import of the task module that calls it back, so no import cycle can form.

Without Redis (`REDIS_URL` empty, `settings.SINGLE_PROCESS`) there is no broker and no worker:
tasks then run on in-process timers with their delays honoured, and `start_in_process_beat`
runs the Celery beat schedule on a thread. One interface, two engines; tests use the in-process
one to keep escalation timing under their control.
"""

import logging
import threading

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

_timers: set[threading.Timer] = set()
_timers_lock = threading.Condition()
_running = 0  # in-process tasks whose timer has fired and that have not finished yet
_beat_started = threading.Event()


def _task(name: str):
    return current_app.tasks[name]


def _run_in_process(name: str, args: tuple) -> None:
    close_old_connections()
    try:
        _task(name).run(*args)
    except Exception:  # noqa: BLE001 — a timer thread has nobody to report to; the reconcile loop retries
        logger.exception("in-process task %s%s failed", name, args)
    finally:
        connections.close_all()


def enqueue(name: str, args: tuple | list, *, countdown: float = 0, task_id: str | None = None) -> None:
    """Run task `name` with `args` after `countdown` seconds, through Celery or an in-process timer.

    Call it from `transaction.on_commit` (or use `enqueue_on_commit`). A failure to enqueue is
    logged, never raised: the database says what is due and the reconcile task runs it.
    """
    args = tuple(args)
    if not settings.SINGLE_PROCESS:
        try:
            current_app.send_task(name, args=args, countdown=max(0.0, countdown), task_id=task_id)
        except Exception:  # noqa: BLE001 — see docstring
            logger.exception("could not enqueue %s%s; the reconcile task will run it", name, args)
        return

    def fire() -> None:
        global _running
        with _timers_lock:
            _timers.discard(timer)
            _running += 1
        try:
            _run_in_process(name, args)
        finally:
            with _timers_lock:
                _running -= 1
                _timers_lock.notify_all()

    timer = threading.Timer(max(0.0, countdown), fire)
    timer.daemon = True
    with _timers_lock:
        _timers.add(timer)
    timer.start()


def enqueue_on_commit(name: str, args: tuple | list, *, countdown: float = 0, task_id: str | None = None) -> None:
    """`enqueue` once the current transaction commits (at once outside one); never on rollback."""
    args = tuple(args)
    transaction.on_commit(lambda: enqueue(name, args, countdown=countdown, task_id=task_id), robust=True)


def cancel_pending(*, wait_s: float = 5.0) -> None:
    """Forget in-process timers not yet fired and wait for tasks already running (tests call it
    between cases, so no task touches the tables while they are emptied)."""
    with _timers_lock:
        # A running task may schedule another one: cancel again until nothing runs or waits.
        while True:
            for timer in _timers:
                timer.cancel()
            _timers.clear()
            if not _timers_lock.wait_for(lambda: _running == 0, timeout=wait_s) or not _timers:
                return


def claim_interval(name: str, interval_s: float) -> bool:
    """Claim this interval's run of periodic task `name`: False if it already ran within the interval.

    Two beats (one per node, or a restarted beat next to a lingering one) each send every
    periodic task; the first copy to arrive claims the interval with an atomic add in the
    shared Redis, and any other copy within 90 % of the interval leaves at once. So every
    interval the task runs once, whichever beat sent it; a beat that dies leaves the other's
    copies to run. Without Redis (single-process mode) the claim is per process: one beat only.
    If Redis cannot be asked, the copy runs: the periodic tasks are idempotent, and a second run
    costs less than a missed one.
    """
    ttl = max(1, int(interval_s * 0.9))
    try:
        return caches[settings.COORDINATION_CACHE_ALIAS].add(f"periodic:{name}", timezone.now().isoformat(), ttl)
    except Exception:  # noqa: BLE001 — redis-py's connection and timeout errors, whatever the client
        logger.warning("could not claim this interval of %s; running it anyway", name, exc_info=True)
        return True


def start_in_process_beat() -> bool:
    """Single-process mode's stand-in for Celery beat: `CELERY_BEAT_SCHEDULE` on one thread.

    Started by the ASGI entry point when there is no Redis; safe to call twice (False then).
    """
    if _beat_started.is_set():
        return False
    _beat_started.set()
    schedule = [(entry["task"], float(entry["schedule"])) for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    if not schedule:
        return True
    tick_s = min(every for _name, every in schedule)

    def loop() -> None:
        elapsed, stop = 0.0, threading.Event()
        next_due = {name: every for name, every in schedule}
        while not stop.wait(tick_s):
            elapsed += tick_s
            for name, every in schedule:
                if elapsed >= next_due[name] - 1e-6:
                    next_due[name] += every
                    _run_in_process(name, ())

    threading.Thread(target=loop, name="in-process-beat", daemon=True).start()
    logger.info("single-process mode: %d periodic tasks run in-process (every %ss at most)", len(schedule), tick_s)
    return True
