"""Celery tasks of drills; they take ids and re-read the database."""

from celery import shared_task

from dispatch.drills import services


@shared_task(name="drills.end_drill", ignore_result=True)
def end_drill(mission_id: int) -> None:
    """End the drill if it is still running at its timeout (else leave quietly)."""
    services.end_if_due(mission_id=mission_id)


@shared_task(name="drills.end_overdue_drills", ignore_result=True)
def end_overdue_drills(interval_s: float = 60.0) -> None:
    """Beat: end drills whose timeout task was lost."""
    services.end_overdue()
