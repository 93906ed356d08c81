"""Running paging tasks later: Celery normally, in-process timers in single-process mode.

Always call `enqueue` from `transaction.on_commit`: a task must never see an uncommitted row.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_timers: set[threading.Timer] = set()
_timers_lock = threading.Lock()
_reconcile_started = threading.Event()


def _run_in_process(task, args: tuple) -> None:
    close_old_connections()
    try:
        task.run(*args)
    except Exception:  # noqa: BLE001 — a timer thread has nobody to report to; the reconcile loop retries
        logger.exception("in-process task %s%s failed", task.name, args)
    finally:
        connections.close_all()


def enqueue(task, args: tuple | list, countdown: float = 0, task_id: str | None = None) -> None:
    """Run `task(*args)` after `countdown` seconds, through Celery or an in-process timer."""
    args = tuple(args)
    if not settings.SINGLE_PROCESS:
        try:
            task.apply_async(args=args, countdown=max(0.0, countdown), task_id=task_id)
        except Exception:  # noqa: BLE001 — the row says what is due; the reconcile task runs it
            logger.exception("could not enqueue %s%s; the reconcile task will run it", task.name, args)
        return

    def fire() -> None:
        with _timers_lock:
            _timers.discard(timer)
        _run_in_process(task, args)

    timer = threading.Timer(max(0.0, countdown), fire)
    timer.daemon = True
    with _timers_lock:
        _timers.add(timer)
    timer.start()


def cancel_pending() -> None:
    """Forget timers not yet fired (tests call it between cases)."""
    with _timers_lock:
        for timer in _timers:
            timer.cancel()
        _timers.clear()


def start_in_process_reconcile() -> bool:
    """Single-process mode's stand-in for Celery beat: reconcile and roster checks on a thread.

    Safe to call more than once; returns False if it was already running.
    """
    if _reconcile_started.is_set():
        return False
    _reconcile_started.set()

    def loop() -> None:
        from dispatch.notifications.tasks.check_roster import check_roster
        from dispatch.notifications.tasks.reconcile_paging import reconcile_paging

        roster_every = max(1, int(settings.ROSTER_CHECK_INTERVAL_S // settings.PAGING_RECONCILE_INTERVAL_S))
        tick = 0
        stop = threading.Event()
        while not stop.wait(settings.PAGING_RECONCILE_INTERVAL_S):
            _run_in_process(reconcile_paging, ())
            if tick % roster_every == 0:
                _run_in_process(check_roster, ())
            tick += 1

    threading.Thread(target=loop, name="paging-reconcile", daemon=True).start()
    logger.info("single-process mode: paging reconcile runs in-process every %ss",
                settings.PAGING_RECONCILE_INTERVAL_S)
    return True
