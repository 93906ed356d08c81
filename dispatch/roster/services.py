"""Roster self-service writes: swaps (asked by a member, decided by a coordinator), calendar
addresses, and the test page a member sends themselves through the real outbound pipeline."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import Conflict, NotAllowed, NotVisible, ValidationFailed
from dispatch.notifications import selectors as paging_selectors
from dispatch.notifications import texts
from dispatch.notifications.models import Notification, Purpose, Shift
from dispatch.notifications.services.delivery import queue_message
from dispatch.notifications.services.roster import overlap_errors
from dispatch.roles import display_name
from dispatch.roster.models import CalendarFeed, ShiftSwap, SwapState, new_token

# A member may send themselves one test page per this long (a stuck finger is not a flood).
TEST_PAGE_EVERY = timedelta(seconds=60)


def _require_team_member(actor) -> None:
    if not roles.is_team_member(actor):
        raise NotAllowed(_("Only team members can do this."))


def _colleague(colleague_id: int | None, *, team_role: str, actor):
    colleague = (
        get_user_model().objects.filter(pk=colleague_id, is_active=True).select_related("profile").first()
        if colleague_id
        else None
    )
    profile = getattr(colleague, "profile", None)
    if (
        colleague is None
        or colleague.pk == actor.pk
        or not roles.is_team_member(colleague)
        or profile is None
        or profile.team_role != team_role
    ):
        raise ValidationFailed({"colleague": [_("Choose a colleague with the same role.")]})
    return colleague


@transaction.atomic
def request_swap(
    *, actor, shift_id: int, colleague_id: int | None, their_shift_id: int | None = None, note: str = ""
) -> ShiftSwap:
    """A member asks to hand their shift to a colleague of the same role (optionally taking one of
    the colleague's in exchange). 404 for a shift that is not theirs; 409 if one is already asked."""
    _require_team_member(actor)
    shift = Shift.objects.select_for_update().filter(pk=shift_id, member=actor).first() if shift_id else None
    if shift is None:
        raise ValidationFailed({"shift": [_("Choose one of your shifts.")]})
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if shift.ends_at <= now:
        errors["shift"] = [_("This shift is over.")]
    try:
        colleague = _colleague(colleague_id, team_role=shift.team_role, actor=actor)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        colleague = None
    their_shift = None
    if their_shift_id:
        their_shift = Shift.objects.filter(pk=their_shift_id).first()
        if (
            their_shift is None
            or colleague is None
            or their_shift.member_id != colleague.pk
            or their_shift.team_role != shift.team_role
            or their_shift.ends_at <= now
        ):
            errors["their_shift"] = [_("Choose one of the colleague's coming shifts, or none.")]
    if not errors:
        moves = [("colleague", shift, colleague)] + ([("their_shift", their_shift, actor)] if their_shift else [])
        errors = _double_duty(moves)
    if errors:
        raise ValidationFailed(errors)
    if ShiftSwap.objects.filter(shift=shift, state=SwapState.REQUESTED).exists():
        raise Conflict(_("A swap of this shift is already waiting for a coordinator."))
    try:
        with transaction.atomic():
            return ShiftSwap.objects.create(
                shift=shift,
                their_shift=their_shift,
                requested_by=actor,
                colleague=colleague,
                note=(note or "").strip()[:200],
            )
    except IntegrityError:  # the same request twice at once: the other one won
        raise Conflict(_("A swap of this shift is already waiting for a coordinator.")) from None


def _double_duty(moves: list[tuple[str, Shift, object]]) -> dict[str, list[str]]:
    """Per field, whom the swap's moves (field, shift, new holder) would put on call twice. Asked
    at the request, so the member reads it beside the field to change, and again at the approval,
    because the roster may have moved since."""
    exclude = tuple(moved.pk for _field, moved, _member in moves)
    errors: dict[str, list[str]] = {}
    for field_name, moved, member in moves:
        found = overlap_errors(
            member=member,
            team_role=moved.team_role,
            tier=moved.tier,
            starts_at=moved.starts_at,
            ends_at=moved.ends_at,
            exclude=exclude,
        )
        if found:
            errors[field_name] = [message for messages in found.values() for message in messages]
    return errors


def _lock_swap(swap_id: int) -> ShiftSwap:
    swap = ShiftSwap.objects.select_for_update().filter(pk=swap_id).first()
    if swap is None:
        raise NotVisible(_("Swap request not found."))
    return swap


@transaction.atomic
def withdraw_swap(*, actor, swap_id: int) -> ShiftSwap:
    """The member who asked takes the request back while it still waits (404 for anyone else)."""
    swap = _lock_swap(swap_id)
    if swap.requested_by_id != actor.pk:
        raise NotVisible(_("Swap request not found."))
    if swap.state != SwapState.REQUESTED:
        raise Conflict(_("This swap was already decided."), state=swap.state)
    swap.state, swap.decided_at = SwapState.WITHDRAWN, timezone.now()
    swap.save(update_fields=["state", "decided_at"])
    return swap


@transaction.atomic
def decide_swap(*, actor, swap_id: int, approve: bool) -> ShiftSwap:
    """A coordinator approves (the shifts change hands now: the next page goes to the new holder)
    or declines. 409 if already decided, or if the shifts changed since the request."""
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can approve swaps."))
    swap = _lock_swap(swap_id)
    if swap.state != SwapState.REQUESTED:
        raise Conflict(_("This swap was already decided."), state=swap.state)
    if approve:
        _hand_over(swap)
    swap.state = SwapState.APPROVED if approve else SwapState.DECLINED
    swap.decided_by, swap.decided_at = actor, timezone.now()
    swap.save(update_fields=["state", "decided_by", "decided_at"])
    _tell_the_members(swap)
    return swap


def _tell_the_members(swap: ShiftSwap) -> None:
    """One SMS per fact to each member of a decided swap (on commit, with the decision): whoever now
    holds a shift learns it before the first page for it, and whoever gave it away stops expecting one."""
    requester, colleague = swap.requested_by, swap.colleague
    told = []
    if swap.state == SwapState.APPROVED:
        moves = [(swap.shift, requester, colleague)]
        if swap.their_shift_id:
            moves.append((swap.their_shift, colleague, requester))
        for shift, giver, taker in moves:
            span = texts.shift_span(shift.starts_at, shift.ends_at)
            told += [
                (giver, texts.shift_handed_over(team_role=shift.team_role, span=span, to_name=display_name(taker))),
                (taker, texts.shift_taken_over(team_role=shift.team_role, span=span, from_name=display_name(giver))),
            ]
    else:  # one SMS each: the shift asked about stays where it was (and so does an offered one)
        span = texts.shift_span(swap.shift.starts_at, swap.shift.ends_at)
        body = texts.swap_declined(team_role=swap.shift.team_role, span=span, holder_name=display_name(requester))
        told = [(requester, body), (colleague, body)]
    for member, body in told:
        number = paging_selectors.phone_of(member)
        if number:  # without a number nobody can be paged either; the roster page shows the decision
            queue_message(purpose=Purpose.ROSTER, to_number=number, body=body, recipient=member)


def _may_hold(member, team_role: str) -> bool:
    """Whether the paging lookup would page this person for this role (active, on the team, that role)."""
    member = get_user_model().objects.filter(pk=member.pk, is_active=True).select_related("profile").first()
    profile = getattr(member, "profile", None)
    return (
        member is not None
        and roles.is_team_member(member)
        and profile is not None
        and profile.team_role == team_role
    )


def _hand_over(swap: ShiftSwap) -> None:
    """Move the shift(s) to their new holders, locked in primary-key order. Caller holds the swap lock."""
    ids = sorted(pk for pk in (swap.shift_id, swap.their_shift_id) if pk)
    shifts = {s.pk: s for s in Shift.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    mine, theirs = shifts.get(swap.shift_id), shifts.get(swap.their_shift_id) if swap.their_shift_id else None
    if mine is None or mine.member_id != swap.requested_by_id or (
        swap.their_shift_id and (theirs is None or theirs.member_id != swap.colleague_id)
    ):
        raise Conflict(_("The roster changed since this swap was asked for; it cannot be approved."))
    moves = [("colleague", mine, swap.colleague)] + ([("their_shift", theirs, swap.requested_by)] if theirs else [])
    now = timezone.now()
    for _field, shift, member in moves:
        if shift.ends_at <= now:
            raise Conflict(_("This shift is over; the roster of the past stays as it was."))
        if not _may_hold(member, shift.team_role):
            raise Conflict(
                _("%(name)s can no longer be paged as %(role)s; the shift stays with its holder.")
                % {"name": display_name(member), "role": shift.get_team_role_display()}
            )
    errors = _double_duty(moves)
    if errors:
        raise Conflict(" ".join(message for messages in errors.values() for message in messages))
    for _field, shift, member in moves:
        shift.member = member
        shift.save(update_fields=["member"])


# --- calendar -------------------------------------------------------------------------------


def calendar_feed(*, member) -> CalendarFeed:
    """The member's calendar address, made on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(member=member)
    return feed


@transaction.atomic
def rotate_calendar(*, member) -> CalendarFeed:
    """A new secret address; the old one answers 404 from now on."""
    feed = calendar_feed(member=member)
    feed.token = new_token()
    feed.save(update_fields=["token", "rotated_at"])
    return feed


# --- test page ------------------------------------------------------------------------------


def self_test_text(member) -> str:
    return _("ECMO Dispatch test page for %(name)s: pages reach this phone. No reply needed.") % {
        "name": display_name(member)
    }


@transaction.atomic
def send_test_page(*, member) -> Notification:
    """One SMS to the member's own phone through the real pipeline (claim, send, status callback).

    400 without a phone number; 409 if one was sent in the last minute.
    """
    if not (roles.is_team_member(member) or roles.is_coordinator(member)):
        raise NotAllowed(_("Only the centre's staff can send themselves a test page."))
    number = paging_selectors.phone_of(member)
    if not number:
        raise ValidationFailed({"phone": [_("You have no mobile number on file; ask a coordinator to add it.")]})
    # One at a time per member: two quick taps must not both pass the check below.
    get_user_model().objects.select_for_update().filter(pk=member.pk).first()
    recent = Notification.objects.filter(
        recipient=member, purpose=Purpose.TEST, created_at__gt=timezone.now() - TEST_PAGE_EVERY
    )
    if recent.exists():
        raise Conflict(_("A test page was sent less than a minute ago; wait for its status."))
    return queue_message(purpose=Purpose.TEST, to_number=number, body=self_test_text(member), recipient=member)
