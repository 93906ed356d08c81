"""Celery tasks, one module each; they take ids and re-read the database."""

from dispatch.notifications.tasks.check_roster import check_roster
from dispatch.notifications.tasks.deliver_notifications import deliver_notifications
from dispatch.notifications.tasks.hang_up_calls import hang_up_calls
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.notifications.tasks.remind_review import remind_review
from dispatch.notifications.tasks.run_escalation_step import run_escalation_step, run_escalation_steps

__all__ = [
    "check_roster",
    "deliver_notifications",
    "hang_up_calls",
    "reconcile_paging",
    "remind_review",
    "run_escalation_step",
    "run_escalation_steps",
]
