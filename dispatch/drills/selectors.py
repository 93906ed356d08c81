"""How fast the team answered each drill: per role and per person, from the pages themselves."""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from dispatch.models import Mission, TeamRole
from dispatch.notifications.models import Alert, AlertRecipient
from dispatch.roles import display_name


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds between two times; None when either is missing (never answered is empty, not 0)."""
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 1)


def drills(*, limit: int = 100) -> QuerySet[Mission]:
    """Drills, newest first, with their alerts and everyone paged for them."""
    recipients = AlertRecipient.objects.select_related("member").order_by("first_paged_at", "pk")
    alerts = Alert.objects.select_related("accepted_by").prefetch_related(Prefetch("recipients", queryset=recipients))
    return (
        Mission.objects.filter(is_drill=True)
        .select_related("referring_hospital", "created_by")
        .prefetch_related(Prefetch("alerts", queryset=alerts.order_by("pk")))
        .order_by("-created_at")[:limit]
    )


def _role(alert: Alert) -> dict[str, Any]:
    accepted = next((r for r in alert.recipients.all() if r.member_id == alert.accepted_by_id), None)
    first_page = min((r.first_paged_at for r in alert.recipients.all()), default=None)
    return {
        "team_role": alert.team_role,
        "team_role_label": str(TeamRole(alert.team_role).label),
        "state": alert.state,
        "state_label": str(alert.get_state_display()),
        "accepted_by": display_name(alert.accepted_by) if alert.accepted_by else None,
        "opened_at": _iso(alert.opened_at),
        "first_paged_at": _iso(first_page),
        "accepted_at": _iso(accepted.responded_at if accepted else None),
        # From the role's first page to the acceptance that covered it.
        "time_to_accept_s": _seconds(first_page, accepted.responded_at if accepted else None),
        "paged": len(alert.recipients.all()),
    }


def _person(alert: Alert, recipient: AlertRecipient) -> dict[str, Any]:
    return {
        "member_id": recipient.member_id,
        "member": display_name(recipient.member),
        "team_role": alert.team_role,
        "tier": recipient.tier,
        "first_paged_at": _iso(recipient.first_paged_at),
        "response": recipient.response or None,
        "responded_at": _iso(recipient.responded_at),
        "responded_via": recipient.responded_via or None,
        # From this person's first page to their answer (accept or decline); None if they never answered.
        "time_to_answer_s": _seconds(recipient.first_paged_at, recipient.responded_at),
    }


def drill_result(mission: Mission) -> dict[str, Any]:
    """One drill as `GET /api/v1/drills/` shows it (load it through `drills()`)."""
    alerts = list(mission.alerts.all())
    return {
        "id": mission.pk,
        "code": mission.code,
        "status": mission.status,
        "status_label": str(mission.get_status_display()),
        "hospital": mission.referring_hospital.name,
        "started_by": display_name(mission.created_by),
        "started_at": _iso(mission.team_activated_at or mission.requested_at),
        "team_ready_at": _iso(mission.team_ready_at),
        "ended_at": _iso(mission.closed_at),
        "end_reason": mission.close_reason,
        "time_to_team_ready_s": _seconds(mission.team_activated_at, mission.team_ready_at),
        "roles": [_role(alert) for alert in alerts],
        "people": [_person(alert, r) for alert in alerts for r in alert.recipients.all()],
    }
