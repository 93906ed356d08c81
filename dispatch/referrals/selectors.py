"""Reads of referrals, always through the mission scoping of `dispatch.selectors`."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dispatch import selectors as dispatch_selectors
from dispatch.decision_support import ClinicalInputs, assess
from dispatch.errors import NotVisible
from dispatch.models import Mission
from dispatch.referrals import clinical
from dispatch.referrals.models import Referral, ReferralChange


def clinical_values(referral: Referral) -> dict[str, Any]:
    return {name: getattr(referral, name) for name in clinical.NAMES}


def mission_values(mission: Mission) -> dict[str, Any]:
    return {name: getattr(mission, name) for name in clinical.MISSION_TO_INPUTS}


def inputs_for(referral: Referral) -> ClinicalInputs:
    return ClinicalInputs.from_mapping(
        clinical.inputs_mapping(mission_values=mission_values(referral.mission), clinical=clinical_values(referral))
    )


def assessment_for(referral: Referral) -> dict[str, Any]:
    return assess(inputs_for(referral))


def assessment_summary(assessment: dict[str, Any]) -> dict[str, Any]:
    """The few facts the board card and timeline need; no free text, no inputs."""
    support = assessment["support"]
    missing = assessment["missing"].get(support, {}).get("all", []) if support else []
    return {
        "scores": {
            name: {"score": assessment["scores"][name]["score"], "risk_class": assessment["scores"][name]["risk_class"]}
            for name in assessment["relevant_scores"]
        },
        "missing_count": len(missing),
        "eolia": assessment["criteria"]["vv_eolia"]["status"] if support == "vv" else None,
        "absolute_contraindications": (
            assessment["contraindications"]["by_support"][support]["absolute_present"] if support else []
        ),
    }


def referral_visible_to(user, mission_id: int) -> Referral:
    """The mission's referral if the user may see the mission; otherwise (or none) NotVisible."""
    mission = dispatch_selectors.missions_visible_to(user).filter(pk=mission_id).first()
    if mission is None:
        raise NotVisible(_("Mission not found."))
    referral = Referral.objects.select_related("mission", "submitted_by").filter(mission=mission).first()
    if referral is None:
        raise NotVisible(_("This mission has no referral."))
    referral.mission = mission
    return referral


def referral_history(referral: Referral) -> QuerySet[ReferralChange]:
    return referral.changes.select_related("changed_by", "event").order_by("changed_at", "pk")


def referral_summary(mission_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per mission with a referral: relevant scores, count of missing inputs, EOLIA status.

    For the board card: {mission_id: {"scores": {name: {"score", "risk_class"}}, "missing_count",
    "eolia", "absolute_contraindications"}}. Callers scope `mission_ids` to what the user may see.
    """
    referrals = Referral.objects.select_related("mission").filter(mission_id__in=list(mission_ids))
    return {r.mission_id: {**assessment_summary(assessment_for(r)), "cause": referral_cause(r)} for r in referrals}


def referral_cause(referral: Referral) -> dict[str, str] | None:
    """What the team is going for ("Viral pneumonia"), by the support asked for; None if not given.

    The team chooses cannulas and prepares on the way by it, before anyone opens the referral."""
    value = referral.vv_cause if referral.mission.support == "vv" else referral.va_cause
    return {"code": value, "label": clinical.choice_label(value)} if value else None
