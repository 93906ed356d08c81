from celery import shared_task

from dispatch.notifications.services.delivery import deliver


@shared_task(name="notifications.deliver_notifications", ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> None:
    """Send pending pages; a page already sent (or being sent) is left alone."""
    for notification_id in notification_ids:
        deliver(notification_id=notification_id)
