"""ClinicalInputs validation, derived values and unit helpers."""

import dataclasses
import math

import pytest

from dispatch.decision_support import ClinicalInputs, highest_pao2_mmhg, kpa_to_mmhg, normalise_fio2

# The exact field names a Django model will mirror; a rename here must be deliberate.
EXPECTED_FIELDS = {
    "age_years", "sex", "weight_kg", "height_cm", "support", "vv_cause", "va_cause",
    "pao2_mmhg", "fio2", "peep_cmh2o", "plateau_cmh2o", "peak_cmh2o", "compliance_ml_cmh2o", "ph",
    "paco2_mmhg", "hco3_mmol_l", "cxr_quadrants", "ventilation_hours", "worst_values_hours",
    "respiratory_rate", "prone_positioning", "neuromuscular_blockade", "inhaled_no", "bicarbonate_infusion",
    "map_mmhg", "diastolic_mmhg", "pulse_pressure_mmhg", "lactate_mmol_l", "vasopressors", "inotropes",
    "cardiac_arrest", "arrest_witnessed", "bystander_cpr", "initial_rhythm", "no_flow_min", "low_flow_min",
    "shocks", "immunocompromised", "cns_dysfunction", "acute_nonpulmonary_infection", "liver_failure",
    "acute_renal_failure", "chronic_renal_failure", "malignancy_poor_prognosis", "transplant", "sofa",
    "anticoagulation_contraindicated", "severe_coagulopathy", "moribund_multiorgan_failure",
    "severe_anoxic_brain_injury", "massive_intracranial_haemorrhage", "chronic_respiratory_failure_no_transplant",
    "uncontrolled_bleeding", "terminal_illness", "end_stage_organ_failure_no_transplant",
}  # fmt: skip


def test_field_names_match_the_agreed_list():
    assert {f.name for f in dataclasses.fields(ClinicalInputs)} == EXPECTED_FIELDS


def test_every_field_defaults_to_none():
    inputs = ClinicalInputs()
    assert all(getattr(inputs, name) is None for name in EXPECTED_FIELDS)


def test_inputs_are_immutable():
    inputs = ClinicalInputs(age_years=40)
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.age_years = 50


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.21, 0.21),
        (0.5, 0.5),
        (1.0, 1.0),
        (1, 1.0),  # 1 is a fraction (100 %), not 1 %
        (21, 0.21),
        (60, 0.6),
        (100, 1.0),
    ],
)
def test_normalise_fio2_accepts_fraction_or_percent(value, expected):
    assert normalise_fio2(value) == pytest.approx(expected)


@pytest.mark.parametrize("value", [0.2, 1.01, 5, 20.9, 100.1, 0, -0.5, math.nan, math.inf, True, "50", None])
def test_normalise_fio2_rejects_values_outside_both_ranges(value):
    with pytest.raises(ValueError, match="FiO2"):
        normalise_fio2(value)


@pytest.mark.parametrize(("kpa", "mmhg"), [(0, 0.0), (1, 7.50062), (8, 60.00496), (13.3, 99.758246)])
def test_kpa_to_mmhg(kpa, mmhg):
    assert kpa_to_mmhg(kpa) == pytest.approx(mmhg)


@pytest.mark.parametrize("kpa", [-1, math.nan, "8", None, True])
def test_kpa_to_mmhg_rejects_invalid(kpa):
    with pytest.raises(ValueError, match="kPa"):
        kpa_to_mmhg(kpa)


def test_pf_ratio_divides_pao2_by_fraction():
    assert ClinicalInputs(pao2_mmhg=60, fio2=0.8).pf_ratio == pytest.approx(75)


def test_pf_ratio_from_kpa_and_percent_fio2():
    inputs = ClinicalInputs(pao2_mmhg=kpa_to_mmhg(8), fio2=normalise_fio2(100))
    assert inputs.pf_ratio == pytest.approx(60.00496)


@pytest.mark.parametrize("given", [{"pao2_mmhg": 60}, {"fio2": 0.8}, {}])
def test_pf_ratio_is_none_when_an_input_is_missing(given):
    assert ClinicalInputs(**given).pf_ratio is None


def test_bmi_from_weight_and_height():
    assert ClinicalInputs(weight_kg=80, height_cm=200).bmi == pytest.approx(20.0)


@pytest.mark.parametrize("given", [{"weight_kg": 80}, {"height_cm": 180}, {}])
def test_bmi_is_none_when_an_input_is_missing(given):
    assert ClinicalInputs(**given).bmi is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fio2", 50, "normalise_fio2"),
        ("fio2", 0.2, "fio2"),
        ("prone_positioning", "false", "prone_positioning"),
        ("prone_positioning", 0, "prone_positioning"),
        ("weight_kg", True, "weight_kg"),
        ("weight_kg", "80", "weight_kg"),
        ("weight_kg", 0, "weight_kg"),
        ("height_cm", -170, "height_cm"),
        ("pao2_mmhg", math.nan, "pao2_mmhg"),
        ("paco2_mmhg", -1, "paco2_mmhg"),
        ("cxr_quadrants", 5, "cxr_quadrants"),
        ("cxr_quadrants", -1, "cxr_quadrants"),
        ("cxr_quadrants", 1.5, "cxr_quadrants"),
        ("sofa", 25, "sofa"),
        ("ph", 72, "ph"),
        ("ph", 6.4, "ph"),
        ("ph", 8.1, "ph"),
        ("sex", "f", "sex"),
        ("support", "VV", "support"),
        ("vv_cause", "covid", "vv_cause"),
        ("va_cause", "viral_pneumonia", "va_cause"),
        ("initial_rhythm", "vf", "initial_rhythm"),
    ],
)
def test_invalid_values_are_rejected(field, value, message):
    with pytest.raises(ValueError, match=message):
        ClinicalInputs(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [("fio2", 0.21), ("fio2", 1.0), ("cxr_quadrants", 0), ("cxr_quadrants", 4), ("sofa", 0), ("ph", 6.5), ("ph", 8.0)],
)
def test_values_at_the_edge_of_their_range_are_accepted(field, value):
    assert getattr(ClinicalInputs(**{field: value}), field) == value


def test_false_is_a_given_value_not_missing():
    assert ClinicalInputs(immunocompromised=False).immunocompromised is False


def test_from_mapping_builds_inputs():
    assert ClinicalInputs.from_mapping({"age_years": 50, "support": "vv"}) == ClinicalInputs(age_years=50, support="vv")


def test_from_mapping_rejects_unknown_keys():
    with pytest.raises(ValueError, match="unknown clinical input.*pao2"):
        ClinicalInputs.from_mapping({"pao2": 60})


def test_to_dict_round_trips():
    inputs = ClinicalInputs(age_years=50, prone_positioning=False, vv_cause="asthma")
    assert ClinicalInputs.from_mapping(inputs.to_dict()) == inputs


def test_no_pao2_lies_above_the_alveolar_oxygen_of_its_fio2():
    # Alveolar gas equation at sea level: 0.6 × 713 − 40 / 0.8 = 377.8 mmHg (50.4 kPa), so 70 kPa is impossible.
    assert highest_pao2_mmhg(0.6, 40) == pytest.approx(377.8)
    assert highest_pao2_mmhg(1.0) == pytest.approx(713.0)
