"""Writing referrals: submission (mission + referral in one transaction) and clinical updates with history."""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dispatch import roles, statuses
from dispatch.errors import Conflict, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import Mission
from dispatch.referrals import clinical
from dispatch.referrals.models import Referral, ReferralChange
from dispatch.referrals.selectors import assessment_for, assessment_summary
from dispatch.selectors import missions_visible_to
from dispatch.services.missions import create_mission
from dispatch.services.timeline import record_event
from hospitals.models import Hospital


def _check_clinical(values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(clinical.NAMES))
    if unknown:
        raise ValidationFailed({name: [_("Unknown clinical field.")] for name in unknown})
    errors = clinical.range_errors(values)
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def submit_referral(
    *,
    created_by,
    referring_hospital: Hospital,
    support: str,
    patient_age: int,
    patient_sex: str,
    patient_weight_kg: Decimal,
    referring_physician: str,
    callback_phone: str,
    clinical_values: dict[str, Any],
    note: str = "",
    receiving_centre: Hospital | None = None,
    source: str,
    as_typed: dict[str, Any] | None = None,
    **mission_facts: Any,
) -> Referral:
    """Open a mission with its structured referral; the timeline gets the assessment summary.

    Clinical values are canonical (mmHg, FiO2 fraction); None means "not given". `mission_facts`
    (kind, patient_reference, occurred_at, confirm_not_duplicate) go to `create_mission` as given.
    """
    _check_clinical(clinical_values)
    mission = create_mission(
        created_by=created_by,
        referring_hospital=referring_hospital,
        receiving_centre=receiving_centre,
        support=support,
        patient_age=patient_age,
        patient_sex=patient_sex,
        patient_weight_kg=patient_weight_kg,
        referring_physician=referring_physician,
        callback_phone=callback_phone,
        note=note,
        source=source,
        **mission_facts,
    )
    mission = Mission.objects.select_for_update().get(pk=mission.pk)
    typed = {name: value for name, value in (as_typed or {}).items() if value is not None}
    referral = Referral.objects.create(mission=mission, submitted_by=created_by, as_typed=typed, **clinical_values)
    # Broadcast to the mission's audience (coordinators, its team, its hospital's referrers):
    # scores and counts only, no inputs and no free text.
    record_event(
        mission=mission,
        kind="referral.submitted",
        actor=created_by,
        source=source,
        payload={"assessment": assessment_summary(assessment_for(referral))},
    )
    return referral


def _may_update(actor, mission: Mission) -> bool:
    if roles.is_coordinator(actor):
        return True
    return roles.is_referrer(actor) and roles.referrer_hospital_id(actor) == mission.referring_hospital_id


@transaction.atomic
def update_clinical_values(
    *,
    actor,
    mission_id: int,
    clinical_values: dict[str, Any],
    source: str,
    as_typed: dict[str, Any] | None = None,
) -> tuple[Referral, list[ReferralChange]]:
    """Apply new clinical values, keeping old → new per changed field; unchanged fields write nothing.

    Locks the mission row first, so two updates never interleave their history. Only the
    coordinators and the referring hospital's doctors may change a referral, and only while
    the mission is open.
    """
    _check_clinical(clinical_values)
    if not missions_visible_to(actor).filter(pk=mission_id).exists():
        raise NotVisible(_("Mission not found."))
    mission = Mission.objects.select_for_update().get(pk=mission_id)
    referral = Referral.objects.select_for_update().filter(mission=mission).first()
    if referral is None:
        raise NotVisible(_("This mission has no referral."))
    if not _may_update(actor, mission):
        raise NotAllowed(_("Only the centre's coordinators and the referring hospital can change a referral."))
    if mission.status in statuses.TERMINAL:
        raise Conflict(_("The mission is closed; its referral can no longer change."), current_status=mission.status)

    changed = {
        name: (getattr(referral, name), value)
        for name, value in clinical_values.items()
        if getattr(referral, name) != value
    }
    typed = dict(referral.as_typed or {})
    for name, value in (as_typed or {}).items():
        if value is None:
            typed.pop(name, None)
        else:
            typed[name] = value
    if not changed:
        if typed != referral.as_typed:  # the same value in another unit: shown as now typed
            referral.as_typed = typed
            referral.save(update_fields=["as_typed", "updated_at"])
        return referral, []
    for name, (_old, new) in changed.items():
        setattr(referral, name, new)
    referral.as_typed = typed
    referral.save(update_fields=[*changed, "as_typed", "updated_at"])
    referral.mission = mission
    event = record_event(
        mission=mission,
        kind="referral.updated",
        actor=actor,
        source=source,
        payload={"fields": list(changed), "assessment": assessment_summary(assessment_for(referral))},
    )
    changes = ReferralChange.objects.bulk_create(
        ReferralChange(
            referral=referral,
            field=name,
            old_value=old,
            new_value=new,
            changed_by=actor,
            source=source,
            event=event,
        )
        for name, (old, new) in changed.items()
    )
    return referral, changes
