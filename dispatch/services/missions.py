"""The mission state machine: the only code that changes `Mission.status`.

Every function here locks the mission row, checks the actor may act, changes state and
writes the matching `MissionEvent` in one transaction, then announces the change to the
feature apps that subscribed (`dispatch.registry`); nothing leaves the building before commit.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import registry, roles, statuses
from dispatch.errors import InvalidTransition, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import (
    EventSource,
    Mission,
    MissionEvent,
    MissionStatus,
    TeamRole,
    YearCounter,
)
from dispatch.selectors import mission_visible_to
from dispatch.services.timeline import earlier_answer, record_event
from hospitals.models import Hospital, HospitalKind


@dataclass(frozen=True)
class TransitionResult:
    mission: Mission
    event: MissionEvent
    replayed: bool = False


def _next_code() -> str:
    year = timezone.localdate().year
    counter, _created = YearCounter.objects.select_for_update().get_or_create(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"ECMO-{year}-{counter.last_number:04d}"


def default_receiving_centre() -> Hospital:
    centre = Hospital.objects.filter(kind=HospitalKind.ECMO_CENTRE).order_by("pk").first()
    if centre is None:
        raise ValidationFailed({"receiving_centre": [_("No ECMO centre is configured.")]})
    return centre


@transaction.atomic
def create_mission(
    *,
    created_by,
    referring_hospital: Hospital,
    support: str,
    patient_age: int,
    patient_sex: str,
    patient_weight_kg: Decimal,
    referring_physician: str,
    callback_phone: str,
    receiving_centre: Hospital | None = None,
    note: str = "",
    required_roles: list[str] | None = None,
    source: str = EventSource.API,
) -> Mission:
    """Open a referral. Referrers may only refer from their own hospital."""
    if roles.is_referrer(created_by) and not roles.is_coordinator(created_by):
        if roles.referrer_hospital_id(created_by) != referring_hospital.pk:
            raise NotAllowed(_("You can only refer patients from your own hospital."))
    elif not roles.is_coordinator(created_by):
        raise NotAllowed(_("Only referring doctors and coordinators can open a referral."))

    receiving_centre = receiving_centre or default_receiving_centre()
    if receiving_centre.kind == HospitalKind.REGIONAL:
        raise ValidationFailed({"receiving_centre": [_("The receiving hospital must be an ECMO centre.")]})
    if receiving_centre.pk == referring_hospital.pk:
        raise ValidationFailed(
            {"referring_hospital": [_("The referring hospital cannot be the receiving centre.")]}
        )
    required_roles = list(required_roles or settings.DEFAULT_REQUIRED_TEAM_ROLES)
    unknown = sorted(set(required_roles) - set(TeamRole.values))
    if unknown:
        raise ValidationFailed({"required_roles": [_("Unknown team role: %s") % ", ".join(unknown)]})

    now = timezone.now()
    mission = Mission.objects.create(
        code=_next_code(),
        referring_hospital=referring_hospital,
        receiving_centre=receiving_centre,
        support=support,
        patient_age=patient_age,
        patient_sex=patient_sex,
        patient_weight_kg=patient_weight_kg,
        referring_physician=referring_physician,
        callback_phone=callback_phone,
        note=note,
        required_roles=required_roles,
        created_by=created_by,
        status=MissionStatus.REQUESTED,
        status_changed_at=now,
    )
    record_event(
        mission=mission,
        kind="mission.requested",
        to_status=MissionStatus.REQUESTED,
        actor=created_by,
        source=source,
        note=note,
        payload={"support": support, "referring_hospital": referring_hospital.code},
    )
    return mission


def _check_actor_may(actor, mission: Mission, to_status: str) -> None:
    if actor is None:
        # The system only completes team readiness on its own (when every role accepted).
        if to_status != MissionStatus.TEAM_READY:
            raise NotAllowed(_("The system cannot make this change."))
        return
    if roles.is_coordinator(actor):
        return
    if roles.is_team_member(actor) and to_status in statuses.TEAM_PHASES:
        if mission.assignments.filter(member=actor).exists():
            return
    if (
        roles.is_referrer(actor)
        and to_status == MissionStatus.CANCELLED
        and mission.status in statuses.REFERRER_MAY_CANCEL_FROM
        and roles.referrer_hospital_id(actor) == mission.referring_hospital_id
    ):
        return
    raise NotAllowed(_("Your role cannot move this mission to “%s”.") % MissionStatus(to_status).label)


def _replay(actor, idempotency_key: str | None, *, mission_id: int, to_status: str) -> TransitionResult | None:
    event = earlier_answer(
        actor=actor,
        idempotency_key=idempotency_key,
        same_request=lambda e: (e.kind, e.mission_id, e.to_status)
        == ("mission.status_changed", mission_id, to_status),
    )
    return TransitionResult(mission=event.mission, event=event, replayed=True) if event else None


def transition_mission(
    *,
    mission_id: int,
    to_status: str,
    actor,
    source: str,
    note: str = "",
    reason: str = "",
    expected_status: str | None = None,
    idempotency_key: str | None = None,
    payload: dict | None = None,
) -> TransitionResult:
    """Move a mission to its next phase.

    A retried request with the same idempotency key returns the first result instead of
    failing, so a phone that lost its answer can safely send the tap again.
    """
    replay = _replay(actor, idempotency_key, mission_id=mission_id, to_status=to_status)
    if replay is not None:
        return replay
    try:
        return _transition(
            mission_id=mission_id,
            to_status=to_status,
            actor=actor,
            source=source,
            note=note,
            reason=reason,
            expected_status=expected_status,
            idempotency_key=idempotency_key,
            payload=payload,
        )
    except IntegrityError:
        # Same key raced with itself: the other request won, answer with its result.
        replay = _replay(actor, idempotency_key, mission_id=mission_id, to_status=to_status)
        if replay is None:
            raise
        return replay


@transaction.atomic
def _transition(
    *,
    mission_id: int,
    to_status: str,
    actor,
    source: str,
    note: str,
    reason: str,
    expected_status: str | None,
    idempotency_key: str | None,
    payload: dict | None,
) -> TransitionResult:
    if to_status not in MissionStatus.values:
        raise ValidationFailed({"to": [_("Unknown status “%s”.") % to_status]})
    if actor is not None and not mission_visible_to(actor, mission_id):
        raise NotVisible(_("Mission not found."))
    try:
        mission = Mission.objects.select_for_update().get(pk=mission_id)
    except Mission.DoesNotExist:
        raise NotVisible(_("Mission not found.")) from None

    current = mission.status
    allowed = statuses.allowed_next(current)
    if expected_status and expected_status != current:
        raise InvalidTransition(
            _("The mission is now “%(current)s”, not “%(expected)s”.")
            % {"current": current, "expected": expected_status},
            current=current,
            allowed=allowed,
        )
    if to_status not in allowed:
        raise InvalidTransition(
            _("Cannot go from “%(current)s” to “%(to)s”.") % {"current": current, "to": to_status},
            current=current,
            allowed=allowed,
        )
    _check_actor_may(actor, mission, to_status)
    reason = (reason or "").strip()
    if to_status in statuses.REASON_REQUIRED and not reason:
        raise ValidationFailed({"reason": [_("A reason is required to set “%s”.") % to_status]})

    now = timezone.now()
    mission.status = to_status
    mission.status_changed_at = now
    changed = ["status", "status_changed_at", "updated_at"]
    for field in statuses.PHASE_TIMESTAMPS.get(to_status, ()):
        setattr(mission, field, now)
        changed.append(field)
    if reason:
        mission.close_reason = reason
        changed.append("close_reason")
    mission.save(update_fields=changed)

    event = record_event(
        mission=mission,
        kind="mission.status_changed",
        from_status=current,
        to_status=to_status,
        actor=actor,
        source=source,
        note="\n".join(part for part in (reason, note.strip()) if part),
        payload={**(payload or {}), **({"reason": reason} if reason else {})},
        idempotency_key=idempotency_key or None,
    )
    registry.announce_transition(mission=mission, event=event)
    return TransitionResult(mission=mission, event=event)
