"""The clinical fields of a referral: names, units, plausible ranges and form sections, in one place.

Names are those of `dispatch.decision_support.ClinicalInputs`. Age, sex, weight and support live
on the `Mission`; everything else here is stored on the `Referral`. Ranges are the values a
living patient can have (wider than "normal"): outside them the number is a typing or unit
mistake, answered with a 400 that names the allowed range, never scored.
"""

from dataclasses import dataclass
from typing import Any

from dispatch.decision_support import inputs as ds

FLOAT, INT, BOOL, CHOICE = "float", "int", "bool", "choice"


@dataclass(frozen=True)
class ClinicalField:
    name: str
    label: str
    kind: str
    section: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def range_message(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.label} must be between {self.low:g} and {self.high:g}{unit}."


PATIENT, GAS, CIRCULATION, ARREST, ORGANS, CONTRA = (
    "patient",
    "gas_exchange",
    "circulation",
    "cardiac_arrest",
    "organ_failure",
    "contraindications",
)
SECTIONS: dict[str, str] = {
    PATIENT: "Patient and indication",
    GAS: "Gas exchange and ventilation (worst values)",
    CIRCULATION: "Haemodynamics",
    ARREST: "Cardiac arrest",
    ORGANS: "Organ failure and comorbidities",
    CONTRA: "Contraindications",
}

# PaO2 20 mmHg is about the lowest a living patient is sampled at; 700 is above pure O2 at sea level.
FIELDS: tuple[ClinicalField, ...] = (
    ClinicalField("height_cm", "Height", FLOAT, PATIENT, "cm", 40, 250),
    ClinicalField("vv_cause", "ARDS cause (VV)", CHOICE, PATIENT, choices=ds.VV_CAUSES),
    ClinicalField("va_cause", "Cardiogenic shock cause (VA)", CHOICE, PATIENT, choices=ds.VA_CAUSES),
    ClinicalField("pao2_mmhg", "PaO2", FLOAT, GAS, "mmHg", 20, 700),
    ClinicalField("fio2", "FiO2", FLOAT, GAS, "fraction", ds.FIO2_MIN, ds.FIO2_MAX),
    ClinicalField("paco2_mmhg", "PaCO2", FLOAT, GAS, "mmHg", 10, 250),
    ClinicalField("ph", "pH", FLOAT, GAS, "", ds.PH_MIN, ds.PH_MAX),
    ClinicalField("hco3_mmol_l", "HCO3", FLOAT, GAS, "mmol/L", 2, 60),
    ClinicalField("peep_cmh2o", "PEEP", FLOAT, GAS, "cmH2O", 0, 30),
    ClinicalField("plateau_cmh2o", "Plateau pressure", FLOAT, GAS, "cmH2O", 5, 60),
    ClinicalField("peak_cmh2o", "Peak inspiratory pressure", FLOAT, GAS, "cmH2O", 5, 80),
    ClinicalField("compliance_ml_cmh2o", "Static compliance", FLOAT, GAS, "mL/cmH2O", 1, 150),
    ClinicalField("respiratory_rate", "Respiratory rate", FLOAT, GAS, "/min", 0, 80),
    ClinicalField("cxr_quadrants", "Chest X-ray quadrants with consolidation", INT, GAS, "quadrants", 0, 4),
    ClinicalField("ventilation_hours", "Mechanical ventilation so far", FLOAT, GAS, "h", 0, 2400),
    ClinicalField("worst_values_hours", "Worst values lasting", FLOAT, GAS, "h", 0, 720),
    ClinicalField("prone_positioning", "Prone positioning done", BOOL, GAS),
    ClinicalField("neuromuscular_blockade", "Neuromuscular blockade", BOOL, GAS),
    ClinicalField("inhaled_no", "Inhaled NO", BOOL, GAS),
    ClinicalField("bicarbonate_infusion", "Bicarbonate infusion", BOOL, GAS),
    ClinicalField("map_mmhg", "Mean arterial pressure", FLOAT, CIRCULATION, "mmHg", 10, 200),
    ClinicalField("diastolic_mmhg", "Diastolic pressure", FLOAT, CIRCULATION, "mmHg", 5, 200),
    ClinicalField("pulse_pressure_mmhg", "Pulse pressure", FLOAT, CIRCULATION, "mmHg", 0, 200),
    ClinicalField("lactate_mmol_l", "Lactate", FLOAT, CIRCULATION, "mmol/L", 0, 40),
    ClinicalField("vasopressors", "Vasopressors", BOOL, CIRCULATION),
    ClinicalField("inotropes", "Inotropes", BOOL, CIRCULATION),
    ClinicalField("cardiac_arrest", "Cardiac arrest before ECMO", BOOL, ARREST),
    ClinicalField("arrest_witnessed", "Arrest witnessed", BOOL, ARREST),
    ClinicalField("bystander_cpr", "Bystander CPR", BOOL, ARREST),
    ClinicalField("initial_rhythm", "Initial rhythm", CHOICE, ARREST, choices=ds.INITIAL_RHYTHMS),
    ClinicalField("no_flow_min", "No-flow time", FLOAT, ARREST, "min", 0, 120),
    ClinicalField("low_flow_min", "Low-flow time", FLOAT, ARREST, "min", 0, 600),
    ClinicalField("shocks", "Shocks delivered", INT, ARREST, "", 0, 50),
    ClinicalField("immunocompromised", "Immunocompromised", BOOL, ORGANS),
    ClinicalField("cns_dysfunction", "CNS dysfunction", BOOL, ORGANS),
    ClinicalField("acute_nonpulmonary_infection", "Acute non-pulmonary infection", BOOL, ORGANS),
    ClinicalField("liver_failure", "Liver failure", BOOL, ORGANS),
    ClinicalField("acute_renal_failure", "Acute renal failure", BOOL, ORGANS),
    ClinicalField("chronic_renal_failure", "Chronic renal failure", BOOL, ORGANS),
    ClinicalField("malignancy_poor_prognosis", "Malignancy with poor prognosis", BOOL, ORGANS),
    ClinicalField("transplant", "Solid organ transplant", BOOL, ORGANS),
    ClinicalField("sofa", "SOFA score", INT, ORGANS, "points", 0, 24),
    ClinicalField("anticoagulation_contraindicated", "Contraindication to anticoagulation", BOOL, CONTRA),
    ClinicalField("severe_coagulopathy", "Severe coagulopathy", BOOL, CONTRA),
    ClinicalField("moribund_multiorgan_failure", "Moribund with multiorgan failure", BOOL, CONTRA),
    ClinicalField("severe_anoxic_brain_injury", "Severe anoxic brain injury", BOOL, CONTRA),
    ClinicalField("massive_intracranial_haemorrhage", "Massive intracranial haemorrhage", BOOL, CONTRA),
    ClinicalField(
        "chronic_respiratory_failure_no_transplant", "Chronic respiratory failure, no transplant option", BOOL, CONTRA
    ),
    ClinicalField("uncontrolled_bleeding", "Uncontrolled bleeding", BOOL, CONTRA),
    ClinicalField("terminal_illness", "Terminal illness", BOOL, CONTRA),
    ClinicalField(
        "end_stage_organ_failure_no_transplant", "End-stage organ failure, no transplant option", BOOL, CONTRA
    ),
)
BY_NAME: dict[str, ClinicalField] = {f.name: f for f in FIELDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# Blood gases the referrer may give in kPa (Slovene labs report kPa).
GAS_FIELDS: tuple[str, ...] = ("pao2_mmhg", "paco2_mmhg")
# Mission field -> ClinicalInputs field, for the values that live on the mission.
MISSION_TO_INPUTS: dict[str, str] = {
    "patient_age": "age_years",
    "patient_sex": "sex",
    "patient_weight_kg": "weight_kg",
    "support": "support",
}


def range_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """Per field, the message for a value outside its range; None (not given) is always fine."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        spec = BY_NAME.get(name)
        if spec is None or value is None:
            continue
        if spec.kind == CHOICE and value not in spec.choices:
            errors[name] = [f"{spec.label} must be one of: {', '.join(spec.choices)}."]
        elif spec.low is not None and not spec.low <= value <= spec.high:
            errors[name] = [spec.range_message()]
    return errors


def inputs_mapping(*, mission_values: dict[str, Any], clinical: dict[str, Any]) -> dict[str, Any]:
    """Mission and referral values as a `ClinicalInputs` mapping (unknown sex → not given)."""
    data: dict[str, Any] = {}
    for mission_name, input_name in MISSION_TO_INPUTS.items():
        value = mission_values.get(mission_name)
        if mission_name == "patient_sex" and value not in ds.SEXES:
            value = None
        if value is not None and mission_name in ("patient_age", "patient_weight_kg"):
            value = float(value)
        data[input_name] = value
    for name in NAMES:
        value = clinical.get(name)
        if value is not None and BY_NAME[name].kind == FLOAT:
            value = float(value)
        data[name] = value
    return data
