"""Clinical inputs for ECMO decision support, and unit helpers.

`None` always means "not given". Nothing in this package treats a missing value as zero or
as "absent": a score or criterion that needs a missing value says so instead of guessing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

MMHG_PER_KPA = 7.50062

SEXES = ("female", "male")
SUPPORTS = ("vv", "va", "ecpr")
VV_CAUSES = (
    "viral_pneumonia",
    "bacterial_pneumonia",
    "aspiration",
    "asthma",
    "trauma_burn",
    "other_acute_respiratory",
    "non_respiratory_chronic",
)
VA_CAUSES = (
    "infarction",
    "myocarditis",
    "post_cardiotomy",
    "septic",
    "refractory_vt_vf",
    "post_transplant",
    "congenital",
    "other",
)
INITIAL_RHYTHMS = ("vf_vt", "pea", "asystole", "unknown")

CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "sex": SEXES,
    "support": SUPPORTS,
    "vv_cause": VV_CAUSES,
    "va_cause": VA_CAUSES,
    "initial_rhythm": INITIAL_RHYTHMS,
}
# Whole numbers only: counts and ordinal scales.
INT_FIELDS = frozenset({"cxr_quadrants", "shocks", "sofa"})
INT_RANGES: dict[str, tuple[int, int]] = {"cxr_quadrants": (0, 4), "sofa": (0, 24)}
# Quantities that cannot be negative. pH, FiO2 and the ranged integers have their own checks.
NON_NEGATIVE_FIELDS = frozenset(
    {
        "age_years",
        "weight_kg",
        "height_cm",
        "pao2_mmhg",
        "peep_cmh2o",
        "plateau_cmh2o",
        "peak_cmh2o",
        "compliance_ml_cmh2o",
        "paco2_mmhg",
        "hco3_mmol_l",
        "ventilation_hours",
        "worst_values_hours",
        "respiratory_rate",
        "map_mmhg",
        "diastolic_mmhg",
        "pulse_pressure_mmhg",
        "lactate_mmol_l",
        "no_flow_min",
        "low_flow_min",
        "shocks",
    }
)
# Divisors (BMI, P/F) must be positive.
POSITIVE_FIELDS = frozenset({"weight_kg", "height_cm"})
FIO2_MIN, FIO2_MAX = 0.21, 1.0
PH_MIN, PH_MAX = 6.5, 8.0


def _is_number(value: Any) -> bool:
    # bool is an int subclass; True must not pass as 1 mmHg.
    return isinstance(value, int | float) and not isinstance(value, bool)


def normalise_fio2(value: float) -> float:
    """Return FiO2 as a fraction, accepting a fraction (0.21–1.0) or a percentage (21–100).

    Referrers give FiO2 either way; anything between the two ranges (e.g. 5) is ambiguous and
    is rejected rather than guessed.
    """
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"FiO2 must be a number, got {value!r}")
    if FIO2_MIN <= value <= FIO2_MAX:
        return float(value)
    if 21 <= value <= 100:
        return value / 100
    raise ValueError(f"FiO2 must be a fraction 0.21–1.0 or a percentage 21–100, got {value!r}")


def kpa_to_mmhg(kpa: float) -> float:
    """Convert a blood-gas partial pressure from kPa (as Slovene labs report it) to mmHg."""
    if not _is_number(kpa) or not math.isfinite(kpa) or kpa < 0:
        raise ValueError(f"pressure in kPa must be a non-negative number, got {kpa!r}")
    return kpa * MMHG_PER_KPA


# Alveolar gas equation, PAO2 = FiO2 × (Patm − PH2O) − PaCO2 / R, at sea level (Patm 760 mmHg,
# water vapour 47 mmHg at 37 °C, respiratory quotient 0.8; West, Respiratory Physiology). Arterial
# PaO2 is never above the alveolar value, and every Slovene hospital lies above sea level, where
# it is lower still: a PaO2 above this ceiling is a typing or unit mistake (70 "kPa" meant mmHg).
SEA_LEVEL_MMHG, WATER_VAPOUR_MMHG, RESPIRATORY_QUOTIENT = 760.0, 47.0, 0.8


def highest_pao2_mmhg(fio2: float, paco2_mmhg: float | None = None) -> float:
    """The alveolar PaO2 (mmHg) at this FiO2 (fraction): no arterial PaO2 can be higher.

    Without a PaCO2 the CO2 term is left out, which only raises the ceiling (never a false alarm).
    """
    return fio2 * (SEA_LEVEL_MMHG - WATER_VAPOUR_MMHG) - (paco2_mmhg or 0.0) / RESPIRATORY_QUOTIENT


@dataclass(frozen=True, kw_only=True)
class ClinicalInputs:
    """What the referring doctor told us. Every field is optional; None means "not given"."""

    # Patient
    age_years: float | None = None
    sex: str | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    support: str | None = None
    vv_cause: str | None = None
    va_cause: str | None = None
    # Respiratory
    pao2_mmhg: float | None = None
    fio2: float | None = None
    peep_cmh2o: float | None = None
    plateau_cmh2o: float | None = None
    peak_cmh2o: float | None = None
    compliance_ml_cmh2o: float | None = None
    ph: float | None = None
    paco2_mmhg: float | None = None
    hco3_mmol_l: float | None = None
    cxr_quadrants: int | None = None
    ventilation_hours: float | None = None
    worst_values_hours: float | None = None
    respiratory_rate: float | None = None
    prone_positioning: bool | None = None
    neuromuscular_blockade: bool | None = None
    inhaled_no: bool | None = None
    bicarbonate_infusion: bool | None = None
    # Circulation
    map_mmhg: float | None = None
    diastolic_mmhg: float | None = None
    pulse_pressure_mmhg: float | None = None
    lactate_mmol_l: float | None = None
    vasopressors: bool | None = None
    inotropes: bool | None = None
    # Cardiac arrest
    cardiac_arrest: bool | None = None
    arrest_witnessed: bool | None = None
    bystander_cpr: bool | None = None
    initial_rhythm: str | None = None
    no_flow_min: float | None = None
    low_flow_min: float | None = None
    shocks: int | None = None
    # Comorbidity and organ failure
    immunocompromised: bool | None = None
    cns_dysfunction: bool | None = None
    acute_nonpulmonary_infection: bool | None = None
    liver_failure: bool | None = None
    acute_renal_failure: bool | None = None
    chronic_renal_failure: bool | None = None
    malignancy_poor_prognosis: bool | None = None
    transplant: bool | None = None
    sofa: int | None = None
    # Contraindications
    anticoagulation_contraindicated: bool | None = None
    severe_coagulopathy: bool | None = None
    moribund_multiorgan_failure: bool | None = None
    severe_anoxic_brain_injury: bool | None = None
    massive_intracranial_haemorrhage: bool | None = None
    chronic_respiratory_failure_no_transplant: bool | None = None
    uncontrolled_bleeding: bool | None = None
    terminal_illness: bool | None = None
    end_stage_organ_failure_no_transplant: bool | None = None

    def __post_init__(self) -> None:
        # Reject wrong types early: a string "false" would otherwise be truthy and score points.
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                _validate(f.name, value)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ClinicalInputs:
        """Build from a dict (e.g. request JSON); unknown keys raise so typos are not dropped."""
        unknown = sorted(set(data) - FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown clinical input(s): {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELD_NAMES_ORDERED}

    @property
    def bmi(self) -> float | None:
        """Body-mass index in kg/m², or None if weight or height is missing."""
        if self.weight_kg is None or self.height_cm is None:
            return None
        metres = self.height_cm / 100
        return self.weight_kg / (metres * metres)

    @property
    def pf_ratio(self) -> float | None:
        """PaO2/FiO2 in mmHg, or None if either is missing."""
        if self.pao2_mmhg is None or self.fio2 is None:
            return None
        return self.pao2_mmhg / self.fio2


def _validate(name: str, value: Any) -> None:
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true, false or null, got {value!r}")
        return
    if name in CHOICE_FIELDS:
        if value not in CHOICE_FIELDS[name]:
            raise ValueError(f"{name} must be one of {', '.join(CHOICE_FIELDS[name])}, got {value!r}")
        return
    if not _is_number(value) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if name in INT_FIELDS and value != int(value):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if name in NON_NEGATIVE_FIELDS and value < 0:
        raise ValueError(f"{name} cannot be negative, got {value!r}")
    if name in POSITIVE_FIELDS and value <= 0:
        raise ValueError(f"{name} must be greater than zero, got {value!r}")
    if name in INT_RANGES:
        low, high = INT_RANGES[name]
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")
    if name == "fio2" and not FIO2_MIN <= value <= FIO2_MAX:
        raise ValueError(
            f"fio2 must be a fraction between {FIO2_MIN} and {FIO2_MAX}, got {value!r} "
            "(convert percentages with normalise_fio2)"
        )
    if name == "ph" and not PH_MIN <= value <= PH_MAX:
        raise ValueError(f"ph must be between {PH_MIN} and {PH_MAX}, got {value!r}")


FIELD_NAMES_ORDERED: tuple[str, ...] = tuple(f.name for f in fields(ClinicalInputs))
FIELD_NAMES = frozenset(FIELD_NAMES_ORDERED)
BOOL_FIELDS = frozenset(f.name for f in fields(ClinicalInputs) if str(f.type).startswith("bool"))
