"""Writing debriefs and follow-ups: lock the mission, check, write, record the timeline event."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.errors import Conflict, NotAllowed, ValidationFailed
from dispatch.models import Mission, Role
from dispatch.records.models import Debrief, DebriefAction, PatientFollowUp, Survival
from dispatch.records.selectors import DEBRIEFED_STATUSES, may_debrief, record_visible_to
from dispatch.services.timeline import record_event

# Longest follow-up action text (the model's column).
ACTION_MAX_CHARS = DebriefAction._meta.get_field("action").max_length


def action_owners() -> QuerySet:
    """Who may own a follow-up action: the centre's active coordinators and team members."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=[Role.COORDINATOR, Role.TEAM_MEMBER]) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


@dataclass(frozen=True)
class ActionInput:
    action: str
    owner_id: int | None


def _lock(actor, mission_id: int) -> Mission:
    record_visible_to(actor, mission_id)
    return Mission.objects.select_for_update().get(pk=mission_id)


def _check_debrief(went_well: str, went_wrong: str, actions: list[ActionInput]) -> list[tuple[str, int]]:
    errors: dict[str, list[str]] = {}
    if not went_well:
        errors["went_well"] = [_("Say what went well (a few words are enough).")]
    if not went_wrong:
        errors["went_wrong"] = [_("Say what went wrong, or “nothing”.")]
    named = [a.owner_id for a in actions if a.owner_id]
    owners = set(action_owners().filter(pk__in=named).values_list("pk", flat=True))
    cleaned: list[tuple[str, int]] = []
    for number, item in enumerate(actions, start=1):
        text = item.action.strip()
        if not text:
            errors.setdefault("actions", []).append(_("Action %(n)d: say what is to be done.") % {"n": number})
        elif len(text) > ACTION_MAX_CHARS:
            errors.setdefault("actions", []).append(
                _("Action %(n)d: at most %(max)d characters.") % {"n": number, "max": ACTION_MAX_CHARS}
            )
        if item.owner_id not in owners:
            errors.setdefault("actions", []).append(
                _("Action %(n)d: choose its owner among the centre's coordinators and team.") % {"n": number}
            )
        cleaned.append((text, item.owner_id))
    if errors:
        raise ValidationFailed(errors)
    return cleaned


@transaction.atomic
def submit_debrief(
    *,
    mission_id: int,
    actor,
    went_well: str,
    went_wrong: str,
    equipment_issues: str = "",
    actions: list[ActionInput] | None = None,
    source: str,
) -> Debrief:
    """The team's debrief of a completed or aborted mission, once; writes `debrief.submitted`.

    Coordinators and the mission's team may submit it (403 for others who see the mission);
    a mission still running or already debriefed is a 409. The event carries no free text: the
    live streams send it to the referring hospital too.
    """
    mission = _lock(actor, mission_id)
    if not may_debrief(actor, mission):
        raise NotAllowed(_("Only coordinators and the mission's team can debrief it."))
    if mission.status not in DEBRIEFED_STATUSES:
        raise Conflict(_("A debrief follows a completed or aborted mission."), current_status=mission.status)
    if Debrief.objects.filter(mission=mission).exists():
        raise Conflict(_("This mission has already been debriefed."), current_status=mission.status)
    cleaned = _check_debrief((went_well or "").strip(), (went_wrong or "").strip(), list(actions or []))
    event = record_event(
        mission=mission,
        kind="debrief.submitted",
        actor=actor,
        source=source,
        payload={"actions": len(cleaned)},
    )
    debrief = Debrief.objects.create(
        mission=mission,
        went_well=went_well.strip(),
        went_wrong=went_wrong.strip(),
        equipment_issues=(equipment_issues or "").strip(),
        submitted_by=actor,
        event=event,
    )
    DebriefAction.objects.bulk_create(
        DebriefAction(debrief=debrief, action=text, owner_id=owner_id) for text, owner_id in cleaned
    )
    return debrief


FOLLOW_UP_FIELDS: tuple[str, ...] = ("decannulated_on", "survived_ecmo", "survived_hospital")


def _check_follow_up(mission: Mission, values: dict, today: date) -> None:
    errors: dict[str, list[str]] = {}
    for field in ("survived_ecmo", "survived_hospital"):
        if values[field] not in Survival.values:
            errors[field] = [_("Choose one of: %s.") % ", ".join(Survival.values)]
    decannulated = values["decannulated_on"]
    if decannulated is not None:
        if decannulated > today:
            errors["decannulated_on"] = [_("This date is in the future.")]
        elif decannulated < timezone.localdate(mission.requested_at):
            errors["decannulated_on"] = [_("This date is before the referral.")]
    if values["survived_ecmo"] == Survival.NO and values["survived_hospital"] == Survival.YES:
        errors["survived_hospital"] = [_("A patient who did not survive ECMO cannot survive to hospital discharge.")]
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def save_follow_up(
    *,
    mission_id: int,
    actor,
    decannulated_on: date | None,
    survived_ecmo: str,
    survived_hospital: str,
    source: str,
) -> tuple[PatientFollowUp, bool]:
    """Enter or replace what became of the patient (coordinators); returns (follow-up, created).

    Only for missions that ended with the team out (completed or aborted), never for a drill.
    A change writes `follow_up.recorded` naming the changed fields (not their values).
    """
    mission = _lock(actor, mission_id)
    if not roles.is_coordinator(actor):
        raise NotAllowed(_("Only coordinators enter the patient's follow-up."))
    if mission.is_drill:
        raise Conflict(_("A drill has no patient to follow up."), current_status=mission.status)
    if mission.status not in DEBRIEFED_STATUSES:
        raise Conflict(_("Follow-up is entered once the mission has ended."), current_status=mission.status)
    values = {
        "decannulated_on": decannulated_on,
        "survived_ecmo": survived_ecmo,
        "survived_hospital": survived_hospital,
    }
    _check_follow_up(mission, values, timezone.localdate())
    follow_up = PatientFollowUp.objects.select_for_update().filter(mission=mission).first()
    created = follow_up is None
    if created:
        follow_up = PatientFollowUp(mission=mission)
    changed = [field for field in FOLLOW_UP_FIELDS if created or getattr(follow_up, field) != values[field]]
    if not changed:
        return follow_up, False
    for field in FOLLOW_UP_FIELDS:
        setattr(follow_up, field, values[field])
    follow_up.entered_by = actor
    follow_up.save()
    record_event(
        mission=mission,
        kind="follow_up.recorded",
        actor=actor,
        source=source,
        payload={"fields": changed},
    )
    return follow_up, created
