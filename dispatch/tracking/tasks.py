"""Periodic purge of positions (beat schedule `tracking-purge-ended-missions` in settings)."""

from celery import shared_task

from dispatch import scheduling
from dispatch.tracking import services


@shared_task(name="tracking.purge_ended_mission_positions", ignore_result=True)
def purge_ended_mission_positions(interval_s: float | None = None) -> int:
    """Beat passes its interval: a second beat's copy in the same interval leaves at once."""
    if interval_s is not None and not scheduling.claim_interval("tracking.purge_ended_mission_positions", interval_s):
        return 0
    return services.purge_ended_mission_positions()
