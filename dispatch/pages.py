"""Server-rendered pages. Thin: selectors for reads, services for writes; live data comes over WebSockets."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

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


@login_required
def board(request: HttpRequest) -> HttpResponse:
    if not roles.is_coordinator(request.user):
        raise PermissionDenied
    return render(request, "dispatch/board.html", {"live": _live_config(stream="/ws/board/")})


@login_required
def mission_timeline(request: HttpRequest, mission_id: int) -> HttpResponse:
    """Everyone who may see the mission; everyone else gets a 404 (not even its existence)."""
    mission = get_object_or_404(selectors.mission_list(user=request.user), pk=mission_id)
    summary = presenters.mission_summary(mission, with_travel=True)
    labels = dict(MissionStatus.choices)
    events = [
        {
            **presenters.event_summary(e),
            "at": e.created_at,
            "what": labels.get(e.to_status, e.kind) if e.to_status else e.kind,
        }
        for e in selectors.mission_events(mission=mission)
    ]
    after = events[-1]["sequence"] if events else selectors.current_sequence()
    live = _live_config(stream=f"/ws/missions/{mission.pk}/", after=after, missionId=mission.pk)
    actions = []
    if roles.is_coordinator(request.user):
        actions = [
            {"to": to, "label": labels[to], "needs_reason": to in statuses.REASON_REQUIRED}
            for to in sorted(statuses.allowed_next(mission.status), key=list(labels).index)
        ]
    return render(
        request,
        "dispatch/mission.html",
        {
            "mission": summary,
            "since": parse_datetime(summary["status_changed_at"]),
            "travel": _travel_rows(summary["travel"]),
            "events": events,
            "live": live,
            "actions": actions,
        },
    )


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
        nextPhase={
            kind: {status: {"to": to, "label": str(label)} for status, (to, label) in steps.items()}
            for kind, steps in ((k, statuses.team_next_phase(k)) for k in MissionKind.values)
        },
        trackedPhases=sorted(statuses.TRACKED_PHASES),
        userId=request.user.pk,
    )
    return render(request, "dispatch/team.html", {"live": live})
