from celery import shared_task

from dispatch import scheduling
from dispatch.notifications.services.roster import warn_of_roster_gaps


@shared_task(name="notifications.check_roster", ignore_result=True)
def check_roster(interval_s: float | None = None) -> list[str]:
    """Warn coordinators about an on-call gap before a mission needs the role (roles told this time).

    Beat passes its interval: a second beat's copy in the same interval leaves at once.
    """
    if interval_s is not None and not scheduling.claim_interval("notifications.check_roster", interval_s):
        return []
    return warn_of_roster_gaps()
