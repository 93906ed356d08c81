"""Server-rendered pages. Thin: selectors for reads, services for writes; live data comes over WebSockets."""

import re
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch import presenters, roles, selectors, statuses
from dispatch.models import (
    ADVERSE_EVENT_CODES,
    PATIENT_SEX_WORDS,
    AdverseCategory,
    MissionKind,
    MissionStatus,
    Outcome,
    Severity,
    Support,
    SupportMode,
    TeamRole,
    TransportMode,
)
from dispatch.notifications import selectors as paging_selectors
from dispatch.referrals import audit, clinical
from dispatch.referrals import selectors as referral_selectors
from dispatch.roles import display_name


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def vocabulary() -> dict:
    """The clinic's codes and their words, for the page scripts (what a change must name, and how)."""
    return {
        "outcomeLabels": _labels(Outcome),
        "supportLabels": _labels(Support),
        # Per target status (and the bedside edge), the outcome codes a change must name.
        "outcomesFor": {
            **{status: list(codes) for status, codes in statuses.OUTCOME_REQUIRED.items()},
            **{f"{frm}>{to}": list(codes) for (frm, to), codes in statuses.EDGE_OUTCOMES.items()},
        },
        "supportModeRequired": sorted(statuses.SUPPORT_MODE_REQUIRED),
        "supportModeLabels": _labels(SupportMode),
        "transportModeAt": sorted(statuses.TRANSPORT_MODE_FIELDS),
        "atBedside": sorted(statuses.AT_BEDSIDE),
        "transportModeLabels": _labels(TransportMode),
        "kindLabels": _labels(MissionKind),
        "adverseCategoryLabels": _labels(AdverseCategory),
        "adverseCodes": {
            category: {code: str(label) for code, label in codes.items()}
            for category, codes in ADVERSE_EVENT_CODES.items()
        },
        "severityLabels": _labels(Severity),
        "undoable": sorted(statuses.UNDOABLE),
        "undoWindowS": settings.UNDO_WINDOW_S,
        "correctable": [*statuses.TIME_FIELDS, *statuses.CORRECTABLE_CHOICE_FIELDS],
    }


def _live_config(*, stream: str, **extra) -> dict:
    """What the page scripts need: where to connect, how to back off, labels and overdue limits."""
    return {
        "stream": stream,
        "reconnectInitialMs": settings.REALTIME_RECONNECT_INITIAL_MS,
        "reconnectMaxMs": settings.REALTIME_RECONNECT_MAX_MS,
        # Three missed heartbeats and the page drops the socket and reconnects.
        "staleMs": int(settings.REALTIME_CATCH_UP_SECONDS * 3000) + 5000,
        "expectedMinutes": statuses.expected_phase_minutes(),
        "statusLabels": {value: str(label) for value, label in MissionStatus.choices},
        "roleLabels": {value: str(label) for value, label in TeamRole.choices},
        "terminal": sorted(statuses.TERMINAL),
        "closed": sorted(statuses.CLOSED),
        "awaitingDecision": sorted(statuses.AWAITING_DECISION),
        "connection": {
            "connecting": _("Connecting…"),
            "reconnecting": _("Reconnecting…"),
            "live": _("Live"),
            "loggedOut": _("Logged out"),
            "noAccess": _("No access"),
            "offlineRetry": _("Offline — retry in {s} s"),
            "reconnectRetry": _("Reconnecting — retry in {s} s"),
        },
        **vocabulary(),
        **extra,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it works from; referrers get their hospital's missions here."""
    user = request.user
    if roles.is_coordinator(user):
        return redirect("board")
    if roles.is_team_member(user):
        return redirect("team")
    missions = selectors.mission_list(user=user).order_by("-created_at")[:100]
    return render(
        request,
        "dispatch/home.html",
        {"missions": missions, "roles": sorted(roles.roles_of(user)), "active": statuses.ACTIVE},
    )


# What a role's paging looks like, in words (`notifications.selectors.role_coverage` states).
COVERAGE_STATE_LABELS: dict[str, object] = {
    "accepted": gettext_lazy("accepted"),
    "paging": gettext_lazy("paging…"),
    "declined": gettext_lazy("declined, still paging"),
    "uncovered": gettext_lazy("NOBODY ACCEPTED"),
    "covered_by_phone": gettext_lazy("covered by phone"),
    "withdrawn": gettext_lazy("page withdrawn"),
    "not_paged": gettext_lazy("not paged yet"),
}

# The coordinator's buttons say what they do; the team's phase steps use the phone's words.
ACTION_LABELS: dict[str, object] = {
    MissionStatus.UNDER_REVIEW: gettext_lazy("Start review"),
    MissionStatus.TEAM_ACTIVATED: gettext_lazy("Activate the ECMO team"),
    MissionStatus.CONVENTIONAL_TRANSFER: gettext_lazy("Conventional transfer (no team)"),
    MissionStatus.ADVICE_GIVEN: gettext_lazy("Give advice, no transfer"),
    MissionStatus.DECLINED: gettext_lazy("Decline"),
    MissionStatus.CANCELLED: gettext_lazy("Cancel mission"),
    MissionStatus.ABORTED: gettext_lazy("Abort mission"),
    MissionStatus.TEAM_READY: gettext_lazy("Team ready"),
    MissionStatus.ARRIVED: gettext_lazy("Patient arrived at centre"),
}

KIND_BADGES: dict[str, object] = {
    MissionKind.PRIMARY: gettext_lazy("Primary"),
    MissionKind.SECONDARY: gettext_lazy("Secondary: on ECMO"),
}


def page_texts() -> dict[str, str]:
    """The words the page scripts write, translated here (`{name}` marks a value filled in)."""
    texts = {
        # shared
        "recorded": _("recorded {time}"),
        "busyOn": _("busy on {code}"),
        "secondary": str(KIND_BADGES[MissionKind.SECONDARY]),
        "adverseCount": _("Adverse events: {count}"),
        "outcome": _("Outcome"),
        "supportMode": _("Support"),
        "transportOut": _("Out by"),
        "transportBack": _("Back by"),
        # board
        "travelUnavailable": _("Travel estimate unavailable"),
        "teamOutBy": _("Team out by {mode}: {km} km · {time}"),
        "expectedArrival": _("expected arrival {time}"),
        "fromPosition": _("(from position)"),
        "patientExpected": _("Patient expected at the centre {time}"),
        "requestedAgo": _("Requested {duration} ago"),
        "noReferral": _("No structured referral"),
        "noScore": _("No score"),
        "missingForDecision": _("{count} missing for decision"),
        "complete": _("complete"),
        "absoluteContraindication": _("ABSOLUTE CONTRAINDICATION"),
        "overdue": _("overdue"),
        "overdueBy": _("overdue by {duration}"),
        "titleWaiting": _("({count}) {title}"),
        "pagingNeverRun": _("PAGING ENGINE HAS NEVER RUN"),
        "pagingStale": _("PAGING ENGINE STALE: last ran {duration} ago"),
        "pagingRan": _("Paging engine ran {duration} ago"),
        "pagingUnknown": _("Paging engine: status unavailable"),
        "nobodyOnCall": _("nobody reachable on call"),
        "gapWithin": _("gap within {hours} h"),
        "rosterUnavailable": _("Roster readiness unavailable"),
        "expectedAtBedside": _("Expected at the bedside {time}"),
        "expectedAtCentre": _("Expected at the centre {time}"),
        "backBy": _("Back by {mode}: {km} km · {time}"),
        "closedAt": _("closed {time}"),
        "preparation": _("Preparation at the referring ICU: {done}/{total}"),
        "drillBand": _("DRILL · not a real patient"),
        "drillStarted": _("Drill started:"),
        "alertsOff": _("Sound and notifications are off."),
        "alertsOn": _("Sound and notifications are on."),
        "alertsSoundOnly": _("Sound is on; the browser blocks notifications."),
        "alertNewReferral": _("New referral {code}"),
        "alertOverdue": _("{code} is overdue"),
        "debriefDue": _("closed {closed} · debrief due by {time}"),
        "debriefOverdue": _("closed {closed} · debrief OVERDUE since {time}"),
        # mission page: paging controls, elapsed time
        "elapsed": _("{duration} in this phase"),
        "overdueFor": _("overdue by {duration} (expected within {limit} min)"),
        "repage": _("Page again"),
        "pagePerson": _("Page this person"),
        "coverByPhone": _("Covered by phone"),
        "choosePerson": _("— choose a person —"),
        "coverNote": _("Note (who, what was agreed)"),
        "personFor": _("Person for {role}"),
        "repaged": _("{role}: paging started again."),
        "paged": _("{role}: {name} is being paged by SMS and call."),
        "covered": _("{role}: covered by phone; paging stopped."),
        "choosePersonFirst": _("Choose a person first."),
        "pagingControls": _("Paging controls for {role}"),
        # mission page
        "none": _("—"),
        "sending": _("Sending…"),
        "done": _("Done."),
        "noConnection": _("No connection: nothing was sent. Try again."),
        "error": _("Error {status}."),
        "conflict": _("Not done: someone changed this mission first. It is now “{status}”. "
                      "The page shows the current state; check it and choose again."),
        "chooseOne": _("Choose one."),
        "giveReason": _("Please give a reason."),
        "giveValue": _("Give the corrected value."),
        "confirmEnd": _("This ends the mission as “{label}”. Everyone paged is stood down. Are you sure?"),
        "confirmYes": _("Yes: {label}"),
        "goBack": _("No, go back"),
        "takenBack": _("taken back: {what}"),
        "standbySent": _("Standby sent to: {names}"),
        "standbyAlready": _("Already on standby: {names}"),
        "standbyNobody": _("Nobody on call could be told."),
        "undoneBack": _("The mission is back at “{status}”."),
        "corrected": _("{field}: {old} → {new}"),
        "reviewAgain": _("Review again (re-open)"),
        "noActions": _("No further step: the mission is closed."),
    }
    return {k: str(v) for k, v in texts.items()}


def _field_labels() -> dict[str, str]:
    """Names of the referral's inputs, for the "missing" lists of the decision support."""
    labels = {"age_years": _("Age"), "sex": _("Sex"), "weight_kg": _("Weight"), "support": _("Requested support")}
    return {**labels, **{f.name: str(f.label) for f in clinical.FIELDS}}


def _team_members() -> dict[str, list[dict]]:
    """Per team role, the active members who hold it: whom the coordinator may page or note as covering."""
    return {
        role: [{"id": m.pk, "name": display_name(m)} for m in paging_selectors.qualified_members(team_role=role)]
        for role in TeamRole.values
    }


def _page_config(*, stream: str, **extra) -> dict:
    """The live config of a coordinator's page: words for the scripts and the record's field names."""
    return _live_config(
        stream=stream,
        texts=page_texts(),
        statusOrder=list(MissionStatus.values),
        reasonRequired=sorted(statuses.REASON_REQUIRED),
        fieldLabels={field: str(label) for field, label in statuses.FIELD_LABELS.items()},
        coverageStateLabels={state: str(label) for state, label in COVERAGE_STATE_LABELS.items()},
        kindBadges={kind: str(label) for kind, label in KIND_BADGES.items()},
        actionLabels={status: str(label) for status, label in ACTION_LABELS.items()},
        eventLabels={kind: str(label) for kind, label in presenters.EVENT_LABELS.items()},
        **extra,
    )


@login_required
def board(request: HttpRequest) -> HttpResponse:
    if not roles.is_coordinator(request.user):
        raise PermissionDenied
    live = _page_config(
        stream="/ws/board/",
        recentlyClosedHours=settings.BOARD_RECENTLY_CLOSED_HOURS,
        debriefsDueUrl=reverse("api-debriefs-due"),
        drillsUrl=reverse("api-drills"),
    )
    return render(request, "dispatch/board.html", {"live": live})


@login_required
def mission_timeline(request: HttpRequest, mission_id: int) -> HttpResponse:
    """Everyone who may see the mission; everyone else gets a 404 (not even its existence).

    The page script draws the mission's facts, paging, adverse events, timeline and (for
    coordinators) the next steps from the one read model, at load and from every live event.
    """
    mission = get_object_or_404(selectors.mission_list(user=request.user), pk=mission_id)
    # The page shows the patient (age, sex, weight, note, scores): logged before it is built.
    audit.record_read(request=request, mission_id=mission.pk, endpoint="page.mission")
    summary = presenters.mission_summary(mission, with_travel=True)
    events = [presenters.event_summary(e) for e in selectors.mission_events(mission=mission)]
    after = events[-1]["sequence"] if events else selectors.current_sequence()
    coordinator = roles.is_coordinator(request.user)
    on_team = request.user.pk in {member["member_id"] for member in summary["team"]}
    live = _page_config(
        stream=f"/ws/missions/{mission.pk}/",
        after=after,
        missionId=mission.pk,
        mission=summary,
        events=events,
        coordinator=coordinator,
        mayReport=coordinator or (on_team and roles.is_team_member(request.user)),
        # The words of the team's button where the coordinator takes the same step (per kind).
        nextPhase=_next_phases(),
        teamMembers=_team_members() if coordinator else {},
        referralUrl=reverse("api-mission-referral", args=[mission.pk]) if summary["referral"] else None,
    )
    assessment = None
    if summary["referral"] is not None:
        referral = referral_selectors.referral_visible_to(request.user, mission.pk)
        assessment = referral_selectors.assessment_for(referral)
    return render(
        request,
        "dispatch/mission.html",
        {
            "mission": summary,
            "since_text": display_time(parse_datetime(summary["status_changed_at"])),
            "travel": _travel_rows(summary["travel"]),
            "live": live,
            "coordinator": coordinator,
            "may_report": live["mayReport"],
            "vocab": _form_choices(),
            "assessment": assessment,
            "field_labels": _field_labels(),
        },
    )


def _next_phases() -> dict:
    """Per mission kind and status, the team's next phase and the words of its button."""
    return {
        kind: {status: {"to": to, "label": str(label)} for status, (to, label) in steps.items()}
        for kind, steps in ((k, statuses.team_next_phase(k)) for k in MissionKind.values)
    }


def _form_choices() -> dict:
    """The choices the mission page's forms offer, as (value, label) pairs for the template."""
    return {
        "support_modes": SupportMode.choices,
        "transport_modes": TransportMode.choices,
        "adverse_categories": AdverseCategory.choices,
        "severities": Severity.choices,
        "correctable": [(field, statuses.FIELD_LABELS[field]) for field in (*statuses.TIME_FIELDS,
                                                                     *statuses.CORRECTABLE_CHOICE_FIELDS)],
    }


def duration_text(minutes: float | None) -> str:
    """Minutes as "45 min" or "2 h 46 min", as EcmoClock.duration writes them (never "2:46")."""
    if minutes is None:
        return ""
    whole = max(0, int(minutes))
    return f"{whole} min" if whole < 60 else f"{whole // 60} h {whole % 60:02d} min"


# The travel model writes its times in UTC ("2026-12-02 17:02 UTC", hospitals.matrix).
_UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


def local_times(text: str) -> str:
    """A travel note with its UTC times in the centre's time zone, in the one display format."""

    def local(match: re.Match) -> str:
        at = datetime.strptime(match[1], "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        return display_time(at)

    return _UTC_TIME.sub(local, text)


def display_time(at: datetime) -> str:
    """A time of day in DISPLAY_TIME_ZONE ("14:05"), with the date when it is not today (EcmoClock.time)."""
    local = timezone.localtime(at)
    clock = local.strftime("%H:%M")
    if local.date() == timezone.localdate():
        return clock
    day = "j M" if translation.get_language().startswith("en") else "j. n."   # as EcmoClock writes it
    return f"{formats.date_format(local, day)} {clock}"


def meeting_point() -> str:
    """Where the paged team meets: MEETING_POINT as the centre wrote it, else a generic text in the
    reader's language (the centre's own words are one text for every language)."""
    return settings.MEETING_POINT or _("Emergency entrance of the ECMO centre, ECMO ambulance")


def _travel_rows(travel: dict | None) -> dict | None:
    """Outbound and return estimates per mode, and the expected arrival while travelling."""
    if travel is None:
        return None
    rows = []
    for leg, label in (("outbound", _("Team to patient")), ("return", _("Patient to centre"))):
        estimates = travel[leg]["estimates"]
        rows.append(
            {
                "label": label,
                "recommended": travel[leg]["recommended"],
                "modes": [
                    {
                        "mode": mode,
                        "mode_label": _labels(TransportMode).get(mode, mode),
                        "duration": duration_text(e["duration_min"]),
                        "km": e["distance_km"],
                        "available": e["available"],
                        "reason": local_times(e.get("unavailable_reason") or e.get("fallback_reason") or ""),
                    }
                    for mode, e in estimates.items()
                ],
            }
        )
    arrival = parse_datetime(travel["expected_arrival"]) if travel["expected_arrival"] else None
    return {
        "legs": rows,
        "expected_arrival": arrival,
        "expected_arrival_text": display_time(arrival) if arrival else "",
        "basis": travel["expected_arrival_basis"],
        "remaining_km": travel["remaining_km"],
    }


@login_required
def team(request: HttpRequest) -> HttpResponse:
    """The phone page of a team member: their alert, then one big button for the next phase."""
    if not (roles.is_team_member(request.user) or roles.is_coordinator(request.user)):
        raise PermissionDenied
    live = _live_config(
        stream="",
        # Per mission kind; each mission summary also carries its own `next_phase`.
        nextPhase=_next_phases(),
        trackedPhases=sorted(statuses.TRACKED_PHASES),
        userId=request.user.pk,
        # The alert card: where to meet, whom to call, and who else is coming (role coverage in words).
        meetingPoint=meeting_point(),
        centrePhone=settings.CENTRE_PHONE,
        coverageStateLabels={state: str(label) for state, label in COVERAGE_STATE_LABELS.items()},
        sexLabels={value: str(word) for value, word in PATIENT_SEX_WORDS.items()},
        supportLabels=_labels(Support),
    )
    return render(request, "dispatch/team.html", {"live": live})
