from celery import shared_task

from dispatch.notifications.services.roster import warn_of_roster_gaps


@shared_task(name="notifications.check_roster", ignore_result=True)
def check_roster() -> list[str]:
    """Warn coordinators about an on-call gap before a mission needs the role (roles told this time)."""
    return warn_of_roster_gaps()
