"""Murray, RESP, SAVE and PRESERVE scores, as tabulated in the clinical domain notes ("Scores").

Scores support the referral decision; they never make it. Each result lists the inputs it used
and the ones it is missing, and a score is only computed when every input it needs is given:
a missing value is never counted as zero points.

Band edges. The published tables use integer bands ("225–299", "≥ 300"), which leave gaps for
measured values such as P/F 299.5 or PEEP 5.5. One rule is used throughout:

* A value in the gap between two bands scores in the band with the WORSE predicted outcome
  (more Murray/PRESERVE points, fewer RESP/SAVE points). Deciding support, under-calling
  severity is the costlier error. So Murray P/F 299.5 → 1 (not 0); PEEP 5.5 → 1, 14.5 → 4;
  compliance 79.5 → 1, 19.5 → 4; SAVE weight 89.5 kg → 0 (band "≥ 90"); SAVE intubation
  10.5 h → −2, 29.5 h → −4.
* Age is counted in completed years (49.9 → 49), as age is always reported, so it has no gaps.
* Single thresholds ("PaCO2 ≥ 75", "BMI > 30", "PIP ≤ 20") compare the value exactly as given.
* Continuous bands that already meet ("< 48 h", "48 h–7 d", "> 7 d") need no rule: 48 h → +1,
  168 h → +1, 168.5 h → 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .inputs import ClinicalInputs

ADULT_AGE = 18


@dataclass(frozen=True)
class ScoreResult:
    """One score, with enough context to show how it was reached (or why it was not)."""

    name: str
    score: int | float | None
    risk_class: str | None
    predicted_survival_percent: int | None
    inputs_used: dict[str, Any]
    inputs_missing: list[str]
    complete: bool
    note: str
    # Points per item, so the UI can show how the total was reached; empty when not computed.
    points: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": self.score,
            "risk_class": self.risk_class,
            "predicted_survival_percent": self.predicted_survival_percent,
            "inputs_used": dict(self.inputs_used),
            "inputs_missing": list(self.inputs_missing),
            "complete": self.complete,
            "note": self.note,
            "points": dict(self.points),
        }


# Inputs each score needs, in the order the form asks for them. criteria.py builds its
# "missing for decision" checklist from these, so they cannot drift apart.
MURRAY_INPUTS = ("pao2_mmhg", "fio2", "peep_cmh2o", "compliance_ml_cmh2o", "cxr_quadrants")
RESP_INPUTS = (
    "age_years",
    "immunocompromised",
    "ventilation_hours",
    "vv_cause",
    "cns_dysfunction",
    "acute_nonpulmonary_infection",
    "neuromuscular_blockade",
    "inhaled_no",
    "bicarbonate_infusion",
    "cardiac_arrest",
    "paco2_mmhg",
    "peak_cmh2o",
)
SAVE_INPUTS = (
    "age_years",
    "weight_kg",
    "va_cause",
    "liver_failure",
    "cns_dysfunction",
    "acute_renal_failure",
    "chronic_renal_failure",
    "ventilation_hours",
    "peak_cmh2o",
    "cardiac_arrest",
    "diastolic_mmhg",
    "pulse_pressure_mmhg",
    "hco3_mmol_l",
)
PRESERVE_INPUTS = (
    "age_years",
    "weight_kg",
    "height_cm",
    "immunocompromised",
    "ventilation_hours",
    "sofa",
    "prone_positioning",
    "peep_cmh2o",
    "plateau_cmh2o",
)


def _collect(inputs: ClinicalInputs, names: tuple[str, ...]) -> tuple[dict[str, Any], list[str]]:
    used = {name: getattr(inputs, name) for name in names if getattr(inputs, name) is not None}
    missing = [name for name in names if getattr(inputs, name) is None]
    return used, missing


def _incomplete(name: str, used: dict[str, Any], missing: list[str]) -> ScoreResult:
    return ScoreResult(
        name=name,
        score=None,
        risk_class=None,
        predicted_survival_percent=None,
        inputs_used=used,
        inputs_missing=missing,
        complete=False,
        note=f"Not computed: missing {', '.join(missing)}.",
    )


def _not_applicable(name: str, used: dict[str, Any], reason: str) -> ScoreResult:
    return ScoreResult(
        name=name,
        score=None,
        risk_class=None,
        predicted_survival_percent=None,
        inputs_used=used,
        inputs_missing=[],
        complete=True,
        note=f"Not computed: {reason}",
    )


def _completed_years(age: float) -> int:
    return math.floor(age)


# --- Murray Lung Injury Score -------------------------------------------------------------


def murray_pf_points(pf_ratio: float) -> int:
    """PaO2/FiO2 (mmHg): ≥ 300 → 0, 225–299 → 1, 175–224 → 2, 100–174 → 3, < 100 → 4."""
    # Gaps (299–300, 224–225, 174–175) go to the worse band, i.e. each band starts at its lower bound.
    if pf_ratio >= 300:
        return 0
    if pf_ratio >= 225:
        return 1
    if pf_ratio >= 175:
        return 2
    if pf_ratio >= 100:
        return 3
    return 4


def murray_peep_points(peep: float) -> int:
    """PEEP (cmH2O): ≤ 5 → 0, 6–8 → 1, 9–11 → 2, 12–14 → 3, ≥ 15 → 4."""
    # Gaps go to the worse (higher) band: > 5 and ≤ 8 → 1, > 8 and ≤ 11 → 2, > 11 and ≤ 14 → 3, > 14 → 4.
    if peep <= 5:
        return 0
    if peep <= 8:
        return 1
    if peep <= 11:
        return 2
    if peep <= 14:
        return 3
    return 4


def murray_compliance_points(compliance: float) -> int:
    """Static compliance (mL/cmH2O): ≥ 80 → 0, 60–79 → 1, 40–59 → 2, 20–39 → 3, ≤ 19 → 4."""
    # Gaps go to the worse (higher) band: 79.5 → 1, 19.5 → 4.
    if compliance >= 80:
        return 0
    if compliance >= 60:
        return 1
    if compliance >= 40:
        return 2
    if compliance >= 20:
        return 3
    return 4


def murray_cxr_points(quadrants: int) -> int:
    """Chest X-ray: one point per quadrant with alveolar consolidation (0–4)."""
    return int(quadrants)


def murray(inputs: ClinicalInputs) -> ScoreResult:
    """Murray Lung Injury Score: mean of the four components, 0–4; > 2.5 is severe lung injury.

    Strict: computed only when all four components are given (domain.md allows a mean of the
    components present, but a mean of two is not comparable with a mean of four).
    """
    used, missing = _collect(inputs, MURRAY_INPUTS)
    if missing:
        return _incomplete("murray", used, missing)
    used["pf_ratio"] = inputs.pf_ratio
    points = {
        "pf_ratio": murray_pf_points(inputs.pf_ratio),
        "peep": murray_peep_points(inputs.peep_cmh2o),
        "compliance": murray_compliance_points(inputs.compliance_ml_cmh2o),
        "cxr_quadrants": murray_cxr_points(inputs.cxr_quadrants),
    }
    score = sum(points.values()) / len(points)
    return ScoreResult(
        name="murray",
        score=score,
        risk_class=murray_class(score),
        predicted_survival_percent=None,
        inputs_used=used,
        inputs_missing=[],
        complete=True,
        note="Mean of 4 components (0–4); > 2.5 = severe lung injury. Not a survival prediction.",
        points=points,
    )


def murray_class(score: float) -> str:
    """ "severe" above 2.5 (domain.md gives only this cut-off), else "not_severe"."""
    return "severe" if score > 2.5 else "not_severe"


# --- RESP (Schmidt et al., AJRCCM 2014) ----------------------------------------------------

RESP_DIAGNOSIS_POINTS = {
    "viral_pneumonia": 3,
    "bacterial_pneumonia": 3,
    "asthma": 11,
    "trauma_burn": 3,
    "aspiration": 5,
    "other_acute_respiratory": 1,
    "non_respiratory_chronic": 0,
}
# (lowest score in class, class, hospital survival %), best class first.
RESP_CLASSES = ((6, "I", 92), (3, "II", 76), (-1, "III", 57), (-5, "IV", 33), (-math.inf, "V", 18))


def resp_age_points(age_years: float) -> int:
    """Age 18–49 → 0, 50–59 → −2, ≥ 60 → −3 (completed years)."""
    age = _completed_years(age_years)
    if age <= 49:
        return 0
    if age <= 59:
        return -2
    return -3


def resp_ventilation_points(hours: float) -> int:
    """Mechanical ventilation before ECMO: < 48 h → +3, 48 h–7 d → +1, > 7 d (168 h) → 0."""
    if hours < 48:
        return 3
    if hours <= 7 * 24:
        return 1
    return 0


def resp_class(score: int) -> tuple[str, int]:
    """RESP risk class and hospital survival %: I ≥ 6, II 3–5, III −1–2, IV −5–−2, V ≤ −6."""
    for lowest, name, survival in RESP_CLASSES:
        if score >= lowest:
            return name, survival
    raise AssertionError("unreachable: the last class has no lower bound")


def resp(inputs: ClinicalInputs) -> ScoreResult:
    """RESP score (−22 to +15): predicts hospital survival on VV ECMO for respiratory failure."""
    used, missing = _collect(inputs, RESP_INPUTS)
    if missing:
        return _incomplete("resp", used, missing)
    if inputs.age_years < ADULT_AGE:
        return _not_applicable("resp", used, "age < 18; RESP was derived in adults (age bands start at 18).")
    points = {
        "age": resp_age_points(inputs.age_years),
        "immunocompromised": -2 if inputs.immunocompromised else 0,
        "ventilation_before_ecmo": resp_ventilation_points(inputs.ventilation_hours),
        "diagnosis": RESP_DIAGNOSIS_POINTS[inputs.vv_cause],
        "cns_dysfunction": -7 if inputs.cns_dysfunction else 0,
        "acute_nonpulmonary_infection": -3 if inputs.acute_nonpulmonary_infection else 0,
        "neuromuscular_blockade": 1 if inputs.neuromuscular_blockade else 0,
        "inhaled_no": -1 if inputs.inhaled_no else 0,
        "bicarbonate_infusion": -2 if inputs.bicarbonate_infusion else 0,
        "cardiac_arrest": -2 if inputs.cardiac_arrest else 0,
        "paco2_ge_75": -1 if inputs.paco2_mmhg >= 75 else 0,
        "peak_pressure_ge_42": -1 if inputs.peak_cmh2o >= 42 else 0,
    }
    score = sum(points.values())
    risk_class, survival = resp_class(score)
    return ScoreResult(
        name="resp",
        score=score,
        risk_class=risk_class,
        predicted_survival_percent=survival,
        inputs_used=used,
        inputs_missing=[],
        complete=True,
        note="RESP (Schmidt et al., AJRCCM 2014); survival = hospital survival of the risk class.",
        points=points,
    )


# --- SAVE (Schmidt et al., Eur Heart J 2015) -----------------------------------------------

SAVE_DIAGNOSIS_POINTS = {
    "myocarditis": 3,
    "refractory_vt_vf": 2,
    "post_transplant": 3,
    "congenital": -3,
    "infarction": 0,
    "post_cardiotomy": 0,
    "septic": 0,
    "other": 0,
}
SAVE_CONSTANT = -6
# Class I is "> 5" as in the paper (Schmidt et al., Eur Heart J 2015), so 5 is class II.
# One online calculator uses I ≥ 5 / II 1–4; the paper is the authority (domain.md).
SAVE_CLASSES = ((6, "I", 75), (1, "II", 58), (-4, "III", 42), (-9, "IV", 30), (-math.inf, "V", 18))


def save_age_points(age_years: float) -> int:
    """Age 18–38 → +7, 39–52 → +4, 53–62 → +3, ≥ 63 → 0 (completed years)."""
    age = _completed_years(age_years)
    if age <= 38:
        return 7
    if age <= 52:
        return 4
    if age <= 62:
        return 3
    return 0


def save_weight_points(weight_kg: float) -> int:
    """Weight < 65 kg → +1, 65–89 → +2, ≥ 90 → 0; 89–90 kg goes to the worse band (0)."""
    if weight_kg < 65:
        return 1
    if weight_kg <= 89:
        return 2
    return 0


def save_intubation_points(hours: float) -> int:
    """Intubation before ECMO ≤ 10 h → 0, 11–29 h → −2, ≥ 30 h → −4; gaps go to the worse band."""
    if hours <= 10:
        return 0
    if hours <= 29:
        return -2
    return -4


def save_class(score: int) -> tuple[str, int]:
    """SAVE risk class and survival %: I > 5, II 1–5, III −4–0, IV −9–−5, V ≤ −10."""
    for lowest, name, survival in SAVE_CLASSES:
        if score >= lowest:
            return name, survival
    raise AssertionError("unreachable: the last class has no lower bound")


def save(inputs: ClinicalInputs) -> ScoreResult:
    """SAVE score: predicts survival on VA ECMO for refractory cardiogenic shock.

    Uses the worst values of the 6 h before ECMO. The paper lets several diagnoses add up
    (e.g. myocarditis with VT/VF); va_cause holds one, so only that one is scored.
    """
    used, missing = _collect(inputs, SAVE_INPUTS)
    if missing:
        return _incomplete("save", used, missing)
    if inputs.age_years < ADULT_AGE:
        return _not_applicable("save", used, "age < 18; SAVE was derived in adults (age bands start at 18).")
    points = {
        "age": save_age_points(inputs.age_years),
        "weight": save_weight_points(inputs.weight_kg),
        "diagnosis": SAVE_DIAGNOSIS_POINTS[inputs.va_cause],
        "liver_failure": -3 if inputs.liver_failure else 0,
        "cns_dysfunction": -3 if inputs.cns_dysfunction else 0,
        "acute_renal_failure": -3 if inputs.acute_renal_failure else 0,
        "chronic_renal_failure": -6 if inputs.chronic_renal_failure else 0,
        "intubation_before_ecmo": save_intubation_points(inputs.ventilation_hours),
        "peak_pressure_le_20": 3 if inputs.peak_cmh2o <= 20 else 0,
        "cardiac_arrest": -2 if inputs.cardiac_arrest else 0,
        "diastolic_ge_40": 3 if inputs.diastolic_mmhg >= 40 else 0,
        "pulse_pressure_le_20": -2 if inputs.pulse_pressure_mmhg <= 20 else 0,
        "hco3_le_15": -3 if inputs.hco3_mmol_l <= 15 else 0,
        "constant": SAVE_CONSTANT,
    }
    score = sum(points.values())
    risk_class, survival = save_class(score)
    return ScoreResult(
        name="save",
        score=score,
        risk_class=risk_class,
        predicted_survival_percent=survival,
        inputs_used=used,
        inputs_missing=[],
        complete=True,
        note=(
            "SAVE (Schmidt et al., Eur Heart J 2015); worst values in the 6 h before ECMO; "
            "class I is > 5 as in the paper. Only one diagnosis is scored."
        ),
        points=points,
    )


# --- PRESERVE (Schmidt et al., ICM 2013, as reproduced by Klinzing et al., Crit Care 2015) --

PRESERVE_LABEL = "as reproduced by Klinzing et al., Crit Care 2015"
# (lowest score in band, band, 6-month survival %), best band first. BMI > 30 scores −2, so a
# total below 0 is possible; it falls in the best band.
PRESERVE_CLASSES = ((7, ">=7", 16), (5, "5-6", 54), (3, "3-4", 79), (-math.inf, "<=2", 97))


def preserve_age_points(age_years: float) -> int:
    """Age < 45 → 0, 45–55 → +2, > 55 → +3 (completed years)."""
    age = _completed_years(age_years)
    if age < 45:
        return 0
    if age <= 55:
        return 2
    return 3


def preserve_class(score: int) -> tuple[str, int]:
    """PRESERVE band and 6-month survival %: 0–2 → 97, 3–4 → 79, 5–6 → 54, ≥ 7 → 16."""
    for lowest, name, survival in PRESERVE_CLASSES:
        if score >= lowest:
            return name, survival
    raise AssertionError("unreachable: the last band has no lower bound")


def preserve(inputs: ClinicalInputs) -> ScoreResult:
    """PRESERVE score: predicts 6-month survival after VV ECMO for ARDS.

    The table is the one reproduced by Klinzing 2015; the original paper states a 0–14 range
    this table cannot reach, so the UI must show the "as reproduced by" label.
    """
    used, missing = _collect(inputs, PRESERVE_INPUTS)
    if missing:
        return _incomplete("preserve", used, missing)
    bmi = inputs.bmi
    used["bmi"] = bmi
    points = {
        "age": preserve_age_points(inputs.age_years),
        "bmi_gt_30": -2 if bmi > 30 else 0,
        "immunocompromised": 2 if inputs.immunocompromised else 0,
        "ventilation_gt_6_days": 1 if inputs.ventilation_hours > 6 * 24 else 0,
        "sofa_gt_12": 1 if inputs.sofa > 12 else 0,
        "no_prone_positioning": 0 if inputs.prone_positioning else 1,
        "peep_lt_10": 1 if inputs.peep_cmh2o < 10 else 0,
        "plateau_gt_30": 1 if inputs.plateau_cmh2o > 30 else 0,
    }
    score = sum(points.values())
    risk_class, survival = preserve_class(score)
    return ScoreResult(
        name="preserve",
        score=score,
        risk_class=risk_class,
        predicted_survival_percent=survival,
        inputs_used=used,
        inputs_missing=[],
        complete=True,
        note=f"PRESERVE (Schmidt et al., ICM 2013), {PRESERVE_LABEL}; survival = 6-month survival.",
        points=points,
    )


SCORES: dict[str, Callable[[ClinicalInputs], ScoreResult]] = {
    "murray": murray,
    "resp": resp,
    "save": save,
    "preserve": preserve,
}
SCORE_INPUTS: dict[str, tuple[str, ...]] = {
    "murray": MURRAY_INPUTS,
    "resp": RESP_INPUTS,
    "save": SAVE_INPUTS,
    "preserve": PRESERVE_INPUTS,
}
