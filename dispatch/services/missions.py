"""The mission state machine: the only code that changes `Mission.status`.

Every function here locks the mission row, checks the actor may act, changes state and
writes the matching `MissionEvent` in one transaction, then announces the change to the
feature apps that subscribed (`dispatch.registry`); nothing leaves the building before commit.
What was recorded is never edited: a correction or an undo is a new event naming old → new.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import phonenumbers
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from dispatch import registry, roles, statuses
from dispatch.errors import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotVisible,
    PossibleDuplicate,
    ValidationFailed,
)
from dispatch.models import (
    ADVERSE_EVENT_CODES,
    AdverseCategory,
    AdverseEvent,
    EventSource,
    Mission,
    MissionEvent,
    MissionKind,
    MissionStatus,
    Outcome,
    Severity,
    SupportMode,
    TeamRole,
    TransportMode,
    YearCounter,
)
from dispatch.selectors import mission_visible_to
from dispatch.services.timeline import earlier_answer, record_event
from hospitals.models import Hospital, HospitalKind

T = TypeVar("T")


@dataclass(frozen=True)
class TransitionResult:
    mission: Mission
    event: MissionEvent
    replayed: bool = False


# Referrals for the same patient within this time (same age, sex and weight) are flagged.
DUPLICATE_WINDOW = timedelta(hours=6)
# How far back the first call of a referral may lie.
MAX_REFERRAL_AGE = timedelta(hours=24)


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


def _choices_text(values) -> str:
    return ", ".join(values)


def _skew() -> timedelta:
    return timedelta(seconds=settings.TRACKING_CLOCK_SKEW_S)


def _as_time(value: datetime | str | None, field: str) -> datetime | None:
    """An aware datetime from a datetime or ISO 8601 text; 400 naming `field` otherwise."""
    if value is None or value == "":
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is None:
        raise ValidationFailed({field: [_("Give a date and time in ISO 8601, e.g. 2026-03-01T14:05:00+01:00.")]})
    if timezone.is_naive(parsed):
        raise ValidationFailed({field: [_("Give the time with its UTC offset, e.g. +01:00.")]})
    return parsed


def _as_payload(value: Any) -> Any:
    """A value as an event payload keeps it: times as ISO 8601 text (payloads are JSON)."""
    return value.isoformat() if isinstance(value, datetime) else value


def _not_in_future(value: datetime, field: str, now: datetime) -> None:
    if value > now + _skew():
        raise ValidationFailed({field: [_("This time is in the future.")]})


def check_callback_phone(number: str) -> None:
    """The decision SMS goes to this number: allowed countries only, and never a premium range.

    Otherwise anyone who may refer could aim the service's SMS at a paid number (toll fraud).
    """
    number = str(number or "").replace(" ", "")
    if not number:
        return
    digits = number.lstrip("+")
    if not number.startswith("+") or not any(digits.startswith(code) for code in settings.CALLBACK_PHONE_COUNTRY_CODES):
        allowed = ", ".join("+" + code for code in settings.CALLBACK_PHONE_COUNTRY_CODES)
        raise ValidationFailed({"callback_phone": [_("Give a number in one of these countries: %s.") % allowed]})
    try:
        premium = phonenumbers.number_type(phonenumbers.parse(number)) == phonenumbers.PhoneNumberType.PREMIUM_RATE
    except phonenumbers.NumberParseException:
        premium = False
    if premium or any(number.startswith(prefix) for prefix in settings.CALLBACK_PHONE_BLOCKED_PREFIXES):
        raise ValidationFailed({"callback_phone": [_("Premium-rate numbers cannot be a callback number.")]})


def possible_duplicates(
    *, referring_hospital: Hospital, patient_reference: str, patient_age: int, patient_sex: str,
    patient_weight_kg: Decimal, at: datetime,
) -> list[Mission]:
    """Open missions at the same hospital that may be this patient: same reference, or the same
    age, sex and weight referred within the last six hours."""
    # A drill is never a patient: a referral is never held up by (or told about) one.
    open_here = Mission.objects.filter(
        referring_hospital=referring_hospital, status__in=statuses.ACTIVE, is_drill=False
    )
    same_patient = Q(
        patient_age=patient_age,
        patient_sex=patient_sex,
        patient_weight_kg=patient_weight_kg,
        requested_at__gte=at - DUPLICATE_WINDOW,
    )
    if patient_reference:
        same_patient |= Q(patient_reference__iexact=patient_reference)
    return list(open_here.filter(same_patient).order_by("-requested_at")[:5])


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
    kind: str = MissionKind.PRIMARY,
    patient_reference: str = "",
    occurred_at: datetime | str | None = None,
    confirm_not_duplicate: bool = False,
    source: str = EventSource.API,
    is_drill: bool = False,
) -> Mission:
    """Open a referral. Referrers may only refer from their own hospital.

    `occurred_at` is the first call, which often comes before the form is typed: it becomes
    `requested_at`, where every interval starts. A referral that looks like an open mission for
    the same patient is refused (409 `possible_duplicate`) until the caller confirms it is not.
    `is_drill` opens an activation drill (coordinators only): it may be "referred" from the
    centre itself, and it is never taken for a duplicate of a real patient.
    """
    if is_drill and not roles.is_coordinator(created_by):
        raise NotAllowed(_("Only coordinators can start a drill."))
    if roles.is_referrer(created_by) and not roles.is_coordinator(created_by):
        if roles.referrer_hospital_id(created_by) != referring_hospital.pk:
            raise NotAllowed(_("You can only refer patients from your own hospital."))
    elif not roles.is_coordinator(created_by):
        raise NotAllowed(_("Only referring doctors and coordinators can open a referral."))
    if required_roles is not None and not roles.is_coordinator(created_by):
        # The centre decides who goes: a referrer naming the team could send out a driver alone.
        raise NotAllowed(_("Only coordinators choose the team's roles (required_roles)."), field="required_roles")

    check_callback_phone(callback_phone)
    receiving_centre = receiving_centre or default_receiving_centre()
    if receiving_centre.kind == HospitalKind.REGIONAL:
        raise ValidationFailed({"receiving_centre": [_("The receiving hospital must be an ECMO centre.")]})
    if receiving_centre.pk == referring_hospital.pk and not is_drill:
        raise ValidationFailed(
            {"referring_hospital": [_("The referring hospital cannot be the receiving centre.")]}
        )
    if kind not in MissionKind.values:
        raise ValidationFailed({"kind": [_("Choose one of: %s.") % _choices_text(MissionKind.values)]})
    required_roles = list(required_roles or settings.DEFAULT_REQUIRED_TEAM_ROLES)
    unknown = sorted(set(required_roles) - set(TeamRole.values))
    if unknown:
        raise ValidationFailed({"required_roles": [_("Unknown team role: %s") % ", ".join(unknown)]})

    now = timezone.now()
    requested_at = _as_time(occurred_at, "occurred_at") or now
    _not_in_future(requested_at, "occurred_at", now)
    if requested_at < now - MAX_REFERRAL_AGE:
        raise ValidationFailed({"occurred_at": [_("The first call must lie within the last 24 hours.")]})
    requested_at = min(requested_at, now)
    patient_reference = (patient_reference or "").strip()
    if not (confirm_not_duplicate or is_drill):
        duplicates = possible_duplicates(
            referring_hospital=referring_hospital,
            patient_reference=patient_reference,
            patient_age=patient_age,
            patient_sex=patient_sex,
            patient_weight_kg=patient_weight_kg,
            at=requested_at,
        )
        if duplicates:
            raise PossibleDuplicate(
                _("This patient may already have an open mission: %s. Open it, or confirm this is another patient.")
                % ", ".join(m.code for m in duplicates),
                duplicates=[{"id": m.pk, "code": m.code, "status": m.status} for m in duplicates],
            )

    mission = Mission.objects.create(
        code=_next_code(),
        referring_hospital=referring_hospital,
        receiving_centre=receiving_centre,
        support=support,
        kind=kind,
        patient_reference=patient_reference,
        patient_age=patient_age,
        patient_sex=patient_sex,
        patient_weight_kg=patient_weight_kg,
        referring_physician=referring_physician,
        callback_phone=callback_phone,
        note=note,
        required_roles=required_roles,
        created_by=created_by,
        status=MissionStatus.REQUESTED,
        requested_at=requested_at,
        status_changed_at=requested_at,
        is_drill=is_drill,
    )
    record_event(
        mission=mission,
        kind="mission.requested",
        to_status=MissionStatus.REQUESTED,
        actor=created_by,
        source=source,
        note=note,
        occurred_at=requested_at,
        payload={
            "support": support,
            "kind": kind,
            "referring_hospital": referring_hospital.code,
            **({"confirmed_not_duplicate": True} if confirm_not_duplicate else {}),
            **({"is_drill": True} if is_drill else {}),
        },
    )
    return mission


def _requestable(actor, mission: Mission) -> Callable[[str], bool]:
    """Which moves this caller's role could ever ask of this mission, whatever its phase now."""
    if actor is None:
        return lambda to_status: _system_may(mission, to_status)
    if roles.is_coordinator(actor):
        return lambda to_status: True
    on_team = roles.is_team_member(actor) and mission.assignments.filter(member=actor).exists()
    referrer_here = roles.is_referrer(actor) and roles.referrer_hospital_id(actor) == mission.referring_hospital_id

    def may(to_status: str) -> bool:
        return (on_team and to_status in statuses.TEAM_PHASES) or (
            referrer_here and to_status == MissionStatus.CANCELLED
        )

    return may


def _system_may(mission: Mission, to_status: str) -> bool:
    """The system completes team readiness on its own (every role accepted), and ends a drill."""
    return to_status == MissionStatus.TEAM_READY or (mission.is_drill and to_status == MissionStatus.CANCELLED)


def _check_actor_may_request(may: Callable[[str], bool], actor, to_status: str) -> None:
    if not may(to_status):
        if actor is None:
            raise NotAllowed(_("The system cannot make this change."))
        raise NotAllowed(_("Your role cannot move this mission to “%s”.") % MissionStatus(to_status).label)


def _check_actor_may(actor, mission: Mission, to_status: str) -> None:
    if actor is None:
        if not _system_may(mission, to_status):
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


def _once(run: Callable[[], T], replay: Callable[[], T | None]) -> T:
    """Run a request that carries an Idempotency-Key once: a retry gets the first answer, and the
    same key racing itself loses the unique constraint and gets the winner's answer."""
    earlier = replay()
    if earlier is not None:
        return earlier
    try:
        return run()
    except IntegrityError:
        earlier = replay()
        if earlier is None:
            raise
        return earlier


def _replay(actor, idempotency_key: str | None, *, mission_id: int, to_status: str) -> TransitionResult | None:
    event = earlier_answer(
        actor=actor,
        idempotency_key=idempotency_key,
        same_request=lambda e: (e.kind, e.mission_id, e.to_status)
        == ("mission.status_changed", mission_id, to_status),
    )
    return TransitionResult(mission=event.mission, event=event, replayed=True) if event else None


@dataclass(frozen=True)
class PhaseFacts:
    """What a change records besides the new status: the clinic's facts of that moment."""

    outcome: str = ""
    support_mode: str = ""
    transport_mode: str = ""
    review_at: datetime | str | None = None


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
    occurred_at: datetime | str | None = None,
    outcome: str = "",
    support_mode: str = "",
    transport_mode: str = "",
    review_at: datetime | str | None = None,
) -> TransitionResult:
    """Move a mission to its next phase.

    A retried request with the same idempotency key returns the first result instead of
    failing, so a phone that lost its answer can safely send the tap again. `occurred_at` is
    when it happened (a tap queued offline); the event keeps it beside its own commit time.
    """
    facts = PhaseFacts(outcome=outcome, support_mode=support_mode, transport_mode=transport_mode, review_at=review_at)
    return _once(
        lambda: _transition(
            mission_id=mission_id,
            to_status=to_status,
            actor=actor,
            source=source,
            note=note,
            reason=reason,
            expected_status=expected_status,
            idempotency_key=idempotency_key,
            payload=payload,
            occurred_at=occurred_at,
            facts=facts,
        ),
        lambda: _replay(actor, idempotency_key, mission_id=mission_id, to_status=to_status),
    )


def _lock_visible(actor, mission_id: int) -> Mission:
    if actor is not None and not mission_visible_to(actor, mission_id):
        raise NotVisible(_("Mission not found."))
    try:
        return Mission.objects.select_for_update().get(pk=mission_id)
    except Mission.DoesNotExist:
        raise NotVisible(_("Mission not found.")) from None


def _phase_facts(mission: Mission, current: str, to_status: str, facts: PhaseFacts, now: datetime) -> dict[str, Any]:
    """Check the facts this change must or may carry; returns the mission fields to set. 400 per field."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    wanted = statuses.outcomes_for(current, to_status)
    if mission.is_drill and to_status == MissionStatus.CANCELLED:
        wanted = (*wanted, Outcome.DRILL_ENDED)  # only a drill may end as one
    if wanted:
        if facts.outcome not in wanted:
            errors["outcome"] = [_("Required: one of %s.") % _choices_text(wanted)]
        else:
            fields["outcome"] = facts.outcome
    elif facts.outcome:
        errors["outcome"] = [_("This change takes no outcome.")]
    if to_status in statuses.SUPPORT_MODE_REQUIRED:
        if facts.support_mode not in SupportMode.values:
            errors["support_mode"] = [_("Required: one of %s.") % _choices_text(SupportMode.values)]
        else:
            fields["support_mode"] = facts.support_mode
    elif facts.support_mode:
        errors["support_mode"] = [_("Record the support mode when ECMO flow is established.")]
    mode_field = statuses.TRANSPORT_MODE_FIELDS.get(to_status)
    if mode_field:
        if facts.transport_mode not in TransportMode.values:
            errors["transport_mode"] = [_("Required: one of %s.") % _choices_text(TransportMode.values)]
        else:
            fields[mode_field] = facts.transport_mode
    elif facts.transport_mode:
        errors["transport_mode"] = [_("Record the transport mode at a departure.")]
    if facts.review_at:
        review_at = _as_time(facts.review_at, "review_at")
        if to_status != MissionStatus.ADVICE_GIVEN:
            errors["review_at"] = [_("A review time goes with advice only.")]
        elif review_at is not None and review_at <= now:
            errors["review_at"] = [_("The review time must be in the future.")]
        else:
            fields["review_at"] = review_at
    if errors:
        raise ValidationFailed(errors)
    if to_status == MissionStatus.COMPLETED and not mission.outcome:
        fields["outcome"] = derived_outcome(mission)
    return fields


def derived_outcome(mission: Mission) -> str:
    """The outcome of a mission handed over at the centre, from the path it took."""
    if mission.outcome:
        return mission.outcome
    if mission.team_activated_at is None:
        return Outcome.TRANSPORTED_CONVENTIONALLY
    if mission.kind == MissionKind.SECONDARY:
        return Outcome.TRANSFERRED_ON_ECMO
    if mission.flow_established_at or mission.cannulation_started_at:
        return Outcome.CANNULATED_TRANSPORTED
    return Outcome.TRANSPORTED_WITHOUT_ECMO


def _phase_time(occurred_at: datetime | str | None, mission: Mission, now: datetime) -> datetime:
    """When the change happened: `occurred_at` if given (not in the future, not before the phase it ends)."""
    at = _as_time(occurred_at, "occurred_at")
    if at is None:
        return now
    _not_in_future(at, "occurred_at", now)
    previous = mission.status_changed_at or mission.requested_at
    if previous is not None and at < previous:
        raise ValidationFailed(
            {"occurred_at": [_("This is before the previous phase (%s).") % timezone.localtime(previous).isoformat()]}
        )
    return min(at, now)


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
    occurred_at: datetime | str | None,
    facts: PhaseFacts,
) -> TransitionResult:
    if to_status not in MissionStatus.values:
        raise ValidationFailed({"to": [_("Unknown status “%s”.") % to_status]})
    mission = _lock_visible(actor, mission_id)

    current = mission.status
    # Who may ask comes before what the state allows: a caller who may not make this move at all
    # gets a 403 and never learns the mission's allowed moves.
    may = _requestable(actor, mission)
    _check_actor_may_request(may, actor, to_status)
    allowed = [move for move in statuses.allowed_next(current, mission.kind) if may(move)]
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
    now = timezone.now()
    # Every missing or wrong field in one answer, so a phone or form fixes them in one round.
    errors: dict[str, list[str]] = {}
    if to_status in statuses.REASON_REQUIRED and not reason:
        errors["reason"] = [_("A reason is required to set “%s”.") % to_status]
    at, recorded = now, {}
    try:
        at = _phase_time(occurred_at, mission, now)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        recorded = _phase_facts(mission, current, to_status, facts, now)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    mission.status = to_status
    mission.status_changed_at = at
    changed = ["status", "status_changed_at", "updated_at"]
    reopening = current == MissionStatus.ADVICE_GIVEN and to_status == MissionStatus.UNDER_REVIEW
    if reopening:
        # The same mission, reviewed again: it is no longer closed, the first review's time stays.
        mission.closed_at, mission.review_at = None, None
        changed += ["closed_at", "review_at"]
    skipped = statuses.SKIPPED_PHASE_TIMESTAMPS.get((current, to_status), ())
    stamped = (*skipped, *statuses.PHASE_TIMESTAMPS.get(to_status, ()))
    for field in stamped:
        if not (reopening and getattr(mission, field) is not None):
            setattr(mission, field, at)
            changed.append(field)
    for field, value in recorded.items():
        setattr(mission, field, value)
        changed.append(field)
    if reason:
        mission.close_reason = reason
        changed.append("close_reason")
    mission.save(update_fields=list(dict.fromkeys(changed)))

    facts_payload = {name: _as_payload(value) for name, value in recorded.items()}
    event = record_event(
        mission=mission,
        kind="mission.status_changed",
        from_status=current,
        to_status=to_status,
        actor=actor,
        source=source,
        note="\n".join(part for part in (reason, note.strip()) if part),
        payload={**(payload or {}), **facts_payload, **({"reason": reason} if reason else {})},
        idempotency_key=idempotency_key or None,
        occurred_at=at,
    )
    registry.announce_transition(mission=mission, event=event)
    return TransitionResult(mission=mission, event=event)


# --- taking back a tap, correcting the record ------------------------------------------------


def _last_phase_event(mission: Mission) -> MissionEvent | None:
    """The status change that brought the mission to its current status (after any undo)."""
    return (
        mission.events.filter(kind="mission.status_changed", to_status=mission.status)
        .order_by("-sequence")
        .first()
    )


def undo_last_phase(
    *,
    mission_id: int,
    actor,
    reason: str,
    source: str,
    idempotency_key: str | None = None,
    expected_status: str | None = None,
) -> TransitionResult:
    """Take back the last phase tap (a double tap, a wrong button): the status goes back and a
    `mission.undone` event names what was undone; the tap's own event stays as it was.

    The member who tapped may undo within UNDO_WINDOW_S; a coordinator at any time before hand-over.
    `expected_status` is the status being taken back: a second undo sent by a double tap is a 409,
    never a second step back.
    """

    def replay() -> TransitionResult | None:
        earlier = earlier_answer(
            actor=actor,
            idempotency_key=idempotency_key,
            same_request=lambda e: (e.kind, e.mission_id) == ("mission.undone", mission_id),
        )
        return TransitionResult(mission=earlier.mission, event=earlier, replayed=True) if earlier else None

    return _once(
        lambda: _undo(
            mission_id=mission_id,
            actor=actor,
            reason=reason,
            source=source,
            idempotency_key=idempotency_key,
            expected_status=expected_status,
        ),
        replay,
    )


@transaction.atomic
def _undo(
    *, mission_id: int, actor, reason: str, source: str, idempotency_key: str | None, expected_status: str | None
) -> TransitionResult:
    mission = _lock_visible(actor, mission_id)
    if expected_status and expected_status != mission.status:
        raise InvalidTransition(
            _("The mission is now “%(current)s”, not “%(expected)s”: nothing was taken back.")
            % {"current": mission.status, "expected": expected_status},
            current=mission.status,
            allowed=statuses.allowed_next(mission.status, mission.kind),
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the last step is taken back.")]})
    tap = _last_phase_event(mission) if mission.status in statuses.UNDOABLE else None
    if tap is None:
        raise Conflict(
            _("There is no phase to take back: the mission is “%s”.") % MissionStatus(mission.status).label,
            current_status=mission.status,
        )
    now = timezone.now()
    if not roles.is_coordinator(actor):
        if tap.actor_id != getattr(actor, "pk", None):
            raise NotAllowed(_("Only the person who recorded this step, or a coordinator, can take it back."))
        if (now - tap.created_at).total_seconds() > settings.UNDO_WINDOW_S:
            raise NotAllowed(
                _("It is too late to take this back yourself (%d s); ask a coordinator.") % settings.UNDO_WINDOW_S
            )
    undone, back = mission.status, tap.from_status
    cleared = {field: getattr(mission, field) for field in statuses.PHASE_TIMESTAMPS.get(undone, ())}
    mode_field = statuses.TRANSPORT_MODE_FIELDS.get(undone)
    if mode_field:
        cleared[mode_field] = getattr(mission, mode_field)
    if undone in statuses.SUPPORT_MODE_REQUIRED:
        cleared["support_mode"] = mission.support_mode
    if "outcome" in tap.payload:
        cleared["outcome"] = mission.outcome
    for field, value in cleared.items():
        setattr(mission, field, "" if isinstance(value, str) else None)
    mission.status = back
    mission.status_changed_at = _since(mission, back) or mission.requested_at
    mission.save(update_fields=["status", "status_changed_at", "updated_at", *cleared])
    event = record_event(
        mission=mission,
        kind="mission.undone",
        from_status=undone,
        to_status=back,
        actor=actor,
        source=source,
        note=reason,
        payload={
            "undone_sequence": tap.sequence,
            "reason": reason,
            "cleared": {field: _as_payload(value) for field, value in cleared.items()},
        },
        idempotency_key=idempotency_key or None,
    )
    return TransitionResult(mission=mission, event=event)


def _since(mission: Mission, status: str) -> datetime | None:
    """When the mission entered `status` (its phase time), for the board's "in this phase since"."""
    fields = [f for f in statuses.PHASE_TIMESTAMPS.get(status, ()) if f not in ("decided_at", "closed_at")]
    fields = fields or list(statuses.PHASE_TIMESTAMPS.get(status, ()))
    for field in fields:
        value = getattr(mission, field)
        if value is not None:
            return value
    return mission.requested_at if status == MissionStatus.REQUESTED else None


def _outcomes_that_fit(mission: Mission) -> tuple[str, ...]:
    """The outcome codes a correction may set: those of the way this mission ended (or left the bedside)."""
    if mission.status == MissionStatus.COMPLETED:
        return statuses.COMPLETION_OUTCOMES
    if mission.status in statuses.OUTCOME_REQUIRED:
        return statuses.OUTCOME_REQUIRED[mission.status]
    if mission.outcome:  # left the bedside without ECMO, not yet handed over
        return tuple(code for codes in statuses.EDGE_OUTCOMES.values() for code in codes)
    return ()


def _corrected_value(mission: Mission, field: str, value: Any, now: datetime):
    if field in statuses.TIME_FIELDS:
        at = _as_time(value, "value")
        if at is None:
            raise ValidationFailed({"value": [_("Give the corrected time.")]})
        _not_in_future(at, "value", now)
        return at
    choices = {
        "outcome": _outcomes_that_fit(mission),
        "support_mode": SupportMode.values,
        "outbound_transport_mode": TransportMode.values,
        "return_transport_mode": TransportMode.values,
    }[field]
    if not choices:
        raise ValidationFailed({"field": [_("This mission has no outcome yet; it is recorded when the mission ends.")]})
    if value not in choices:
        raise ValidationFailed({"value": [_("Choose one of: %s.") % _choices_text(choices)]})
    return value


@transaction.atomic
def correct_mission(*, mission_id: int, actor, field: str, value: Any, reason: str, source: str) -> MissionEvent:
    """A coordinator corrects a recorded time or fact; the original events stay as they were, and a
    `mission.corrected` event names the field, old → new and why."""
    mission = _lock_visible(actor, mission_id)
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators can correct a mission's record."))
    correctable = (*statuses.TIME_FIELDS, *statuses.CORRECTABLE_CHOICE_FIELDS)
    if field not in correctable:
        raise ValidationFailed({"field": [_("Choose one of: %s.") % _choices_text(correctable)]})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the record is corrected.")]})
    now = timezone.now()
    new = _corrected_value(mission, field, value, now)
    old = getattr(mission, field)
    if old == new:
        raise ValidationFailed({"value": [_("This is already the recorded value.")]})
    if field in statuses.TIME_FIELDS:
        if old is None:
            raise ValidationFailed({"field": [_("This phase never happened; it has no time to correct.")]})
        _check_time_order(mission, field, new)
    setattr(mission, field, new)
    changed = [field, "updated_at"]
    if field in statuses.TIME_FIELDS and _since(mission, mission.status) is not None:
        mission.status_changed_at = _since(mission, mission.status)
        changed.append("status_changed_at")
    mission.save(update_fields=changed)

    return record_event(
        mission=mission,
        kind="mission.corrected",
        actor=actor,
        source=source,
        note=reason,
        payload={"field": field, "old": _as_payload(old), "new": _as_payload(new), "reason": reason},
    )


def _check_time_order(mission: Mission, field: str, new: datetime) -> None:
    """The corrected time keeps the phases in order: after every earlier one, before every later one."""
    index = statuses.TIME_FIELDS.index(field)
    for other in statuses.TIME_FIELDS[:index]:
        value = getattr(mission, other)
        if value is not None and new < value:
            raise ValidationFailed({"value": [_("This is before %s.") % other]})
    for other in statuses.TIME_FIELDS[index + 1:]:
        value = getattr(mission, other)
        if value is not None and new > value:
            raise ValidationFailed({"value": [_("This is after %s.") % other]})


# --- adverse events ---------------------------------------------------------------------------


def record_adverse_event(
    *,
    mission_id: int,
    actor,
    category: str,
    code: str,
    severity: str,
    source: str,
    phase: str | None = None,
    occurred_at: datetime | str | None = None,
    note: str = "",
    idempotency_key: str | None = None,
) -> AdverseEvent:
    """Something went wrong during the mission: kept for the quality record, never edited.

    Team members on the mission and coordinators may report; `phase` defaults to the current one.
    """

    def replay() -> AdverseEvent | None:
        earlier = earlier_answer(
            actor=actor,
            idempotency_key=idempotency_key,
            same_request=lambda e: (e.kind, e.mission_id) == ("adverse_event.recorded", mission_id),
        )
        return earlier.adverse_event if earlier else None

    report = {"category": category, "code": code, "severity": severity, "phase": phase, "note": note}
    return _once(
        lambda: _record_adverse(
            mission_id=mission_id, actor=actor, source=source, occurred_at=occurred_at,
            idempotency_key=idempotency_key, **report,
        ),
        replay,
    )


@transaction.atomic
def _record_adverse(
    *,
    mission_id: int,
    actor,
    category: str,
    code: str,
    severity: str,
    source: str,
    phase: str | None,
    occurred_at: datetime | str | None,
    note: str,
    idempotency_key: str | None,
) -> AdverseEvent:
    mission = _lock_visible(actor, mission_id)
    on_team = mission.assignments.filter(member=actor).exists()
    if not (roles.is_coordinator(actor) or (roles.is_team_member(actor) and on_team)):
        raise NotAllowed(_("Only the mission's team and coordinators can report adverse events."))
    errors: dict[str, list[str]] = {}
    if category not in AdverseCategory.values:
        errors["category"] = [_("Choose one of: %s.") % _choices_text(AdverseCategory.values)]
    elif code not in ADVERSE_EVENT_CODES[category]:
        errors["code"] = [_("For %(category)s choose one of: %(codes)s.")
                          % {"category": category, "codes": _choices_text(ADVERSE_EVENT_CODES[category])}]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose one of: %s.") % _choices_text(Severity.values)]
    phase = phase or mission.status
    if phase not in MissionStatus.values:
        errors["phase"] = [_("Choose one of: %s.") % _choices_text(MissionStatus.values)]
    now = timezone.now()
    try:
        at = _as_time(occurred_at, "occurred_at") or now
        _not_in_future(at, "occurred_at", now)
        if at < mission.requested_at:
            errors["occurred_at"] = [_("This is before the referral.")]
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    at = min(at, now)
    note = (note or "").strip()
    event = record_event(
        mission=mission,
        kind="adverse_event.recorded",
        actor=actor,
        source=source,
        note=note,
        occurred_at=at,
        payload={"category": category, "code": code, "severity": severity, "phase": phase},
        idempotency_key=idempotency_key or None,
    )
    return AdverseEvent.objects.create(
        mission=mission,
        category=category,
        code=code,
        severity=severity,
        phase=phase,
        occurred_at=at,
        note=note,
        reported_by=actor,
        event=event,
    )
