"""Warn coordinators about an on-call gap before a mission needs the role."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from dispatch.models import TeamRole
from dispatch.notifications import selectors
from dispatch.notifications.models import Channel, Heartbeat, Notification, Purpose
from dispatch.notifications.services.escalation import deliver_on_commit

logger = logging.getLogger(__name__)

RENOTIFY_AFTER = timedelta(hours=6)


@shared_task(name="notifications.check_roster", ignore_result=True)
def check_roster() -> list[str]:
    """Returns the roles a coordinator was told about this time."""
    now = timezone.now()
    readiness = selectors.roster_readiness(now=now)
    told = []
    for role, info in readiness["roles"].items():
        key = f"roster-gap:{role}"
        if info["covered_next_hours"]:
            Heartbeat.objects.filter(name=key).delete()
            continue
        if Heartbeat.objects.filter(name=key, last_run_at__gt=now - RENOTIFY_AFTER).exists():
            continue
        gap = info["gaps"][0]
        when = "NOW" if not info["covered_now"] else f"from {timezone.localtime(datetime.fromisoformat(gap['start'])):%d.%m. %H:%M}"  # noqa: E501
        body = f"ECMO roster gap: no reachable {TeamRole(role).label} on call {when}. Please fix the roster."
        logger.warning(body)
        with transaction.atomic():
            Heartbeat.objects.update_or_create(name=key, defaults={"last_run_at": now, "detail": gap})
            ids = []
            for coordinator in selectors.coordinators():
                number = selectors.phone_of(coordinator)
                if number:
                    ids.append(
                        Notification.objects.create(
                            recipient=coordinator,
                            purpose=Purpose.ROSTER_GAP,
                            channel=Channel.SMS,
                            to_number=number,
                            body=body,
                        ).pk
                    )
            deliver_on_commit(ids)
        told.append(role)
    return told
