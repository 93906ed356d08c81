"""Writing the on-call roster (coordinators only), and warning coordinators of gaps in it.

The on-call lookup (`selectors.on_call`) reads `Shift.member`: an approved swap
(`dispatch.roster`) changes that field, so the next page goes to whoever holds the shift now.
"""

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import NotAllowed, ValidationFailed
from dispatch.notifications import selectors, texts
from dispatch.notifications.models import Heartbeat, Purpose, Shift, Tier
from dispatch.notifications.services.delivery import queue_message
from dispatch.roles import display_name

logger = logging.getLogger(__name__)

# A coordinator told about a gap is told again after this long if it is still open.
RENOTIFY_AFTER = timedelta(hours=6)


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%d.%m. %H:%M}"


def overlap_errors(
    *, member, team_role: str, tier: str, starts_at: datetime, ends_at: datetime, exclude: tuple[int, ...] = ()
) -> dict[str, list[str]]:
    """A person is on call once at a time, and a role's primary (or backup) slot holds one person
    at a time: the shifts this one would overlap, per field. Back-to-back shifts do not overlap."""
    errors: dict[str, list[str]] = {}
    overlapping = (
        Shift.objects.filter(starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=exclude)
        .select_related("member")
        .order_by("starts_at")
    )
    mine = overlapping.filter(member=member).first()
    if mine is not None:
        errors["member"] = [
            _("%(name)s is already on call then (%(start)s–%(end)s).")
            % {"name": display_name(member), "start": _when(mine.starts_at), "end": _when(mine.ends_at)}
        ]
    taken = overlapping.filter(team_role=team_role, tier=tier).exclude(member=member).first()
    if taken is not None:
        errors["starts_at"] = [
            _("%(name)s already holds this slot then (%(start)s–%(end)s).")
            % {"name": display_name(taken.member), "start": _when(taken.starts_at), "end": _when(taken.ends_at)}
        ]
    return errors


def _check(
    *, actor, member, team_role: str, tier: str, starts_at: datetime, ends_at: datetime, shift_id: int | None = None
) -> None:
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
    if not errors:
        errors = overlap_errors(
            member=member,
            team_role=team_role,
            tier=tier,
            starts_at=starts_at,
            ends_at=ends_at,
            exclude=(shift_id,) if shift_id else (),
        )
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
    _check(actor=actor, member=member, shift_id=shift.pk, **fields)
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
        start = None if not info["covered_now"] else datetime.fromisoformat(gap["start"])
        body = texts.roster_gap_message(role, start)
        logger.warning("roster gap: no reachable %s on call from %s", role, gap["start"])
        with transaction.atomic():
            Heartbeat.objects.update_or_create(name=key, defaults={"last_run_at": now, "detail": gap})
            for coordinator in selectors.coordinators():
                number = selectors.phone_of(coordinator)
                if number:
                    queue_message(purpose=Purpose.ROSTER_GAP, to_number=number, body=body, recipient=coordinator)
        told.append(role)
    return told
