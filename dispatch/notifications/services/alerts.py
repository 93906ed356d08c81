"""Opening alerts when the team is activated, and answering them (accept, decline, cover).

Accepting stops the role's escalation, assigns the member to the mission and, once every
required role is covered, moves the mission to `team_ready` as the system actor.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import Conflict, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import EventSource, Mission, MissionAssignment, MissionStatus, TeamRole
from dispatch.notifications import selectors, texts
from dispatch.notifications.models import (
    COVERED_STATES,
    OPEN_STATES,
    Alert,
    AlertRecipient,
    AlertState,
    Response,
)
from dispatch.notifications.services import reviews, standby
from dispatch.notifications.services.delivery import send_on_commit
from dispatch.notifications.services.escalation import (
    advance_if_exhausted,
    page_people,
    policy_snapshot,
    schedule_first_steps,
    schedule_step,
    stand_down_others,
    stop_escalation,
)
from dispatch.notifications.services.locks import lock_alert
from dispatch.registry import Transition
from dispatch.roles import display_name
from dispatch.services.missions import transition_mission
from dispatch.services.timeline import earlier_answer, record_event


@dataclass(frozen=True)
class AnswerResult:
    alert: Alert
    replayed: bool = False


# Paging stops when the mission no longer needs a team.
CLOSES_ALERTS = frozenset({MissionStatus.CANCELLED, MissionStatus.DECLINED, MissionStatus.ABORTED})


def on_mission_transition(transition: Transition) -> None:
    """Subscribed to the state machine (`apps.py`), the feature's one subscriber: page the team on
    activation; on an ending, stop paging first (so no pending page goes out), then stand down
    whoever is on standby or paged; on advice with a review time, schedule the reminder.

    Runs in the transition's transaction with the mission locked; messages go out on commit.
    """
    if transition.to_status == MissionStatus.TEAM_ACTIVATED:
        open_alerts(mission=transition.mission)
    elif transition.to_status in CLOSES_ALERTS:
        close_alerts(mission=transition.mission)
    standby.stand_down(transition)
    reviews.on_mission_transition(transition)


def open_alerts(*, mission: Mission) -> list[Alert]:
    """One alert per required role, escalation starting on commit. Caller holds the mission lock."""
    opened = []
    for role in dict.fromkeys(mission.required_roles):
        alert, created = Alert.objects.get_or_create(
            mission=mission,
            team_role=role,
            defaults={"message": texts.alert_message(mission, role), "policy": policy_snapshot(role)},
        )
        if created:
            opened.append(alert)
    schedule_first_steps(opened)
    if opened:
        record_event(
            mission=mission,
            kind="alert.opened",
            source=EventSource.SYSTEM,
            payload={"team_roles": [a.team_role for a in opened], "alert_ids": [a.pk for a in opened]},
        )
    return opened


def close_alerts(*, mission: Mission) -> None:
    """Cancel the mission's open alerts: escalation stops, pending pages are skipped when claimed."""
    for alert in Alert.objects.select_for_update().filter(mission=mission, state__in=OPEN_STATES):
        alert.state = AlertState.CANCELLED
        alert.closed_at = timezone.now()
        stop_escalation(alert)
        alert.save()


def _source(via: str) -> str:
    return via if via in EventSource.values else EventSource.API


def _replay(member, idempotency_key: str | None, *, alert_id: int, kind: str) -> AnswerResult | None:
    event = earlier_answer(
        actor=member,
        idempotency_key=idempotency_key,
        same_request=lambda e: e.kind == kind and e.payload.get("alert_id") == alert_id,
    )
    return AnswerResult(alert=Alert.objects.get(pk=alert_id), replayed=True) if event else None


def _answer_once(answer, *, member, idempotency_key: str | None, alert_id: int, kind: str) -> AnswerResult:
    """Run an answer; the same key racing itself loses the unique constraint and replays the winner."""
    replay = _replay(member, idempotency_key, alert_id=alert_id, kind=kind)
    if replay is not None:
        return replay
    try:
        return answer()
    except IntegrityError:
        replay = _replay(member, idempotency_key, alert_id=alert_id, kind=kind)
        if replay is None:
            raise
        return replay


def _recipient(alert: Alert, member) -> AlertRecipient:
    recipient = AlertRecipient.objects.select_for_update().filter(alert=alert, member=member).first()
    if recipient is None:
        raise NotVisible(_("Alert not found."))
    return recipient


def _maybe_team_ready(mission: Mission) -> None:
    if mission.status != MissionStatus.TEAM_ACTIVATED:
        return
    covered = set(
        Alert.objects.filter(mission=mission, state__in=COVERED_STATES).values_list("team_role", flat=True)
    )
    if set(mission.required_roles) <= covered:
        transition_mission(mission_id=mission.pk, to_status=MissionStatus.TEAM_READY, actor=None, source="system")


def accept_alert(
    *, alert_id: int, member, via: str, idempotency_key: str | None = None, note: str = ""
) -> AnswerResult:
    """The member takes the role. 404 if they were not paged for it; 409 if someone else has it."""
    return _answer_once(
        lambda: _accept(alert_id=alert_id, member=member, via=via, idempotency_key=idempotency_key, note=note),
        member=member,
        idempotency_key=idempotency_key,
        alert_id=alert_id,
        kind="alert.accepted",
    )


def _accept(*, alert_id: int, member, via: str, idempotency_key: str | None, note: str) -> AnswerResult:
    with transaction.atomic():
        mission, alert = lock_alert(alert_id)
        recipient = _recipient(alert, member)
        if alert.state == AlertState.ACCEPTED and alert.accepted_by_id == member.pk:
            return AnswerResult(alert=alert, replayed=True)
        if not alert.is_open:
            by = display_name(alert.accepted_by) if alert.accepted_by else None
            raise Conflict(
                _("This page is closed (%s).") % (by and _("accepted by %s") % by or alert.get_state_display()),
                state=alert.state,
                accepted_by=by,
            )
        other = MissionAssignment.objects.filter(mission=mission, member=member).first()
        if other is not None:
            raise Conflict(_("You are already on this mission as %s.") % TeamRole(other.team_role).label)
        now = timezone.now()
        alert.state, alert.accepted_by, alert.closed_at = AlertState.ACCEPTED, member, now
        stop_escalation(alert)
        recipient.response, recipient.responded_at, recipient.responded_via = Response.ACCEPTED, now, via
        recipient.save()
        send_on_commit(stand_down_others(mission=mission, alert=alert))
        alert.save()
        MissionAssignment.objects.create(mission=mission, member=member, team_role=alert.team_role)
        record_event(
            mission=mission,
            kind="alert.accepted",
            source=_source(via),
            actor=member,
            note=note,
            payload={"alert_id": alert.pk, "team_role": alert.team_role, "via": via},
            idempotency_key=idempotency_key,
        )
        _maybe_team_ready(mission)
    return AnswerResult(alert=alert)


def decline_alert(
    *, alert_id: int, member, via: str, idempotency_key: str | None = None, note: str = ""
) -> AnswerResult:
    """The member cannot come; if nobody else in this step can still answer, escalate at once."""
    return _answer_once(
        lambda: _decline(alert_id=alert_id, member=member, via=via, idempotency_key=idempotency_key, note=note),
        member=member,
        idempotency_key=idempotency_key,
        alert_id=alert_id,
        kind="alert.declined",
    )


def _decline(*, alert_id: int, member, via: str, idempotency_key: str | None, note: str) -> AnswerResult:
    with transaction.atomic():
        mission, alert = lock_alert(alert_id)
        recipient = _recipient(alert, member)
        if not alert.is_open:
            by = display_name(alert.accepted_by) if alert.accepted_by else None
            raise Conflict(_("This page is closed."), state=alert.state, accepted_by=by)
        if recipient.response == Response.DECLINED:
            return AnswerResult(alert=alert, replayed=True)
        recipient.response, recipient.responded_at, recipient.responded_via = Response.DECLINED, timezone.now(), via
        recipient.save()
        record_event(
            mission=mission,
            kind="alert.declined",
            source=_source(via),
            actor=member,
            note=note,
            payload={"alert_id": alert.pk, "team_role": alert.team_role, "via": via},
            idempotency_key=idempotency_key,
        )
        advance_if_exhausted(alert)
    return AnswerResult(alert=alert)


# --- coordinator actions ----------------------------------------------------------------


def _coordinator_alert(*, mission_id: int, team_role: str, actor) -> tuple[Mission, Alert]:
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can do this."))
    alert_id = Alert.objects.filter(mission_id=mission_id, team_role=team_role).values_list("pk", flat=True).first()
    if alert_id is None:
        raise NotVisible(_("No alert for this role on this mission."))
    return lock_alert(alert_id)


def _team_member(member_id: int):
    member = (
        get_user_model().objects.filter(pk=member_id, is_active=True).select_related("profile").first()
        if member_id
        else None
    )
    if member is None or not roles.is_team_member(member):
        raise ValidationFailed({"member_id": [_("Not an active team member.")]})
    return member


@transaction.atomic
def repage_role(*, mission_id: int, team_role: str, actor) -> Alert:
    """Start the role's escalation again from its first step (at once)."""
    mission, alert = _coordinator_alert(mission_id=mission_id, team_role=team_role, actor=actor)
    if alert.state in COVERED_STATES or mission.status != MissionStatus.TEAM_ACTIVATED:
        raise Conflict(_("This role is already covered or the mission is not being activated."), state=alert.state)
    alert.state, alert.step_index, alert.closed_at = AlertState.PAGING, 0, None
    alert.save()
    schedule_step(alert, delay_s=0)
    record_event(
        mission=mission,
        kind="alert.repaged",
        source=EventSource.WEB,
        actor=actor,
        payload={"alert_id": alert.pk, "team_role": team_role},
    )
    return alert


@transaction.atomic
def page_member(*, mission_id: int, team_role: str, member_id: int, actor) -> Alert:
    """Page one named person (SMS and call) for the role, alongside the running escalation."""
    mission, alert = _coordinator_alert(mission_id=mission_id, team_role=team_role, actor=actor)
    if not alert.is_open:
        raise Conflict(_("This role is already covered."), state=alert.state)
    member = _team_member(member_id)
    # By hand a busy member is paged all the same: the coordinator decides; the timeline says so.
    busy = selectors.busy_elsewhere([member.pk], mission_id=mission.pk)
    ids = page_people(
        mission=mission,
        alert=alert,
        people=[member],
        channels=["sms", "voice"],
        tier="named",
        step=-1,
        busy=[{"member": display_name(member), "mission_code": code} for code in busy.values()],
    )
    alert.save()
    send_on_commit(ids)
    return alert


@transaction.atomic
def cover_role_by_phone(
    *, mission_id: int, team_role: str, actor, member_id: int | None = None, note: str = ""
) -> Alert:
    """The coordinator reached someone by phone: the role counts as covered, paging stops."""
    mission, alert = _coordinator_alert(mission_id=mission_id, team_role=team_role, actor=actor)
    if alert.state in COVERED_STATES:
        raise Conflict(_("This role is already covered."), state=alert.state)
    member = _team_member(member_id) if member_id else None
    if member is not None and MissionAssignment.objects.filter(mission=mission, member=member).exists():
        raise Conflict(_("This person is already on the mission."))
    alert.state, alert.closed_at, alert.covered_note = AlertState.COVERED_BY_PHONE, timezone.now(), note
    stop_escalation(alert)
    alert.save()
    if member is not None:
        MissionAssignment.objects.create(mission=mission, member=member, team_role=team_role)
    record_event(
        mission=mission,
        kind="alert.covered_by_phone",
        source=EventSource.WEB,
        actor=actor,
        note=note,
        payload={
            "alert_id": alert.pk,
            "team_role": team_role,
            "member": display_name(member) if member else None,
        },
    )
    _maybe_team_ready(mission)
    return alert
