"""Reads about team alerting shared by the board, the API, the phone page and the tasks."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from dispatch import statuses
from dispatch.models import Mission, MissionAssignment, MissionStatus, Role
from dispatch.notifications.errors import reason
from dispatch.notifications.models import (
    CLAIMED,
    ERROR,
    OPEN_STATES,
    PENDING,
    Alert,
    AlertRecipient,
    AlertState,
    Channel,
    Heartbeat,
    Notification,
    PagingContact,
    Response,
    Shift,
)
from dispatch.roles import display_name

RECONCILE_HEARTBEAT = "paging-reconcile"


# Before activation a mission has no pages, so its coverage needs no alert query.
NEVER_PAGED = frozenset({MissionStatus.REQUESTED, MissionStatus.UNDER_REVIEW})
# Until the team is ready a coordinator still looks for people: who is busy elsewhere matters then.
STILL_STAFFING = NEVER_PAGED | {MissionStatus.TEAM_ACTIVATED}
COVERED = ("accepted", "covered_by_phone")


def busy_elsewhere(member_ids: Iterable[int], *, mission_id: int | None = None) -> dict[int, str]:
    """Team members assigned to another active mission: {member_id: that mission's code}.

    Someone on the road for one mission cannot answer a page for a second one, so automatic
    paging skips them and readiness counts them as unavailable. One query.
    """
    # A drill never keeps anyone from a real page.
    rows = MissionAssignment.objects.filter(
        member_id__in=list(member_ids), mission__status__in=statuses.ACTIVE, mission__is_drill=False
    )
    if mission_id is not None:
        rows = rows.exclude(mission_id=mission_id)
    busy: dict[int, str] = {}
    for member_id, code in rows.order_by("assigned_at", "pk").values_list("member_id", "mission__code"):
        busy.setdefault(member_id, code)
    return busy


def _busy_on_call(missions: Sequence[Mission]) -> dict[str, list[MissionAssignment]]:
    """Per team role: assignments on active missions of people on call now for that role (one query)."""
    roles = {role for mission in missions for role in mission.required_roles}
    now = timezone.now()
    rows = (
        MissionAssignment.objects.filter(
            mission__status__in=statuses.ACTIVE,
            mission__is_drill=False,
            member__is_active=True,
            member__shifts__team_role__in=roles,
            member__shifts__starts_at__lte=now,
            member__shifts__ends_at__gt=now,
        )
        .annotate(on_call_role=F("member__shifts__team_role"), mission_code=F("mission__code"))
        .select_related("member")
        .order_by("assigned_at", "pk")
    )
    by_role: dict[str, list[MissionAssignment]] = defaultdict(list)
    for row in rows:
        by_role[row.on_call_role].append(row)
    return by_role


def _add_busy(coverage: dict[int, dict[str, dict]], missions: Sequence[Mission]) -> None:
    """Name, per role still to staff, the people on call for it who are busy on another mission."""
    staffing = [m for m in missions if m.status in STILL_STAFFING]
    if not staffing:
        return
    by_role = _busy_on_call(staffing)
    for mission in staffing:
        for role, entry in coverage[mission.pk].items():
            if entry["state"] in COVERED:
                continue
            seen: set[int] = set()
            for row in by_role.get(role, ()):
                if row.mission_id != mission.pk and row.member_id not in seen:
                    seen.add(row.member_id)
                    entry["busy"].append({"member": display_name(row.member), "mission_code": row.mission_code})


def role_coverage(missions: Sequence[Mission]) -> dict[int, dict[str, dict]]:
    """Per mission, per required role: who covers it and how far paging got.

    Shape: {mission_id: {role: {"state": "accepted"|"paging"|"declined"|"uncovered"|"covered_by_phone"
    |"withdrawn"|"not_paged", "member": name or None, "busy": [{"member", "mission_code"}]}}}.
    "declined": still paging, and the last answer was a no. "withdrawn": paged, and the page was
    called off with the mission before anyone took it (not "not paged yet": it was). "busy": people
    on call for the role who are on another active mission (filled only while the mission is still
    being staffed, one query for all).
    Uses the missions' required roles and their assignments (prefetch `assignments__member`).
    """
    coverage: dict[int, dict[str, dict]] = defaultdict(dict)
    for mission in missions:
        for role in mission.required_roles:
            coverage[mission.pk][role] = {"state": "not_paged", "member": None, "busy": []}
    paged_ids = [m.pk for m in missions if m.status not in NEVER_PAGED]
    alerts = Alert.objects.filter(mission_id__in=paged_ids).select_related("accepted_by") if paged_ids else []
    last_answers = {}
    answers = AlertRecipient.objects.filter(alert__mission_id__in=paged_ids, responded_at__isnull=False)
    for rec in answers.select_related("member").order_by("responded_at") if paged_ids else []:
        last_answers[rec.alert_id] = rec
    for alert in alerts:
        state, member = alert.state, None
        if state == AlertState.CANCELLED:
            state = "withdrawn"
        if state == AlertState.ACCEPTED and alert.accepted_by:
            member = display_name(alert.accepted_by)
        last = last_answers.get(alert.pk)
        if state == AlertState.PAGING and last is not None and last.response == Response.DECLINED:
            state, member = "declined", display_name(last.member)
        coverage[alert.mission_id][alert.team_role] = {"state": state, "member": member, "busy": []}
    for assignment in (a for mission in missions for a in mission.assignments.all()):
        entry = coverage[assignment.mission_id].get(assignment.team_role)
        if entry is None or entry["state"] in ("not_paged", "withdrawn", "accepted", "covered_by_phone"):
            state = entry["state"] if entry and entry["state"] == "covered_by_phone" else "accepted"
            member = display_name(assignment.member)
            coverage[assignment.mission_id][assignment.team_role] = {"state": state, "member": member, "busy": []}
    _add_busy(coverage, missions)
    return dict(coverage)


# --- roster -------------------------------------------------------------------------------


def shifts_at(*, team_role: str, at: datetime, tier: str | None = None) -> QuerySet[Shift]:
    qs = Shift.objects.filter(team_role=team_role, starts_at__lte=at, ends_at__gt=at, member__is_active=True)
    if tier:
        qs = qs.filter(tier=tier)
    return qs.select_related("member", "member__profile").order_by("tier", "starts_at", "pk")


def on_call(*, team_role: str, at: datetime | None = None, tier: str | None = None) -> list:
    """Who is on call for a role at a time (primary first), one entry per person."""
    seen, people = set(), []
    for shift in shifts_at(team_role=team_role, at=at or timezone.now(), tier=tier):
        if shift.member_id not in seen:
            seen.add(shift.member_id)
            people.append(shift.member)
    return people


def qualified_members(*, team_role: str) -> QuerySet:
    """Every active team member who holds this role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.TEAM_MEMBER, profile__team_role=team_role)
        .select_related("profile")
        .order_by("pk")
        .distinct()
    )


def coordinators() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(Q(groups__name=Role.COORDINATOR) | Q(is_superuser=True), is_active=True)
        .select_related("profile")
        .order_by("pk")
        .distinct()
    )


def phone_of(user) -> str:
    profile = getattr(user, "profile", None)
    return str(profile.phone) if profile is not None and profile.phone else ""


def contact_of(user) -> PagingContact | None:
    return PagingContact.objects.filter(member=user).first()


def channels_for(user) -> dict[str, str]:
    """Which channels may reach this person now: {channel: ""} or {channel: reason it may not}."""
    number = phone_of(user)
    if not number:
        return {"sms": "no mobile number", "voice": "no mobile number"}
    contact = contact_of(user)
    blocked = {"sms": "", "voice": ""}
    if contact is not None:
        if contact.sms_opted_out:
            blocked["sms"] = "opted out of SMS (STOP)"
        if contact.blocked_number == number:
            if contact.sms_blocked_code:
                blocked["sms"] = reason(contact.sms_blocked_code)
            if contact.voice_blocked_code:
                blocked["voice"] = reason(contact.voice_blocked_code)
    return blocked


def reachable(user) -> bool:
    return any(not why for why in channels_for(user).values())


def roster_readiness(*, now: datetime | None = None, horizon_h: int | None = None) -> dict:
    """Per role: is someone reachable on call now, and is every minute of the next hours covered.

    People on call now who are busy on another active mission count as unavailable and are listed
    under "busy" ({"member", "mission_code"}).
    """
    now = now or timezone.now()
    horizon_h = horizon_h or settings.ROSTER_READINESS_HORIZON_H
    end = now + timedelta(hours=horizon_h)
    roles = list(dict.fromkeys(settings.DEFAULT_REQUIRED_TEAM_ROLES))
    shifts = (
        Shift.objects.filter(team_role__in=roles, starts_at__lt=end, ends_at__gt=now, member__is_active=True)
        .select_related("member", "member__profile")
        .order_by("starts_at")
    )
    shifts = list(shifts)
    # On call now but on another mission: not available now (their later shifts still count).
    busy = busy_elsewhere({s.member_id for s in shifts if s.starts_at <= now})
    by_role: dict[str, list[Shift]] = defaultdict(list)
    busy_by_role: dict[str, dict[int, dict]] = defaultdict(dict)
    reach_cache: dict[int, bool] = {}
    for shift in shifts:
        if shift.starts_at <= now and shift.member_id in busy:
            busy_by_role[shift.team_role][shift.member_id] = {
                "member": display_name(shift.member),
                "mission_code": busy[shift.member_id],
            }
            continue
        if shift.member_id not in reach_cache:
            reach_cache[shift.member_id] = reachable(shift.member)
        if reach_cache[shift.member_id]:
            by_role[shift.team_role].append(shift)
    result = {}
    for role in roles:
        gaps, cursor = [], now
        for shift in by_role[role]:
            if shift.starts_at > cursor:
                gaps.append({"start": cursor.isoformat(), "end": shift.starts_at.isoformat()})
            cursor = max(cursor, shift.ends_at)
        if cursor < end:
            gaps.append({"start": cursor.isoformat(), "end": end.isoformat()})
        now_people = [display_name(s.member) for s in by_role[role] if s.starts_at <= now < s.ends_at]
        result[role] = {
            "covered_now": bool(now_people),
            "covered_next_hours": not gaps,
            "on_call_now": list(dict.fromkeys(now_people)),
            "busy": list(busy_by_role[role].values()),
            "gaps": gaps,
        }
    return {"checked_at": now.isoformat(), "horizon_h": horizon_h, "roles": result}


def paging_heartbeat() -> dict:
    """When the reconcile task last ran; stale (older than 3 intervals) is itself an alarm."""
    beat = Heartbeat.objects.filter(name=RECONCILE_HEARTBEAT).first()
    interval = settings.PAGING_RECONCILE_INTERVAL_S
    if beat is None:
        return {"last_run_at": None, "age_s": None, "interval_s": interval, "stale": True}
    age = (timezone.now() - beat.last_run_at).total_seconds()
    return {
        "last_run_at": beat.last_run_at.isoformat(),
        "age_s": round(age, 1),
        "interval_s": interval,
        "stale": age > 3 * interval,
    }


# A page that never reached its person: the provider refused it, never answered, or the carrier gave up.
FAILED_PAGE_STATUSES = ("failed", "undelivered", ERROR)


def page_counts(*, now: datetime | None = None, window: timedelta = timedelta(hours=1)) -> dict:
    """Pages waiting to go (pending), sent without the provider's answer (claimed), failed lately by channel.

    For the metrics endpoint: two small counts on the (status, created_at) index.
    """
    now = now or timezone.now()
    waiting = dict(
        Notification.objects.filter(status__in=[PENDING, CLAIMED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    failed = dict(
        Notification.objects.filter(status__in=FAILED_PAGE_STATUSES, created_at__gte=now - window)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    return {
        "pending": waiting.get(PENDING, 0),
        "claimed": waiting.get(CLAIMED, 0),
        "failed_last_hour": {channel: failed.get(channel, 0) for channel in Channel.values},
    }


# --- alerts for a person ------------------------------------------------------------------


def alerts_for_member(*, member, open_only: bool = True) -> QuerySet[Alert]:
    """Alerts this person was paged for, newest page first, each with `my_response`: their own
    answer ("" before it), however it came (the page, an SMS reply, a call)."""
    qs = (
        Alert.objects.filter(recipients__member=member)
        .annotate(paged_at=F("recipients__first_paged_at"), my_response=F("recipients__response"))
        .select_related("mission__referring_hospital", "accepted_by")
    )
    if open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.order_by("-paged_at", "-pk")


def paged_mission_ids(member) -> QuerySet:
    """Missions a member is being paged for right now (lets them see the mission)."""
    return Alert.objects.filter(recipients__member=member, state__in=OPEN_STATES).values("mission_id")


def member_for_number(number: str):
    User = get_user_model()
    return (
        User.objects.filter(profile__phone=number, is_active=True, groups__name=Role.TEAM_MEMBER)
        .order_by("pk")
        .first()
    )


def mission_alerts(*, mission_id: int) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(mission_id=mission_id)
        .select_related("accepted_by", "mission__referring_hospital")
        .prefetch_related("recipients__member", "notifications")
        .order_by("team_role")
    )
