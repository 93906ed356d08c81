"""Writing the on-call roster (coordinators only), and warning coordinators of gaps in it."""

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import NotAllowed, ValidationFailed
from dispatch.models import TeamRole
from dispatch.notifications import selectors
from dispatch.notifications.models import Heartbeat, Purpose, Shift, Tier
from dispatch.notifications.services.delivery import queue_message

logger = logging.getLogger(__name__)

# A coordinator told about a gap is told again after this long if it is still open.
RENOTIFY_AFTER = timedelta(hours=6)


def _check(*, actor, member, team_role: str, tier: str, starts_at: datetime, ends_at: datetime) -> None:
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can edit the on-call roster."))
    errors: dict[str, list[str]] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The shift must end after it starts.")]
    profile = getattr(member, "profile", None)
    if not roles.is_team_member(member) or profile is None or profile.team_role != team_role:
        errors["member"] = [_("This person is not a team member with that role.")]
    if tier not in Tier.values:
        errors["tier"] = [_("Unknown tier.")]
    if errors:
        raise ValidationFailed(errors)


def _member(member_id: int):
    member = get_user_model().objects.filter(pk=member_id).select_related("profile").first()
    if member is None:
        raise ValidationFailed({"member": [_("Unknown person.")]})
    return member


@transaction.atomic
def create_shift(
    *, actor, member_id: int, team_role: str, tier: str, starts_at: datetime, ends_at: datetime
) -> Shift:
    member = _member(member_id)
    _check(actor=actor, member=member, team_role=team_role, tier=tier, starts_at=starts_at, ends_at=ends_at)
    return Shift.objects.create(member=member, team_role=team_role, tier=tier, starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def update_shift(*, actor, shift_id: int, **changes) -> Shift:
    shift = Shift.objects.select_for_update().get(pk=shift_id)
    member = _member(changes.pop("member_id", shift.member_id))
    fields = {
        "team_role": changes.get("team_role", shift.team_role),
        "tier": changes.get("tier", shift.tier),
        "starts_at": changes.get("starts_at", shift.starts_at),
        "ends_at": changes.get("ends_at", shift.ends_at),
    }
    _check(actor=actor, member=member, **fields)
    shift.member = member
    for name, value in fields.items():
        setattr(shift, name, value)
    shift.save()
    return shift


@transaction.atomic
def delete_shift(*, actor, shift_id: int) -> None:
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can edit the on-call roster."))
    Shift.objects.filter(pk=shift_id).delete()


def warn_of_roster_gaps(*, now: datetime | None = None) -> list[str]:
    """Text every coordinator about a role with nobody reachable on call now or within the horizon.

    Once per gap per RENOTIFY_AFTER (the heartbeat row remembers); returns the roles told about.
    """
    now = now or timezone.now()
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
        start = timezone.localtime(datetime.fromisoformat(gap["start"]))
        when = "NOW" if not info["covered_now"] else f"from {start:%d.%m. %H:%M}"
        body = f"ECMO roster gap: no reachable {TeamRole(role).label} on call {when}. Please fix the roster."
        logger.warning(body)
        with transaction.atomic():
            Heartbeat.objects.update_or_create(name=key, defaults={"last_run_at": now, "detail": gap})
            for coordinator in selectors.coordinators():
                number = selectors.phone_of(coordinator)
                if number:
                    queue_message(purpose=Purpose.ROSTER_GAP, to_number=number, body=body, recipient=coordinator)
        told.append(role)
    return told
