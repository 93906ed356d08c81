"""The clinical fields of a referral: names, units, plausible ranges and form sections, in one place.

Names are those of `dispatch.decision_support.ClinicalInputs`. Age, sex, weight and support live
on the `Mission`; everything else here is stored on the `Referral`. Ranges are the values a
living patient can have (wider than "normal"): outside them the number is a typing or unit
mistake, answered with a 400 that names the allowed range, never scored.
"""

from dataclasses import dataclass
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dispatch.decision_support import fields_for_support, highest_pao2_mmhg
from dispatch.decision_support import inputs as ds

FLOAT, INT, BOOL, CHOICE = "float", "int", "bool", "choice"
# FiO2 as typed: a percentage or a fraction (stored as a fraction).
PERCENT, FRACTION = "%", "fraction"


@dataclass(frozen=True)
class ClinicalField:
    name: str
    label: str | Promise
    kind: str
    section: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def range_message(self) -> str:
        return gettext("%(label)s must be between %(low)s and %(high)s%(unit)s.") % {
            "label": self.label,
            "low": number(self.low),
            "high": number(self.high),
            "unit": f" {self.unit}" if self.unit else "",
        }

    @property
    def unit_label(self) -> str:
        """The unit as the page shows it (words translated, symbols as they are)."""
        return str(UNIT_WORDS.get(self.unit, self.unit))

    @property
    def unit_beside_label(self) -> str:
        """The unit to print after the label, or "" when the label already names it ("X-ray quadrants")."""
        unit = self.unit_label
        if len(unit) >= 3 and unit.lower()[:4] in str(self.label).lower():
            return ""
        return unit

    @property
    def supports(self) -> tuple[str, ...]:
        """The kinds of support this value counts for (the form hides it for the others)."""
        return SUPPORTS_BY_FIELD.get(self.name, ())


def number(value: float | int | None, decimals: int = 2) -> str:
    """A number as the page's language writes it ("7,5" in Slovene), without trailing zeros."""
    if value is None:
        return ""
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        return number_format(int(rounded))
    return number_format(float(f"{rounded:.{decimals}f}".rstrip("0")))


PATIENT, GAS, CIRCULATION, ARREST, ORGANS, CONTRA = (
    "patient",
    "gas_exchange",
    "circulation",
    "cardiac_arrest",
    "organ_failure",
    "contraindications",
)
SECTIONS: dict[str, str | Promise] = {
    PATIENT: _("Patient and indication"),
    GAS: _("Gas exchange and ventilation (worst values)"),
    CIRCULATION: _("Haemodynamics"),
    ARREST: _("Cardiac arrest"),
    ORGANS: _("Organ failure and comorbidities"),
    CONTRA: _("Contraindications"),
}
UNIT_WORDS: dict[str, str | Promise] = {
    "fraction": _("fraction"),
    "quadrants": _("quadrants"),
    "points": _("points"),
}
# The choices in the clinic's words (values are the ids of dispatch.decision_support.inputs).
CHOICE_LABELS: dict[str, str | Promise] = {
    "viral_pneumonia": _("Viral pneumonia"),
    "bacterial_pneumonia": _("Bacterial pneumonia"),
    "aspiration": _("Aspiration pneumonitis"),
    "asthma": _("Asthma"),
    "trauma_burn": _("Trauma or burn"),
    "other_acute_respiratory": _("Other acute respiratory cause"),
    "non_respiratory_chronic": _("Non-respiratory or chronic cause"),
    "infarction": _("Myocardial infarction"),
    "myocarditis": _("Myocarditis"),
    "post_cardiotomy": _("After cardiac surgery"),
    "septic": _("Septic cardiomyopathy"),
    "refractory_vt_vf": _("Refractory VT/VF"),
    "post_transplant": _("After heart or lung transplant"),
    "congenital": _("Congenital heart disease"),
    "other": _("Other"),
    "vf_vt": _("VF/VT (shockable)"),
    "pea": _("PEA"),
    "asystole": _("Asystole"),
    "unknown": _("Unknown"),
}

# PaO2 20 mmHg is about the lowest a living patient is sampled at; 700 is above pure O2 at sea level.
FIELDS: tuple[ClinicalField, ...] = (
    ClinicalField("height_cm", _("Height"), FLOAT, PATIENT, "cm", 40, 250),
    ClinicalField("vv_cause", _("ARDS cause (VV)"), CHOICE, PATIENT, choices=ds.VV_CAUSES),
    ClinicalField("va_cause", _("Cardiogenic shock cause (VA)"), CHOICE, PATIENT, choices=ds.VA_CAUSES),
    ClinicalField("pao2_mmhg", _("PaO2"), FLOAT, GAS, "mmHg", 20, 700),
    ClinicalField("fio2", _("FiO2"), FLOAT, GAS, "fraction", ds.FIO2_MIN, ds.FIO2_MAX),
    ClinicalField("paco2_mmhg", _("PaCO2"), FLOAT, GAS, "mmHg", 10, 250),
    ClinicalField("ph", _("pH"), FLOAT, GAS, "", ds.PH_MIN, ds.PH_MAX),
    ClinicalField("hco3_mmol_l", _("HCO3"), FLOAT, GAS, "mmol/L", 2, 60),
    ClinicalField("peep_cmh2o", _("PEEP"), FLOAT, GAS, "cmH2O", 0, 30),
    ClinicalField("plateau_cmh2o", _("Plateau pressure"), FLOAT, GAS, "cmH2O", 5, 60),
    ClinicalField("peak_cmh2o", _("Peak inspiratory pressure"), FLOAT, GAS, "cmH2O", 5, 80),
    ClinicalField("compliance_ml_cmh2o", _("Static compliance"), FLOAT, GAS, "mL/cmH2O", 1, 150),
    ClinicalField("respiratory_rate", _("Respiratory rate"), FLOAT, GAS, "/min", 0, 80),
    ClinicalField("cxr_quadrants", _("Chest X-ray quadrants with consolidation"), INT, GAS, "quadrants", 0, 4),
    # Asked in days and hours (ventilation_days + ventilation_hours), stored as hours: RESP, SAVE and
    # PRESERVE count ventilation before ECMO in hours or days.
    ClinicalField("ventilation_hours", _("Mechanical ventilation so far"), FLOAT, GAS, "h", 0, 2400),
    ClinicalField("worst_values_hours", _("Worst values lasting"), FLOAT, GAS, "h", 0, 720),
    ClinicalField("prone_positioning", _("Prone positioning done"), BOOL, GAS),
    ClinicalField("neuromuscular_blockade", _("Neuromuscular blockade"), BOOL, GAS),
    ClinicalField("inhaled_no", _("Inhaled NO"), BOOL, GAS),
    ClinicalField("bicarbonate_infusion", _("Bicarbonate infusion"), BOOL, GAS),
    ClinicalField("map_mmhg", _("Mean arterial pressure"), FLOAT, CIRCULATION, "mmHg", 10, 200),
    ClinicalField("diastolic_mmhg", _("Diastolic pressure"), FLOAT, CIRCULATION, "mmHg", 5, 200),
    ClinicalField("pulse_pressure_mmhg", _("Pulse pressure"), FLOAT, CIRCULATION, "mmHg", 0, 200),
    ClinicalField("lactate_mmol_l", _("Lactate"), FLOAT, CIRCULATION, "mmol/L", 0, 40),
    ClinicalField("vasopressors", _("Vasopressors"), BOOL, CIRCULATION),
    ClinicalField("inotropes", _("Inotropes"), BOOL, CIRCULATION),
    ClinicalField("cardiac_arrest", _("Cardiac arrest before ECMO"), BOOL, ARREST),
    ClinicalField("arrest_witnessed", _("Arrest witnessed"), BOOL, ARREST),
    ClinicalField("bystander_cpr", _("Bystander CPR"), BOOL, ARREST),
    ClinicalField("initial_rhythm", _("Initial rhythm"), CHOICE, ARREST, choices=ds.INITIAL_RHYTHMS),
    ClinicalField("no_flow_min", _("No-flow time"), FLOAT, ARREST, "min", 0, 120),
    ClinicalField("low_flow_min", _("Low-flow time"), FLOAT, ARREST, "min", 0, 600),
    ClinicalField("shocks", _("Shocks delivered"), INT, ARREST, "", 0, 50),
    ClinicalField("immunocompromised", _("Immunocompromised"), BOOL, ORGANS),
    ClinicalField("cns_dysfunction", _("CNS dysfunction"), BOOL, ORGANS),
    ClinicalField("acute_nonpulmonary_infection", _("Acute non-pulmonary infection"), BOOL, ORGANS),
    ClinicalField("liver_failure", _("Liver failure"), BOOL, ORGANS),
    ClinicalField("acute_renal_failure", _("Acute renal failure"), BOOL, ORGANS),
    ClinicalField("chronic_renal_failure", _("Chronic renal failure"), BOOL, ORGANS),
    ClinicalField("malignancy_poor_prognosis", _("Malignancy with poor prognosis"), BOOL, ORGANS),
    ClinicalField("transplant", _("Solid organ transplant"), BOOL, ORGANS),
    ClinicalField("sofa", _("SOFA score"), INT, ORGANS, "points", 0, 24),
    ClinicalField("anticoagulation_contraindicated", _("Contraindication to anticoagulation"), BOOL, CONTRA),
    ClinicalField("severe_coagulopathy", _("Severe coagulopathy"), BOOL, CONTRA),
    ClinicalField("moribund_multiorgan_failure", _("Moribund with multiorgan failure"), BOOL, CONTRA),
    ClinicalField("severe_anoxic_brain_injury", _("Severe anoxic brain injury"), BOOL, CONTRA),
    ClinicalField("massive_intracranial_haemorrhage", _("Massive intracranial haemorrhage"), BOOL, CONTRA),
    ClinicalField(
        "chronic_respiratory_failure_no_transplant",
        _("Chronic respiratory failure, no transplant option"),
        BOOL,
        CONTRA,
    ),
    ClinicalField("uncontrolled_bleeding", _("Uncontrolled bleeding"), BOOL, CONTRA),
    ClinicalField("terminal_illness", _("Terminal illness"), BOOL, CONTRA),
    ClinicalField(
        "end_stage_organ_failure_no_transplant", _("End-stage organ failure, no transplant option"), BOOL, CONTRA
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


# Per field, the kinds of support it counts for (decision_support decides what each one needs).
SUPPORTS_BY_FIELD: dict[str, tuple[str, ...]] = {
    name: tuple(s for s in ds.SUPPORTS if name in fields_for_support(s)) for name in ds.FIELD_NAMES_ORDERED
}


def shown_value(spec: ClinicalField, value: Any, typed: dict[str, Any] | None = None) -> str:
    """A value as the referrer typed it: "7 kPa" (not 52.5 mmHg), "60 %", "2 d 5 h".

    `typed` is the field's entry in `Referral.as_typed`; without it the stored value is shown in
    its stored unit, in the page's language ("0,9", "14 cmH2O").
    """
    if spec.kind == BOOL:
        return gettext("yes") if value else gettext("no")
    if spec.kind == CHOICE:
        return choice_label(value)
    if typed and spec.name == "ventilation_hours":
        parts = []
        if typed.get("days") is not None:
            parts.append(gettext("%(n)s d") % {"n": number(typed["days"])})
        if typed.get("hours") is not None:
            parts.append(gettext("%(n)s h") % {"n": number(typed["hours"])})
        return " ".join(parts)
    if typed and "value" in typed:
        unit = typed["unit"]
        return f"{number(typed['value'])} {'' if unit == FRACTION else unit}".strip()
    unit = "" if spec.unit == FRACTION else spec.unit_beside_label
    return f"{number(value)} {unit}".strip()


def choice_label(value: str) -> str:
    return str(CHOICE_LABELS.get(value, value.replace("_", " ")))


def range_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """Per field, the message for a value outside its range; None (not given) is always fine."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        spec = BY_NAME.get(name)
        if spec is None or value is None:
            continue
        if spec.kind == CHOICE and value not in spec.choices:
            errors[name] = [
                gettext("%(label)s must be one of: %(choices)s.")
                % {"label": spec.label, "choices": ", ".join(choice_label(c) for c in spec.choices)}
            ]
        elif spec.low is not None and not spec.low <= value <= spec.high:
            errors[name] = [spec.range_message()]
    return errors


def pao2_ceiling_error(values: dict[str, Any]) -> float | None:
    """The highest PaO2 (mmHg) the given FiO2 allows when the PaO2 given is above it, else None.

    Alveolar gas equation (`decision_support.highest_pao2_mmhg`); without FiO2, pure oxygen.
    """
    pao2 = values.get("pao2_mmhg")
    if pao2 is None:
        return None
    ceiling = highest_pao2_mmhg(values.get("fio2") or ds.FIO2_MAX, values.get("paco2_mmhg"))
    return ceiling if pao2 > ceiling else None


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
