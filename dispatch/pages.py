"""Server-rendered pages. Thin: selectors for reads, services for writes; live data comes over WebSockets."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch import presenters, roles, selectors, statuses
from dispatch.models import (
    ADVERSE_EVENT_CODES,
    AdverseCategory,
    MissionKind,
    MissionStatus,
    Outcome,
    Severity,
    SupportMode,
    TeamRole,
    TransportMode,
)
from dispatch.referrals import audit


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def vocabulary() -> dict:
    """The clinic's codes and their words, for the page scripts (what a change must name, and how)."""
    return {
        "outcomeLabels": _labels(Outcome),
        # Per target status (and the bedside edge), the outcome codes a change must name.
        "outcomesFor": {
            **{status: list(codes) for status, codes in statuses.OUTCOME_REQUIRED.items()},
            **{f"{frm}>{to}": list(codes) for (frm, to), codes in statuses.EDGE_OUTCOMES.items()},
        },
        "supportModeRequired": sorted(statuses.SUPPORT_MODE_REQUIRED),
        "supportModeLabels": _labels(SupportMode),
        "transportModeAt": sorted(statuses.TRANSPORT_MODE_FIELDS),
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
        "teamOutBy": _("Team out by {mode}: {km} km · {min} min"),
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
        "titleWaiting": _("({count}) {title}"),
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
    return render(request, "dispatch/board.html", {"live": _page_config(stream="/ws/board/")})


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
    )
    return render(
        request,
        "dispatch/mission.html",
        {
            "mission": summary,
            "since": parse_datetime(summary["status_changed_at"]),
            "travel": _travel_rows(summary["travel"]),
            "live": live,
            "coordinator": coordinator,
            "may_report": live["mayReport"],
            "vocab": _form_choices(),
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
                        "minutes": e["duration_min"],
                        "km": e["distance_km"],
                        "available": e["available"],
                        "reason": e.get("unavailable_reason") or e.get("fallback_reason") or "",
                    }
                    for mode, e in estimates.items()
                ],
            }
        )
    return {
        "legs": rows,
        "expected_arrival": parse_datetime(travel["expected_arrival"]) if travel["expected_arrival"] else None,
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
    )
    return render(request, "dispatch/team.html", {"live": live})
