from celery import shared_task

from dispatch.notifications.services.standby import hang_up_calls as end_ringing_calls


@shared_task(name="notifications.hang_up_calls", ignore_result=True)
def hang_up_calls(mission_id: int, run: int = 0) -> None:
    """End the calls still ringing for a cancelled or aborted mission (re-reads; runs again if needed)."""
    end_ringing_calls(mission_id=mission_id, run=run)
