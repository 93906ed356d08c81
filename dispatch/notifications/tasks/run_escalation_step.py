from celery import shared_task

from dispatch.notifications.services.escalation import run_due_step


@shared_task(name="notifications.run_escalation_step", ignore_result=True)
def run_escalation_step(alert_id: int, token: str) -> None:
    """Run the alert's next step if this task's token is still the active one (else leave quietly)."""
    run_due_step(alert_id=alert_id, token=token)
