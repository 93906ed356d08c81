from celery import shared_task

from dispatch.notifications.services.escalation import run_due_step, run_due_steps


@shared_task(name="notifications.run_escalation_step", ignore_result=True)
def run_escalation_step(alert_id: int, token: str) -> None:
    """Run the alert's next step if this task's token is still the active one (else leave quietly)."""
    run_due_step(alert_id=alert_id, token=token)


@shared_task(name="notifications.run_escalation_steps", ignore_result=True)
def run_escalation_steps(steps: list[list]) -> None:
    """An activation's first steps, [alert id, token] each: one transaction, their pages sent together."""
    run_due_steps(steps=[(alert_id, token) for alert_id, token in steps])
