from celery import shared_task

from dispatch.notifications.services.reviews import remind_review as send_review_reminder


@shared_task(name="notifications.remind_review", ignore_result=True)
def remind_review(mission_id: int, review_at: str) -> None:
    """Remind of an advice review if the mission still waits for it at that time (else leave quietly)."""
    send_review_reminder(mission_id=mission_id, review_at=review_at)
