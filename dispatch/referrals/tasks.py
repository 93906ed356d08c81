from celery import shared_task

from dispatch.referrals.notify import send_decision_sms


@shared_task(name="referrals.send_decision_sms", ignore_result=True)
def send_decision_sms_task(decision_sms_id: int) -> None:
    """Send the decision SMS if still pending (a redelivered task finds it sent and leaves)."""
    send_decision_sms(decision_sms_id=decision_sms_id)
