"""Murray, RESP, SAVE and PRESERVE: worked examples, every band edge, every class edge, missing inputs.

Worked examples are the ones in domain.md ("Scores"), computed by hand from the tables.
"""

import json

import pytest

from dispatch.decision_support import ClinicalInputs, murray, preserve, resp, save
from dispatch.decision_support.scores import (
    murray_class,
    murray_compliance_points,
    murray_cxr_points,
    murray_peep_points,
    murray_pf_points,
    preserve_age_points,
    preserve_class,
    resp_age_points,
    resp_class,
    resp_ventilation_points,
    save_age_points,
    save_class,
    save_intubation_points,
    save_weight_points,
)

# domain.md: P/F 90 (4), PEEP 14 (3), compliance 25 (3), 4 quadrants (4) → 3.5.
MURRAY_EXAMPLE = {"pao2_mmhg": 90, "fio2": 1.0, "peep_cmh2o": 14, "compliance_ml_cmh2o": 25, "cxr_quadrants": 4}

# domain.md: age 45, ventilated 30 h, viral pneumonia, NMB, PaCO2 80 → 0+3+3+1−1 = 6, class I.
RESP_EXAMPLE = {
    "age_years": 45,
    "immunocompromised": False,
    "ventilation_hours": 30,
    "vv_cause": "viral_pneumonia",
    "cns_dysfunction": False,
    "acute_nonpulmonary_infection": False,
    "neuromuscular_blockade": True,
    "inhaled_no": False,
    "bicarbonate_infusion": False,
    "cardiac_arrest": False,
    "paco2_mmhg": 80,
    "peak_cmh2o": 30,
}

# domain.md: age 45 +4, 80 kg +2, myocarditis +3, PIP 18 +3, DBP 45 +3, HCO3 14 −3, acute renal −3,
# constant −6 → 3, class II.
SAVE_EXAMPLE = {
    "age_years": 45,
    "weight_kg": 80,
    "va_cause": "myocarditis",
    "liver_failure": False,
    "cns_dysfunction": False,
    "acute_renal_failure": True,
    "chronic_renal_failure": False,
    "ventilation_hours": 5,
    "peak_cmh2o": 18,
    "cardiac_arrest": False,
    "diastolic_mmhg": 45,
    "pulse_pressure_mmhg": 30,
    "hco3_mmol_l": 14,
}

# Every item scores 0: age 40, BMI 22.9, proned, PEEP 12, plateau 28, SOFA 8, ventilated 2 days.
PRESERVE_BASE = {
    "age_years": 40,
    "weight_kg": 70,
    "height_cm": 175,
    "immunocompromised": False,
    "ventilation_hours": 48,
    "sofa": 8,
    "prone_positioning": True,
    "peep_cmh2o": 12,
    "plateau_cmh2o": 28,
}


def _with(base, **changes):
    return ClinicalInputs(**{**base, **changes})


def _without(base, name):
    return ClinicalInputs(**{k: v for k, v in base.items() if k != name})


# --- worked examples ---------------------------------------------------------------------------


def test_murray_worked_example():
    result = murray(ClinicalInputs(**MURRAY_EXAMPLE))
    assert (result.score, result.risk_class, result.complete) == (3.5, "severe", True)


def test_murray_example_points_per_component():
    assert murray(ClinicalInputs(**MURRAY_EXAMPLE)).points == {
        "pf_ratio": 4,
        "peep": 3,
        "compliance": 3,
        "cxr_quadrants": 4,
    }


def test_resp_worked_example():
    result = resp(ClinicalInputs(**RESP_EXAMPLE))
    assert (result.score, result.risk_class, result.predicted_survival_percent) == (6, "I", 92)


def test_save_worked_example():
    result = save(ClinicalInputs(**SAVE_EXAMPLE))
    assert (result.score, result.risk_class, result.predicted_survival_percent) == (3, "II", 58)


def test_preserve_base_scores_zero():
    result = preserve(ClinicalInputs(**PRESERVE_BASE))
    assert (result.score, result.risk_class, result.predicted_survival_percent) == (0, "<=2", 97)


@pytest.mark.parametrize(
    ("score_fn", "base"),
    [(murray, MURRAY_EXAMPLE), (resp, RESP_EXAMPLE), (save, SAVE_EXAMPLE), (preserve, PRESERVE_BASE)],
)
def test_total_is_built_from_the_points_shown(score_fn, base):
    result = score_fn(ClinicalInputs(**base))
    total = sum(result.points.values())
    assert result.score == (total / 4 if score_fn is murray else total)


# --- Murray bands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pf", "points"),
    [
        (400, 0), (300, 0), (299.5, 1), (299, 1), (225, 1), (224.5, 2), (224, 2), (175, 2),
        (174.5, 3), (174, 3), (100, 3), (99.5, 4), (99, 4), (40, 4),
    ],
)  # fmt: skip
def test_murray_pf_bands(pf, points):
    assert murray_pf_points(pf) == points


@pytest.mark.parametrize(
    ("peep", "points"),
    [
        (0, 0), (5, 0), (5.5, 1), (6, 1), (8, 1), (8.5, 2), (9, 2), (11, 2), (11.5, 3), (12, 3), (14, 3),
        (14.5, 4), (15, 4), (20, 4),
    ],
)  # fmt: skip
def test_murray_peep_bands(peep, points):
    assert murray_peep_points(peep) == points


@pytest.mark.parametrize(
    ("compliance", "points"),
    [
        (100, 0), (80, 0), (79.5, 1), (79, 1), (60, 1), (59.5, 2), (59, 2), (40, 2), (39.5, 3), (39, 3),
        (20, 3), (19.5, 4), (19, 4), (5, 4),
    ],
)  # fmt: skip
def test_murray_compliance_bands(compliance, points):
    assert murray_compliance_points(compliance) == points


@pytest.mark.parametrize("quadrants", [0, 1, 2, 3, 4])
def test_murray_cxr_one_point_per_quadrant(quadrants):
    assert murray_cxr_points(quadrants) == quadrants


def test_murray_uses_pf_ratio_not_pao2():
    # PaO2 150 on FiO2 0.5 is P/F 300 → 0 points; PaO2 alone would land in the 100–174 band.
    result = murray(_with(MURRAY_EXAMPLE, pao2_mmhg=150, fio2=0.5))
    assert result.points["pf_ratio"] == 0


@pytest.mark.parametrize(
    ("score", "risk_class"), [(0, "not_severe"), (2.5, "not_severe"), (2.75, "severe"), (4, "severe")]
)
def test_murray_class_edges(score, risk_class):
    assert murray_class(score) == risk_class


def test_murray_2_5_is_not_severe_end_to_end():
    # P/F 2 + PEEP 3 + compliance 3 + 2 quadrants = 10 / 4 = 2.5
    result = murray(_with(MURRAY_EXAMPLE, pao2_mmhg=200, cxr_quadrants=2))
    assert (result.score, result.risk_class) == (2.5, "not_severe")


# --- RESP bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "points"), [(18, 0), (49, 0), (49.9, 0), (50, -2), (59, -2), (59.9, -2), (60, -3), (85, -3)]
)
def test_resp_age_bands(age, points):
    assert resp_age_points(age) == points


@pytest.mark.parametrize(
    ("hours", "points"), [(0, 3), (47.9, 3), (48, 1), (100, 1), (168, 1), (168.5, 0), (169, 0), (400, 0)]
)
def test_resp_ventilation_bands(hours, points):
    assert resp_ventilation_points(hours) == points


@pytest.mark.parametrize(
    ("cause", "points"),
    [
        ("viral_pneumonia", 3),
        ("bacterial_pneumonia", 3),
        ("asthma", 11),
        ("trauma_burn", 3),
        ("aspiration", 5),
        ("other_acute_respiratory", 1),
        ("non_respiratory_chronic", 0),
    ],
)
def test_resp_diagnosis_points(cause, points):
    assert resp(_with(RESP_EXAMPLE, vv_cause=cause)).points["diagnosis"] == points


@pytest.mark.parametrize(
    ("field", "item", "points_if_true"),
    [
        ("immunocompromised", "immunocompromised", -2),
        ("cns_dysfunction", "cns_dysfunction", -7),
        ("acute_nonpulmonary_infection", "acute_nonpulmonary_infection", -3),
        ("neuromuscular_blockade", "neuromuscular_blockade", 1),
        ("inhaled_no", "inhaled_no", -1),
        ("bicarbonate_infusion", "bicarbonate_infusion", -2),
        ("cardiac_arrest", "cardiac_arrest", -2),
    ],
)
@pytest.mark.parametrize("value", [True, False])
def test_resp_yes_no_items(field, item, points_if_true, value):
    expected = points_if_true if value else 0
    assert resp(_with(RESP_EXAMPLE, **{field: value})).points[item] == expected


@pytest.mark.parametrize(("paco2", "points"), [(74, 0), (74.9, 0), (75, -1), (90, -1)])
def test_resp_paco2_threshold(paco2, points):
    assert resp(_with(RESP_EXAMPLE, paco2_mmhg=paco2)).points["paco2_ge_75"] == points


@pytest.mark.parametrize(("peak", "points"), [(41, 0), (41.9, 0), (42, -1), (50, -1)])
def test_resp_peak_pressure_threshold(peak, points):
    assert resp(_with(RESP_EXAMPLE, peak_cmh2o=peak)).points["peak_pressure_ge_42"] == points


@pytest.mark.parametrize(
    ("score", "risk_class", "survival"),
    [
        (15, "I", 92), (6, "I", 92), (5, "II", 76), (3, "II", 76), (2, "III", 57), (-1, "III", 57),
        (-2, "IV", 33), (-5, "IV", 33), (-6, "V", 18), (-22, "V", 18),
    ],
)  # fmt: skip
def test_resp_class_edges(score, risk_class, survival):
    assert resp_class(score) == (risk_class, survival)


def test_resp_maximum_is_15():
    best = _with(RESP_EXAMPLE, vv_cause="asthma", paco2_mmhg=40)
    assert resp(best).score == 15


def test_resp_minimum_is_minus_22():
    worst = _with(
        RESP_EXAMPLE,
        age_years=70,
        immunocompromised=True,
        ventilation_hours=200,
        vv_cause="non_respiratory_chronic",
        cns_dysfunction=True,
        acute_nonpulmonary_infection=True,
        neuromuscular_blockade=False,
        inhaled_no=True,
        bicarbonate_infusion=True,
        cardiac_arrest=True,
        peak_cmh2o=45,
    )
    assert resp(worst).score == -22


def test_resp_computed_at_18():
    assert resp(_with(RESP_EXAMPLE, age_years=18)).score == 6


def test_resp_not_computed_under_18():
    result = resp(_with(RESP_EXAMPLE, age_years=17))
    assert (result.score, result.risk_class, "age < 18" in result.note) == (None, None, True)


# --- SAVE bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "points"),
    [(18, 7), (38, 7), (38.9, 7), (39, 4), (52, 4), (52.9, 4), (53, 3), (62, 3), (62.9, 3), (63, 0), (80, 0)],
)
def test_save_age_bands(age, points):
    assert save_age_points(age) == points


@pytest.mark.parametrize(("weight", "points"), [(50, 1), (64.9, 1), (65, 2), (89, 2), (89.5, 0), (90, 0), (130, 0)])
def test_save_weight_bands(weight, points):
    assert save_weight_points(weight) == points


@pytest.mark.parametrize(
    ("hours", "points"), [(0, 0), (10, 0), (10.5, -2), (11, -2), (29, -2), (29.5, -4), (30, -4), (200, -4)]
)
def test_save_intubation_bands(hours, points):
    assert save_intubation_points(hours) == points


@pytest.mark.parametrize(
    ("cause", "points"),
    [
        ("myocarditis", 3),
        ("refractory_vt_vf", 2),
        ("post_transplant", 3),
        ("congenital", -3),
        ("infarction", 0),
        ("post_cardiotomy", 0),
        ("septic", 0),
        ("other", 0),
    ],
)
def test_save_diagnosis_points(cause, points):
    assert save(_with(SAVE_EXAMPLE, va_cause=cause)).points["diagnosis"] == points


@pytest.mark.parametrize(
    ("field", "item", "points_if_true"),
    [
        ("liver_failure", "liver_failure", -3),
        ("cns_dysfunction", "cns_dysfunction", -3),
        ("acute_renal_failure", "acute_renal_failure", -3),
        ("chronic_renal_failure", "chronic_renal_failure", -6),
        ("cardiac_arrest", "cardiac_arrest", -2),
    ],
)
@pytest.mark.parametrize("value", [True, False])
def test_save_yes_no_items(field, item, points_if_true, value):
    expected = points_if_true if value else 0
    assert save(_with(SAVE_EXAMPLE, **{field: value})).points[item] == expected


@pytest.mark.parametrize(
    ("field", "item", "cases"),
    [
        ("peak_cmh2o", "peak_pressure_le_20", [(15, 3), (20, 3), (20.5, 0), (21, 0)]),
        ("diastolic_mmhg", "diastolic_ge_40", [(39, 0), (39.5, 0), (40, 3), (60, 3)]),
        ("pulse_pressure_mmhg", "pulse_pressure_le_20", [(10, -2), (20, -2), (20.5, 0), (21, 0)]),
        ("hco3_mmol_l", "hco3_le_15", [(10, -3), (15, -3), (15.5, 0), (16, 0)]),
    ],
    ids=["pip", "dbp", "pulse_pressure", "hco3"],
)
def test_save_thresholds(field, item, cases):
    got = [(value, save(_with(SAVE_EXAMPLE, **{field: value})).points[item]) for value, _ in cases]
    assert got == cases


def test_save_constant_is_minus_6():
    assert save(ClinicalInputs(**SAVE_EXAMPLE)).points["constant"] == -6


@pytest.mark.parametrize(
    ("score", "risk_class", "survival"),
    [
        (12, "I", 75), (6, "I", 75), (5, "II", 58), (1, "II", 58), (0, "III", 42), (-4, "III", 42),
        (-5, "IV", 30), (-9, "IV", 30), (-10, "V", 18), (-35, "V", 18),
    ],
)  # fmt: skip
def test_save_class_edges(score, risk_class, survival):
    assert save_class(score) == (risk_class, survival)


def test_save_5_is_class_ii_as_in_the_paper():
    # Example (3) without acute renal failure (+3) and at 60 kg (+1 instead of +2) → 5.
    result = save(_with(SAVE_EXAMPLE, acute_renal_failure=False, weight_kg=60))
    assert (result.score, result.risk_class) == (5, "II")


def test_save_minimum_is_minus_35():
    worst = _with(
        SAVE_EXAMPLE,
        age_years=70,
        weight_kg=100,
        va_cause="congenital",
        liver_failure=True,
        cns_dysfunction=True,
        acute_renal_failure=True,
        chronic_renal_failure=True,
        ventilation_hours=40,
        peak_cmh2o=30,
        cardiac_arrest=True,
        diastolic_mmhg=30,
        pulse_pressure_mmhg=15,
        hco3_mmol_l=12,
    )
    assert save(worst).score == -35


def test_save_maximum_with_one_diagnosis_is_12():
    best = _with(SAVE_EXAMPLE, age_years=30, acute_renal_failure=False, hco3_mmol_l=24)
    assert save(best).score == 12


def test_save_computed_at_18():
    assert save(_with(SAVE_EXAMPLE, age_years=18)).score == 6  # example with age +7 instead of +4


def test_save_not_computed_under_18():
    assert save(_with(SAVE_EXAMPLE, age_years=17.9)).score is None


# --- PRESERVE bands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "points"), [(18, 0), (44, 0), (44.9, 0), (45, 2), (55, 2), (55.9, 2), (56, 3), (80, 3)]
)
def test_preserve_age_bands(age, points):
    assert preserve_age_points(age) == points


@pytest.mark.parametrize(
    ("weight", "height", "points"),
    [(90, 200, 0), (120, 200, 0), (120.4, 200, -2), (130, 200, -2)],  # BMI 22.5, 30.0, 30.1, 32.5
)
def test_preserve_bmi_over_30(weight, height, points):
    assert preserve(_with(PRESERVE_BASE, weight_kg=weight, height_cm=height)).points["bmi_gt_30"] == points


@pytest.mark.parametrize(
    ("field", "item", "cases"),
    [
        ("ventilation_hours", "ventilation_gt_6_days", [(143, 0), (144, 0), (144.5, 1), (200, 1)]),
        ("sofa", "sofa_gt_12", [(11, 0), (12, 0), (13, 1), (20, 1)]),
        ("peep_cmh2o", "peep_lt_10", [(5, 1), (9.5, 1), (10, 0), (15, 0)]),
        ("plateau_cmh2o", "plateau_gt_30", [(25, 0), (30, 0), (30.5, 1), (35, 1)]),
        ("immunocompromised", "immunocompromised", [(False, 0), (True, 2)]),
        ("prone_positioning", "no_prone_positioning", [(True, 0), (False, 1)]),
    ],
    ids=["ventilation", "sofa", "peep", "plateau", "immunocompromised", "prone"],
)
def test_preserve_items(field, item, cases):
    got = [(value, preserve(_with(PRESERVE_BASE, **{field: value})).points[item]) for value, _ in cases]
    assert got == cases


@pytest.mark.parametrize(
    ("score", "band", "survival"),
    [
        (-2, "<=2", 97), (0, "<=2", 97), (2, "<=2", 97), (3, "3-4", 79), (4, "3-4", 79), (5, "5-6", 54),
        (6, "5-6", 54), (7, ">=7", 16), (10, ">=7", 16),
    ],
)  # fmt: skip
def test_preserve_class_edges(score, band, survival):
    assert preserve_class(score) == (band, survival)


def test_preserve_is_labelled_as_reproduced_by_klinzing():
    assert "as reproduced by Klinzing et al., Crit Care 2015" in preserve(ClinicalInputs(**PRESERVE_BASE)).note


def test_preserve_reports_bmi_used():
    assert preserve(ClinicalInputs(**PRESERVE_BASE)).inputs_used["bmi"] == pytest.approx(70 / 1.75**2)


# --- missing inputs ----------------------------------------------------------------------------

MISSING_CASES = [
    *[(murray, MURRAY_EXAMPLE, name) for name in MURRAY_EXAMPLE],
    *[(resp, RESP_EXAMPLE, name) for name in RESP_EXAMPLE],
    *[(save, SAVE_EXAMPLE, name) for name in SAVE_EXAMPLE],
    *[(preserve, PRESERVE_BASE, name) for name in PRESERVE_BASE],
]


@pytest.mark.parametrize(
    ("score_fn", "base", "name"), MISSING_CASES, ids=[f"{fn.__name__}-{name}" for fn, _, name in MISSING_CASES]
)
def test_one_missing_input_means_no_score(score_fn, base, name):
    result = score_fn(_without(base, name))
    assert (result.score, result.risk_class, result.predicted_survival_percent, result.complete) == (
        None,
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("score_fn", "base", "name"), MISSING_CASES, ids=[f"{fn.__name__}-{name}" for fn, _, name in MISSING_CASES]
)
def test_missing_input_is_reported_and_not_listed_as_used(score_fn, base, name):
    result = score_fn(_without(base, name))
    assert (result.inputs_missing, name in result.inputs_used) == ([name], False)


@pytest.mark.parametrize("score_fn", [murray, resp, save, preserve])
def test_no_inputs_lists_every_input_missing(score_fn):
    result = score_fn(ClinicalInputs())
    assert (result.inputs_used, len(result.inputs_missing) > 0, result.points) == ({}, True, {})


def test_false_counts_as_given_not_missing():
    result = resp(ClinicalInputs(**RESP_EXAMPLE))
    assert result.inputs_used["immunocompromised"] is False


@pytest.mark.parametrize(
    ("score_fn", "base"),
    [(murray, MURRAY_EXAMPLE), (resp, RESP_EXAMPLE), (save, SAVE_EXAMPLE), (preserve, PRESERVE_BASE)],
)
def test_to_dict_is_json_serialisable(score_fn, base):
    data = score_fn(ClinicalInputs(**base)).to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
