"""Referral criteria, contraindications and the "missing for decision" checklist.

Source: the clinical domain notes ("Referral criteria"). Everything is three-valued: a check is
met / not met only when the inputs decide it, otherwise it is "undeterminable" (or "unknown")
and names the inputs that would decide it. Nothing here decides for ECMO; it shows what the
referral says and what is still to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .inputs import FIELD_NAMES_ORDERED, SUPPORTS, ClinicalInputs
from .scores import SCORE_INPUTS, SCORES

MET, NOT_MET, UNDETERMINABLE = "met", "not_met", "undeterminable"
PRESENT, ABSENT, UNKNOWN, JUDGEMENT = "present", "absent", "unknown", "judgement"

DISCLAIMER = "Scores and criteria support the decision; they never make it."

# Scores relevant to each kind of support. domain.md gives no score for ECPR.
SCORES_BY_SUPPORT: dict[str, tuple[str, ...]] = {
    "vv": ("murray", "resp", "preserve"),
    "va": ("save",),
    "ecpr": (),
}


# --- EOLIA entry criteria (VV ECMO for severe ARDS) ----------------------------------------


@dataclass(frozen=True)
class _Condition:
    label: str
    fields: tuple[str, ...]
    test: Callable[[ClinicalInputs], bool]


def _pf(i: ClinicalInputs) -> float:
    # Only called once pao2_mmhg and fio2 are both given, so never None here.
    return i.pf_ratio


# EOLIA (Combes et al., NEJM 2018), as listed in domain.md. Durations use worst_values_hours,
# strictly greater than the stated hours (exactly 3 h is not "> 3 h").
EOLIA_CRITERIA: tuple[tuple[str, str, tuple[_Condition, ...]], ...] = (
    (
        "pf_lt_50_over_3h",
        "PaO2/FiO2 < 50 mmHg for > 3 h",
        (
            _Condition("PaO2/FiO2 < 50 mmHg", ("pao2_mmhg", "fio2"), lambda i: _pf(i) < 50),
            _Condition("for > 3 h", ("worst_values_hours",), lambda i: i.worst_values_hours > 3),
        ),
    ),
    (
        "pf_lt_80_over_6h",
        "PaO2/FiO2 < 80 mmHg for > 6 h",
        (
            _Condition("PaO2/FiO2 < 80 mmHg", ("pao2_mmhg", "fio2"), lambda i: _pf(i) < 80),
            _Condition("for > 6 h", ("worst_values_hours",), lambda i: i.worst_values_hours > 6),
        ),
    ),
    (
        "ph_lt_7_25_paco2_ge_60_over_6h",
        "pH < 7.25 with PaCO2 ≥ 60 mmHg for > 6 h (RR 35/min, plateau ≤ 32 cmH2O)",
        (
            _Condition("pH < 7.25", ("ph",), lambda i: i.ph < 7.25),
            _Condition("PaCO2 ≥ 60 mmHg", ("paco2_mmhg",), lambda i: i.paco2_mmhg >= 60),
            _Condition("for > 6 h", ("worst_values_hours",), lambda i: i.worst_values_hours > 6),
            # EOLIA counts hypercapnia only once the rate is raised to 35/min with plateau ≤ 32.
            _Condition("respiratory rate ≥ 35/min", ("respiratory_rate",), lambda i: i.respiratory_rate >= 35),
            _Condition("plateau pressure ≤ 32 cmH2O", ("plateau_cmh2o",), lambda i: i.plateau_cmh2o <= 32),
        ),
    ),
)
# Expected before the criteria apply (optimal ventilation, prone, NMB); shown, not required.
EOLIA_OPTIMISATION_FIELDS = ("prone_positioning", "neuromuscular_blockade")
EOLIA_FIELDS = tuple(dict.fromkeys(f for _, _, conditions in EOLIA_CRITERIA for c in conditions for f in c.fields))


def _evaluate_condition(condition: _Condition, inputs: ClinicalInputs) -> bool | None:
    if any(getattr(inputs, f) is None for f in condition.fields):
        return None
    return bool(condition.test(inputs))


def _and3(values: Iterable[bool | None]) -> str:
    """Three-valued AND: one false condition decides "not met" even if others are unknown."""
    values = list(values)
    if any(v is False for v in values):
        return NOT_MET
    if all(v is True for v in values):
        return MET
    return UNDETERMINABLE


def _or3(statuses: Iterable[str]) -> str:
    """Three-valued OR: any criterion met is enough; "not met" needs every criterion decided."""
    statuses = list(statuses)
    if MET in statuses:
        return MET
    if all(s == NOT_MET for s in statuses):
        return NOT_MET
    return UNDETERMINABLE


def eolia_criteria(inputs: ClinicalInputs) -> dict[str, Any]:
    """Check the EOLIA VV entry criteria; any one met means the patient meets entry criteria."""
    criteria = []
    for criterion_id, label, conditions in EOLIA_CRITERIA:
        results = [_evaluate_condition(c, inputs) for c in conditions]
        status = _and3(results)
        missing = []
        if status == UNDETERMINABLE:
            missing = _ordered(f for c in conditions for f in c.fields if getattr(inputs, f) is None)
        criteria.append(
            {
                "id": criterion_id,
                "label": label,
                "status": status,
                "conditions": [{"label": c.label, "met": r} for c, r in zip(conditions, results, strict=True)],
                "inputs_missing": missing,
            }
        )
    return {
        "name": "eolia_vv_entry",
        "status": _or3(c["status"] for c in criteria),
        "pf_ratio": inputs.pf_ratio,
        "criteria": criteria,
        "optimisation": {f: getattr(inputs, f) for f in EOLIA_OPTIMISATION_FIELDS},
        "note": (
            "EOLIA entry criteria apply after optimal ventilation, prone positioning and "
            "neuromuscular blockade; any one criterion met is enough."
        ),
    }


# --- Contraindications ---------------------------------------------------------------------

# Outcome of one contraindication check: status, inputs still needed, optional detail.
_Outcome = tuple[str, tuple[str, ...], str]


def _flag(field_name: str) -> Callable[[ClinicalInputs], _Outcome]:
    def check(inputs: ClinicalInputs) -> _Outcome:
        value = getattr(inputs, field_name)
        if value is None:
            return UNKNOWN, (field_name,), ""
        return (PRESENT if value else ABSENT), (), ""

    return check


def _prolonged_ventilation(inputs: ClinicalInputs) -> _Outcome:
    # domain.md: "> 7–10 days"; flagged from 7 days (168 h), the earlier edge of the range.
    hours = inputs.ventilation_hours
    if hours is None:
        return UNKNOWN, ("ventilation_hours",), ""
    detail = f"ventilated {hours / 24:.1f} days"
    return (PRESENT if hours > 7 * 24 else ABSENT), (), detail


def _weight_over_125(inputs: ClinicalInputs) -> _Outcome:
    if inputs.weight_kg is None:
        return UNKNOWN, ("weight_kg",), ""
    return (PRESENT if inputs.weight_kg > 125 else ABSENT), (), f"{inputs.weight_kg:g} kg"


# domain.md (and ELSO) give no age cut-off for "advanced age". The age is put up for judgement
# from the RESP score's oldest band (≥ 60 years, −3 points; Schmidt et al., AJRCCM 2014), the age
# from which the published scores count it against survival most; younger patients are not flagged.
ADVANCED_AGE_YEARS = 60


def _advanced_age(inputs: ClinicalInputs) -> _Outcome:
    if inputs.age_years is None:
        return UNKNOWN, ("age_years",), ""
    if inputs.age_years < ADVANCED_AGE_YEARS:
        return ABSENT, (), ""
    return JUDGEMENT, (), f"{inputs.age_years:g} years"


def _prolonged_cardiac_arrest(inputs: ClinicalInputs) -> _Outcome:
    # "Prolonged" has no cut-off in domain.md: with an arrest, show the flow times for judgement.
    if inputs.cardiac_arrest is None:
        return UNKNOWN, ("cardiac_arrest",), ""
    if not inputs.cardiac_arrest:
        return ABSENT, (), ""
    missing = tuple(f for f in ("no_flow_min", "low_flow_min") if getattr(inputs, f) is None)
    labels = {"no_flow_min": "no-flow", "low_flow_min": "low-flow"}
    parts = [f"{label} {getattr(inputs, f):g} min" for f, label in labels.items() if getattr(inputs, f) is not None]
    return JUDGEMENT, missing, "; ".join(parts) or "flow times not given"


@dataclass(frozen=True)
class Contraindication:
    id: str
    label: str
    kind: str  # "absolute" or "relative"
    applies_to: tuple[str, ...]
    check: Callable[[ClinicalInputs], _Outcome]
    # The inputs the check reads (the form shows them for the kinds of support it applies to).
    inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.inputs:
            object.__setattr__(self, "inputs", (self.id,))


VV = ("vv",)
# ECPR is VA ECMO started during CPR; domain.md lists no ECPR-specific contraindications,
# so the VA ones apply to it.
VA_ECPR = ("va", "ecpr")

CONTRAINDICATIONS: tuple[Contraindication, ...] = (
    # VV ECMO, relative
    Contraindication(
        "prolonged_ventilation",
        "Mechanical ventilation > 7–10 days",
        "relative",
        VV,
        _prolonged_ventilation,
        ("ventilation_hours",),
    ),
    Contraindication(
        "anticoagulation_contraindicated",
        "Contraindication to anticoagulation",
        "relative",
        VV,
        _flag("anticoagulation_contraindicated"),
    ),
    Contraindication("severe_coagulopathy", "Severe coagulopathy", "relative", VV, _flag("severe_coagulopathy")),
    Contraindication("advanced_age", "Advanced age (60 years or older)", "relative", VV, _advanced_age, ("age_years",)),
    Contraindication("weight_over_125_kg", "Weight > 125 kg", "relative", VV, _weight_over_125, ("weight_kg",)),
    # VV ECMO, absolute
    Contraindication(
        "moribund_multiorgan_failure",
        "Moribund with multiorgan failure",
        "absolute",
        VV,
        _flag("moribund_multiorgan_failure"),
    ),
    Contraindication(
        "prolonged_cardiac_arrest",
        "Prolonged cardiac arrest",
        "absolute",
        VV,
        _prolonged_cardiac_arrest,
        ("cardiac_arrest", "no_flow_min", "low_flow_min"),
    ),
    Contraindication(
        "severe_anoxic_brain_injury", "Severe anoxic brain injury", "absolute", VV, _flag("severe_anoxic_brain_injury")
    ),
    Contraindication(
        "massive_intracranial_haemorrhage",
        "Massive intracranial haemorrhage",
        "absolute",
        VV,
        _flag("massive_intracranial_haemorrhage"),
    ),
    Contraindication(
        "chronic_respiratory_failure_no_transplant",
        "Chronic respiratory failure without transplant option",
        "absolute",
        VV,
        _flag("chronic_respiratory_failure_no_transplant"),
    ),
    Contraindication(
        "malignancy_poor_prognosis",
        "Malignancy with poor prognosis",
        "absolute",
        VV,
        _flag("malignancy_poor_prognosis"),
    ),
    # VA ECMO (and ECPR), absolute
    Contraindication(
        "uncontrolled_bleeding", "Uncontrolled bleeding", "absolute", VA_ECPR, _flag("uncontrolled_bleeding")
    ),
    Contraindication("terminal_illness", "Terminal illness", "absolute", VA_ECPR, _flag("terminal_illness")),
    Contraindication(
        "end_stage_organ_failure_no_transplant",
        "End-stage organ failure without transplant option",
        "absolute",
        VA_ECPR,
        _flag("end_stage_organ_failure_no_transplant"),
    ),
)


def contraindications(inputs: ClinicalInputs) -> dict[str, Any]:
    """Evaluate every contraindication and summarise, per kind of support, which are flagged."""
    items = []
    for c in CONTRAINDICATIONS:
        status, missing, detail = c.check(inputs)
        items.append(
            {
                "id": c.id,
                "label": c.label,
                "kind": c.kind,
                "applies_to": list(c.applies_to),
                "status": status,
                "detail": detail,
                "inputs_missing": list(missing),
            }
        )
    by_support = {}
    for support in SUPPORTS:
        relevant = [item for item in items if support in item["applies_to"]]
        by_support[support] = {
            "absolute_present": [i["id"] for i in relevant if i["kind"] == "absolute" and i["status"] == PRESENT],
            "relative_present": [i["id"] for i in relevant if i["kind"] == "relative" and i["status"] == PRESENT],
            "judgement": [i["id"] for i in relevant if i["status"] == JUDGEMENT],
            "unknown": [i["id"] for i in relevant if i["status"] == UNKNOWN],
        }
    return {"items": items, "by_support": by_support}


# --- Missing for decision ------------------------------------------------------------------

# What the centre needs to judge the indication itself (besides scores and contraindications).
INDICATION_FIELDS: dict[str, tuple[str, ...]] = {
    # EOLIA criteria, the optimisation done so far, and the cause of respiratory failure.
    "vv": ("vv_cause", *EOLIA_FIELDS, *EOLIA_OPTIMISATION_FIELDS),
    # Refractory cardiogenic shock: cause, blood pressure, perfusion, drug support.
    "va": ("va_cause", "map_mmhg", "lactate_mmol_l", "vasopressors", "inotropes"),
    # domain.md: record witnessed, bystander CPR, initial rhythm, no-flow and low-flow minutes;
    # age and shocks are trial criteria (ARREST, Sub30).
    "ecpr": (
        "age_years",
        "arrest_witnessed",
        "bystander_cpr",
        "initial_rhythm",
        "no_flow_min",
        "low_flow_min",
        "shocks",
    ),
}


def _ordered(names: Iterable[str]) -> list[str]:
    """Deduplicate field names and put them in ClinicalInputs order, so the UI list is stable."""
    wanted = set(names)
    return [name for name in FIELD_NAMES_ORDERED if name in wanted]


def missing_for_decision(
    inputs: ClinicalInputs, contraindication_items: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Per indication (vv / va / ecpr), the inputs still to ask the referring doctor for."""
    if contraindication_items is None:
        contraindication_items = contraindications(inputs)["items"]
    result = {}
    for support in SUPPORTS:
        criteria = _ordered(f for f in INDICATION_FIELDS[support] if getattr(inputs, f) is None)
        contra = _ordered(
            f for item in contraindication_items if support in item["applies_to"] for f in item["inputs_missing"]
        )
        scores = _ordered(
            f for name in SCORES_BY_SUPPORT[support] for f in SCORE_INPUTS[name] if getattr(inputs, f) is None
        )
        result[support] = {
            "criteria": criteria,
            "contraindications": contra,
            "scores": scores,
            "all": _ordered([*criteria, *contra, *scores]),
        }
    return result


def fields_for_support(support: str) -> frozenset[str]:
    """The inputs that count for this kind of support: its indication, scores and contraindications.

    The referral form shows only these once the support is chosen, so a VV referral is not
    asked about the arrest rhythm or inotropes (nor the reverse).
    """
    names = set(INDICATION_FIELDS[support])
    names.update(f for score in SCORES_BY_SUPPORT[support] for f in SCORE_INPUTS[score])
    names.update(f for c in CONTRAINDICATIONS if support in c.applies_to for f in c.inputs)
    return frozenset(names)


# --- Everything, for the API ---------------------------------------------------------------


def assess(inputs: ClinicalInputs) -> dict[str, Any]:
    """Scores, criteria, contraindications and missing inputs, as a JSON-serialisable dict."""
    contra = contraindications(inputs)
    support = inputs.support
    return {
        "support": support,
        "derived": {"bmi": inputs.bmi, "pf_ratio": inputs.pf_ratio},
        "scores": {name: score(inputs).to_dict() for name, score in SCORES.items()},
        "relevant_scores": list(SCORES_BY_SUPPORT[support]) if support else list(SCORES),
        "criteria": {"vv_eolia": eolia_criteria(inputs)},
        "contraindications": contra,
        "missing": missing_for_decision(inputs, contra["items"]),
        "disclaimer": DISCLAIMER,
    }
