"""Roster reads: the week view with its gaps, a member's shifts and swaps, the calendar feed."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from dispatch.errors import NotVisible
from dispatch.models import Role, TeamRole
from dispatch.notifications.models import SMS_RANK, Notification, Purpose, Shift, Tier
from dispatch.roles import display_name
from dispatch.roster.models import CalendarFeed, ShiftSwap, SwapState

# A member's calendar shows shifts from this long ago on (and every shift to come).
CALENDAR_PAST = timedelta(days=60)


def week_start(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Cell:
    """One role's primary or backup slot on one day: who is on call, and the hours nobody is."""

    day: date
    shifts: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)

    @property
    def all_past(self) -> bool:
        """Every gap of the cell is over: it is history, no longer a hole to fill."""
        return all(g["past"] for g in self.gaps)


def _gaps(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> list[dict]:
    """The parts of [start, end) no span covers."""
    gaps, cursor = [], start
    for s, e in sorted(spans):
        if s > cursor:
            gaps.append((cursor, min(s, end)))
        cursor = max(cursor, e)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [
        {"start": g0, "end": g1, "minutes": int((g1 - g0).total_seconds() // 60)} for g0, g1 in gaps if g1 > g0
    ]


def _minutes_ahead(gaps: list[dict], now: datetime) -> int:
    """The minutes of these gaps still to come: hours already past can no longer be covered."""
    return sum(int((g["end"] - max(g["start"], now)).total_seconds() // 60) for g in gaps if g["end"] > now)


def roster_roles() -> list[str]:
    """The roles a mission needs by default first, then any other role."""
    wanted = list(dict.fromkeys(settings.DEFAULT_REQUIRED_TEAM_ROLES))
    return wanted + [r for r in TeamRole.values if r not in wanted]


def week(first_day: date) -> dict:
    """Per role and tier, seven cells (Monday first) with the shifts of each day and its gaps."""
    days = [first_day + timedelta(days=i) for i in range(7)]
    bounds = [(_local_midnight(d), _local_midnight(d + timedelta(days=1))) for d in days]
    start, end = bounds[0][0], bounds[-1][1]
    shifts = list(
        Shift.objects.filter(starts_at__lt=end, ends_at__gt=start)
        .select_related("member")
        .order_by("starts_at", "pk")
    )
    now = timezone.now()
    rows = []
    for role in roster_roles():
        for tier in Tier.values:
            mine = [s for s in shifts if s.team_role == role and s.tier == tier]
            cells = []
            for day, (d0, d1) in zip(days, bounds, strict=True):
                today = [s for s in mine if s.starts_at < d1 and s.ends_at > d0]
                cell = Cell(day=day)
                for s in today:
                    cell.shifts.append(
                        {
                            "shift": s,
                            "member": display_name(s.member),
                            "from": max(s.starts_at, d0),
                            "to": min(s.ends_at, d1),
                            "starts_before": s.starts_at < d0,
                            "ends_after": s.ends_at > d1,
                        }
                    )
                spans = [(s.starts_at, s.ends_at) for s in today]
                cell.gaps = [{**gap, "past": gap["end"] <= now} for gap in _gaps(spans, d0, d1)]
                cells.append(cell)
            rows.append(
                {
                    "team_role": role,
                    "team_role_label": TeamRole(role).label,
                    "tier": tier,
                    "tier_label": Tier(tier).label,
                    "cells": cells,
                    "uncovered_h": round(sum(_minutes_ahead(c.gaps, now) for c in cells) / 60, 1),
                }
            )
    return {"days": days, "rows": rows, "start": first_day, "today": timezone.localdate()}


def team_members() -> QuerySet:
    """Everyone who may hold a shift."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.TEAM_MEMBER)
        .exclude(profile__team_role="")
        .select_related("profile")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


def _team_role_of(member) -> str:
    return getattr(getattr(member, "profile", None), "team_role", "")


def colleagues_of(member) -> QuerySet:
    """Active team members with the member's role, the member left out (none without a role)."""
    team_role = _team_role_of(member)
    if not team_role:
        return team_members().none()
    return team_members().filter(profile__team_role=team_role).exclude(pk=member.pk)


def coming_shifts(member, *, now: datetime | None = None) -> QuerySet[Shift]:
    return Shift.objects.filter(member=member, ends_at__gt=now or timezone.now()).order_by("starts_at")


def colleague_shifts(member, *, now: datetime | None = None) -> QuerySet[Shift]:
    """Coming shifts of the member's colleagues (same role): what they could take in exchange."""
    team_role = _team_role_of(member)
    if not team_role:
        return Shift.objects.none()
    return (
        Shift.objects.filter(team_role=team_role, ends_at__gt=now or timezone.now())
        .exclude(member=member)
        .select_related("member")
        .order_by("starts_at")
    )


def swaps_of(member) -> QuerySet[ShiftSwap]:
    """Swaps the member asked for or was named in, newest first."""
    return (
        ShiftSwap.objects.filter(Q(requested_by=member) | Q(colleague=member))
        .select_related("shift", "their_shift", "requested_by", "colleague", "decided_by")
        .order_by("-requested_at", "-pk")[:20]
    )


def open_swaps() -> QuerySet[ShiftSwap]:
    """Swaps waiting for a coordinator, oldest first."""
    return (
        ShiftSwap.objects.filter(state=SwapState.REQUESTED)
        .select_related("shift", "their_shift", "requested_by", "colleague")
        .order_by("requested_at", "pk")
    )


# --- test pages ---------------------------------------------------------------------------

# A test page's status settles here; until then the page keeps asking.
SELF_TEST_FINAL = frozenset(status for status, rank in SMS_RANK.items() if rank >= 5)


def self_test_pages(member, *, limit: int = 5) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member, purpose=Purpose.TEST).order_by("-created_at", "-pk")[:limit]


def _status_labels() -> dict[str, str]:
    """A test SMS's delivery status in words (Twilio's statuses and the pipeline's own)."""
    return {
        "pending": _("waiting to be sent"),
        "claimed": _("being sent"),
        "accepted": _("accepted by the SMS provider"),
        "queued": _("accepted by the SMS provider"),
        "sending": _("on its way"),
        "sent": _("sent to the phone network"),
        "delivered": _("delivered to your phone"),
        "read": _("delivered to your phone"),
        "undelivered": _("not delivered"),
        "failed": _("failed"),
        "error": _("could not be sent"),
        "skipped": _("not sent"),
    }


def self_test_brief(notification: Notification) -> dict:
    return {
        "id": notification.pk,
        "to_number": notification.to_number,
        "status": notification.status,
        "status_label": _status_labels().get(notification.status, notification.status),
        "final": notification.status in SELF_TEST_FINAL,
        "delivered": notification.status in ("delivered", "read"),
        "error": notification.error_reason or None,
        "created_at": notification.created_at.isoformat(),
        "updated_at": notification.updated_at.isoformat(),
    }


# --- calendar -------------------------------------------------------------------------------


def calendar_ics(token: str, *, now: datetime | None = None) -> bytes:
    """The member's shifts as an iCalendar feed; a wrong (or replaced) token is NotVisible (404)."""
    feed = CalendarFeed.objects.select_related("member").filter(token=token, member__is_active=True).first()
    if feed is None or not token:
        raise NotVisible(_("Calendar not found."))
    now = now or timezone.now()
    member = feed.member
    calendar = Calendar()
    calendar.add("prodid", "-//ECMO Dispatch//on-call roster//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("ECMO on call: %s") % display_name(member))
    shifts = Shift.objects.filter(member=member, ends_at__gt=now - CALENDAR_PAST).order_by("starts_at")
    for shift in shifts:
        event = Event()
        event.add("uid", f"shift-{shift.pk}@ecmo-dispatch")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add(
            "summary",
            _("ECMO on call: %(role)s (%(tier)s)")
            % {"role": TeamRole(shift.team_role).label, "tier": Tier(shift.tier).label},
        )
        calendar.add_component(event)
    return calendar.to_ical()
