"""Periodic purge of positions (beat schedule `tracking-purge-ended-missions` in settings)."""

from celery import shared_task

from dispatch.tracking import services


@shared_task(name="tracking.purge_ended_mission_positions", ignore_result=True)
def purge_ended_mission_positions() -> int:
    return services.purge_ended_mission_positions()
