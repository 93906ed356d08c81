"""Writing the on-call roster (coordinators only)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import NotAllowed, ValidationFailed
from dispatch.notifications.models import Shift, Tier


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
