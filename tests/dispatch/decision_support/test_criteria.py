"""EOLIA entry criteria, contraindication flags, missing-for-decision checklist and assess()."""

import json

import pytest

from dispatch.decision_support import (
    ClinicalInputs,
    assess,
    contraindications,
    eolia_criteria,
    fields_for_support,
    missing_for_decision,
)
from dispatch.decision_support.scores import MURRAY_INPUTS, PRESERVE_INPUTS, RESP_INPUTS, SAVE_INPUTS


def _criterion(inputs, criterion_id):
    return next(c for c in eolia_criteria(inputs)["criteria"] if c["id"] == criterion_id)


def _status(criterion_id, **given):
    return _criterion(ClinicalInputs(**given), criterion_id)["status"]


# Hypercapnic criterion met exactly at its edges: pH 7.24, PaCO2 60, > 6 h, RR 35, plateau 32.
HYPERCAPNIA = {"ph": 7.24, "paco2_mmhg": 60, "worst_values_hours": 6.5, "respiratory_rate": 35, "plateau_cmh2o": 32}


# --- EOLIA: P/F < 50 for > 3 h -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pao2", "fio2", "hours", "status"),
    [
        (49.9, 1.0, 3.5, "met"),
        (40, 1.0, 4, "met"),
        (50, 1.0, 4, "not_met"),  # P/F 50 is not < 50
        (40, 0.8, 4, "not_met"),  # P/F 50 again, from a lower FiO2
        (40, 1.0, 3, "not_met"),  # exactly 3 h is not > 3 h
        (40, 1.0, 1, "not_met"),
    ],
)
def test_eolia_pf_below_50_over_3h(pao2, fio2, hours, status):
    assert _status("pf_lt_50_over_3h", pao2_mmhg=pao2, fio2=fio2, worst_values_hours=hours) == status


# --- EOLIA: P/F < 80 for > 6 h -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pao2", "hours", "status"),
    [(79.9, 6.5, "met"), (60, 12, "met"), (80, 12, "not_met"), (60, 6, "not_met"), (60, 4, "not_met")],
)
def test_eolia_pf_below_80_over_6h(pao2, hours, status):
    assert _status("pf_lt_80_over_6h", pao2_mmhg=pao2, fio2=1.0, worst_values_hours=hours) == status


# --- EOLIA: pH < 7.25 with PaCO2 ≥ 60 for > 6 h (RR 35, plateau ≤ 32) ---------------------------


def test_eolia_hypercapnia_met_at_its_edges():
    assert _status("ph_lt_7_25_paco2_ge_60_over_6h", **HYPERCAPNIA) == "met"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ph", 7.25),
        ("paco2_mmhg", 59.9),
        ("worst_values_hours", 6),
        ("respiratory_rate", 34),  # ventilation not yet optimised per EOLIA
        ("plateau_cmh2o", 32.5),
    ],
)
def test_eolia_hypercapnia_not_met_just_past_each_edge(field, value):
    assert _status("ph_lt_7_25_paco2_ge_60_over_6h", **{**HYPERCAPNIA, field: value}) == "not_met"


def test_eolia_hypercapnia_shows_which_condition_failed():
    criterion = _criterion(ClinicalInputs(**{**HYPERCAPNIA, "respiratory_rate": 30}), "ph_lt_7_25_paco2_ge_60_over_6h")
    assert [c["met"] for c in criterion["conditions"]] == [True, True, True, False, True]


@pytest.mark.parametrize("field", sorted(HYPERCAPNIA))
def test_eolia_hypercapnia_undeterminable_when_an_input_is_missing(field):
    given = {k: v for k, v in HYPERCAPNIA.items() if k != field}
    criterion = _criterion(ClinicalInputs(**given), "ph_lt_7_25_paco2_ge_60_over_6h")
    assert (criterion["status"], criterion["inputs_missing"]) == ("undeterminable", [field])


# --- EOLIA: three-valued logic -----------------------------------------------------------------


def test_eolia_low_pf_without_duration_is_undeterminable():
    criterion = _criterion(ClinicalInputs(pao2_mmhg=40, fio2=1.0), "pf_lt_50_over_3h")
    assert (criterion["status"], criterion["inputs_missing"]) == ("undeterminable", ["worst_values_hours"])


def test_eolia_missing_fio2_is_undeterminable_not_zero():
    criterion = _criterion(ClinicalInputs(pao2_mmhg=40, worst_values_hours=10), "pf_lt_50_over_3h")
    assert (criterion["status"], criterion["inputs_missing"]) == ("undeterminable", ["fio2"])


def test_eolia_high_pf_is_not_met_even_without_duration():
    assert _status("pf_lt_80_over_6h", pao2_mmhg=200, fio2=1.0) == "not_met"


def test_eolia_overall_met_when_any_criterion_met():
    # P/F 40 for 4 h meets criterion 1 only; the hypercapnia inputs are not even given.
    result = eolia_criteria(ClinicalInputs(pao2_mmhg=40, fio2=1.0, worst_values_hours=4))
    assert result["status"] == "met"


def test_eolia_overall_met_by_hypercapnia_alone():
    assert eolia_criteria(ClinicalInputs(pao2_mmhg=200, fio2=1.0, **HYPERCAPNIA))["status"] == "met"


def test_eolia_overall_not_met_when_every_criterion_decided_no():
    inputs = ClinicalInputs(pao2_mmhg=200, fio2=1.0, ph=7.35, worst_values_hours=10)
    assert eolia_criteria(inputs)["status"] == "not_met"


def test_eolia_overall_undeterminable_when_one_criterion_unknown():
    # Oxygenation criteria not met, hypercapnia criterion has no pH.
    inputs = ClinicalInputs(pao2_mmhg=200, fio2=1.0, worst_values_hours=10)
    assert eolia_criteria(inputs)["status"] == "undeterminable"


def test_eolia_nothing_given_is_undeterminable():
    assert eolia_criteria(ClinicalInputs())["status"] == "undeterminable"


def test_eolia_shows_optimisation_done():
    result = eolia_criteria(ClinicalInputs(prone_positioning=True, neuromuscular_blockade=False))
    assert result["optimisation"] == {"prone_positioning": True, "neuromuscular_blockade": False}


# --- contraindications -------------------------------------------------------------------------


def _item(inputs, item_id):
    return next(i for i in contraindications(inputs)["items"] if i["id"] == item_id)


FLAGS = [
    # (field, kind, supports it applies to)
    ("anticoagulation_contraindicated", "relative", ["vv"]),
    ("severe_coagulopathy", "relative", ["vv"]),
    ("moribund_multiorgan_failure", "absolute", ["vv"]),
    ("severe_anoxic_brain_injury", "absolute", ["vv"]),
    ("massive_intracranial_haemorrhage", "absolute", ["vv"]),
    ("chronic_respiratory_failure_no_transplant", "absolute", ["vv"]),
    ("malignancy_poor_prognosis", "absolute", ["vv"]),
    ("uncontrolled_bleeding", "absolute", ["va", "ecpr"]),
    ("terminal_illness", "absolute", ["va", "ecpr"]),
    ("end_stage_organ_failure_no_transplant", "absolute", ["va", "ecpr"]),
]


@pytest.mark.parametrize(("field", "kind", "supports"), FLAGS)
def test_flag_true_is_present_for_its_supports_only(field, kind, supports):
    by_support = contraindications(ClinicalInputs(**{field: True}))["by_support"]
    flagged = [s for s in ("vv", "va", "ecpr") if field in by_support[s][f"{kind}_present"]]
    assert flagged == supports


@pytest.mark.parametrize(("value", "status"), [(True, "present"), (False, "absent"), (None, "unknown")])
@pytest.mark.parametrize(("field", "kind", "supports"), FLAGS)
def test_flag_status(field, kind, supports, value, status):
    assert _item(ClinicalInputs(**{field: value}), field)["status"] == status


@pytest.mark.parametrize(("field", "kind", "supports"), FLAGS)
def test_unknown_flag_is_listed_as_unknown_not_absent(field, kind, supports):
    by_support = contraindications(ClinicalInputs())["by_support"]
    assert all(field in by_support[s]["unknown"] for s in supports)


@pytest.mark.parametrize(("hours", "status"), [(100, "absent"), (168, "absent"), (168.5, "present"), (300, "present")])
def test_prolonged_ventilation_over_7_days_is_relative(hours, status):
    assert _item(ClinicalInputs(ventilation_hours=hours), "prolonged_ventilation")["status"] == status


@pytest.mark.parametrize(("weight", "status"), [(100, "absent"), (125, "absent"), (125.1, "present")])
def test_weight_over_125_kg_is_relative(weight, status):
    assert _item(ClinicalInputs(weight_kg=weight), "weight_over_125_kg")["status"] == status


def test_relative_flag_appears_in_relative_list():
    by_support = contraindications(ClinicalInputs(weight_kg=140))["by_support"]
    assert by_support["vv"]["relative_present"] == ["weight_over_125_kg"]


@pytest.mark.parametrize(
    ("age", "status"),
    [(None, "unknown"), (25, "absent"), (45, "absent"), (59, "absent"), (60, "judgement"), (80, "judgement")],
)
def test_advanced_age_is_put_up_for_judgement_from_60_years(age, status):
    assert _item(ClinicalInputs(age_years=age), "advanced_age")["status"] == status


def test_the_form_asks_a_vv_referral_nothing_of_the_arrest_rhythm_or_inotropes():
    vv, va, ecpr = (fields_for_support(s) for s in ("vv", "va", "ecpr"))
    assert {"pao2_mmhg", "fio2", "ventilation_hours", "cardiac_arrest", "vv_cause"} <= vv
    assert not {"initial_rhythm", "inotropes", "va_cause", "shocks"} & vv
    assert {"va_cause", "inotropes", "diastolic_mmhg"} <= va
    assert {"initial_rhythm", "no_flow_min", "shocks"} <= ecpr


@pytest.mark.parametrize(("arrest", "status"), [(None, "unknown"), (False, "absent"), (True, "judgement")])
def test_prolonged_cardiac_arrest_status(arrest, status):
    assert _item(ClinicalInputs(cardiac_arrest=arrest), "prolonged_cardiac_arrest")["status"] == status


def test_prolonged_cardiac_arrest_shows_flow_times():
    item = _item(ClinicalInputs(cardiac_arrest=True, no_flow_min=2, low_flow_min=45), "prolonged_cardiac_arrest")
    assert item["detail"] == "no-flow 2 min; low-flow 45 min"


def test_prolonged_cardiac_arrest_asks_for_flow_times_only_after_an_arrest():
    asked = [
        _item(ClinicalInputs(cardiac_arrest=value), "prolonged_cardiac_arrest")["inputs_missing"]
        for value in (False, True)
    ]
    assert asked == [[], ["no_flow_min", "low_flow_min"]]


# --- missing for decision ----------------------------------------------------------------------


def test_missing_vv_criteria_when_nothing_given():
    assert missing_for_decision(ClinicalInputs())["vv"]["criteria"] == [
        "vv_cause",
        "pao2_mmhg",
        "fio2",
        "plateau_cmh2o",
        "ph",
        "paco2_mmhg",
        "worst_values_hours",
        "respiratory_rate",
        "prone_positioning",
        "neuromuscular_blockade",
    ]


def test_missing_va_criteria_when_nothing_given():
    assert missing_for_decision(ClinicalInputs())["va"]["criteria"] == [
        "va_cause",
        "map_mmhg",
        "lactate_mmol_l",
        "vasopressors",
        "inotropes",
    ]


def test_missing_ecpr_criteria_when_nothing_given():
    assert missing_for_decision(ClinicalInputs())["ecpr"]["criteria"] == [
        "age_years",
        "arrest_witnessed",
        "bystander_cpr",
        "initial_rhythm",
        "no_flow_min",
        "low_flow_min",
        "shocks",
    ]


@pytest.mark.parametrize(
    ("support", "expected"),
    [
        ("vv", set(MURRAY_INPUTS) | set(RESP_INPUTS) | set(PRESERVE_INPUTS)),
        ("va", set(SAVE_INPUTS)),
        ("ecpr", set()),
    ],
)
def test_missing_score_inputs_per_indication(support, expected):
    assert set(missing_for_decision(ClinicalInputs())[support]["scores"]) == expected


def test_missing_vv_contraindication_inputs_when_nothing_given():
    assert missing_for_decision(ClinicalInputs())["vv"]["contraindications"] == [
        "age_years",
        "weight_kg",
        "ventilation_hours",
        "cardiac_arrest",
        "malignancy_poor_prognosis",
        "anticoagulation_contraindicated",
        "severe_coagulopathy",
        "moribund_multiorgan_failure",
        "severe_anoxic_brain_injury",
        "massive_intracranial_haemorrhage",
        "chronic_respiratory_failure_no_transplant",
    ]


@pytest.mark.parametrize("support", ["va", "ecpr"])
def test_missing_va_and_ecpr_contraindication_inputs_when_nothing_given(support):
    assert missing_for_decision(ClinicalInputs())[support]["contraindications"] == [
        "uncontrolled_bleeding",
        "terminal_illness",
        "end_stage_organ_failure_no_transplant",
    ]


def test_given_inputs_drop_out_of_the_checklist():
    missing = missing_for_decision(ClinicalInputs(pao2_mmhg=60, fio2=1.0, prone_positioning=False))
    assert {"pao2_mmhg", "fio2", "prone_positioning"} & set(missing["vv"]["all"]) == set()


def test_all_is_the_union_without_duplicates():
    vv = missing_for_decision(ClinicalInputs())["vv"]
    assert (sorted(vv["all"]), len(vv["all"])) == (
        sorted(set(vv["criteria"]) | set(vv["contraindications"]) | set(vv["scores"])),
        len(set(vv["all"])),
    )


def test_nothing_missing_for_ecpr_once_all_given():
    inputs = ClinicalInputs(
        age_years=50,
        arrest_witnessed=True,
        bystander_cpr=True,
        initial_rhythm="vf_vt",
        no_flow_min=0,
        low_flow_min=40,
        shocks=3,
        uncontrolled_bleeding=False,
        terminal_illness=False,
        end_stage_organ_failure_no_transplant=False,
    )
    assert missing_for_decision(inputs)["ecpr"]["all"] == []


# --- assess ------------------------------------------------------------------------------------

FULL_VV = {
    "age_years": 45,
    "sex": "male",
    "weight_kg": 80,
    "height_cm": 180,
    "support": "vv",
    "vv_cause": "viral_pneumonia",
    "pao2_mmhg": 45,
    "fio2": 1.0,
    "peep_cmh2o": 14,
    "plateau_cmh2o": 30,
    "peak_cmh2o": 32,
    "compliance_ml_cmh2o": 25,
    "ph": 7.2,
    "paco2_mmhg": 80,
    "cxr_quadrants": 4,
    "ventilation_hours": 30,
    "worst_values_hours": 4,
    "respiratory_rate": 35,
    "prone_positioning": True,
    "neuromuscular_blockade": True,
    "inhaled_no": False,
    "bicarbonate_infusion": False,
    "cardiac_arrest": False,
    "immunocompromised": False,
    "cns_dysfunction": False,
    "acute_nonpulmonary_infection": False,
    "malignancy_poor_prognosis": False,
    "sofa": 9,
    "anticoagulation_contraindicated": False,
    "severe_coagulopathy": False,
    "moribund_multiorgan_failure": False,
    "severe_anoxic_brain_injury": False,
    "massive_intracranial_haemorrhage": False,
    "chronic_respiratory_failure_no_transplant": False,
}


def test_assess_has_the_documented_keys():
    assert set(assess(ClinicalInputs())) == {
        "support",
        "derived",
        "scores",
        "relevant_scores",
        "criteria",
        "contraindications",
        "missing",
        "disclaimer",
    }


@pytest.mark.parametrize("given", [{}, FULL_VV], ids=["empty", "full_vv"])
def test_assess_is_json_serialisable(given):
    result = assess(ClinicalInputs(**given))
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_assess_full_vv_referral():
    result = assess(ClinicalInputs(**FULL_VV))
    summary = (
        result["scores"]["murray"]["score"],
        result["scores"]["resp"]["score"],
        result["scores"]["preserve"]["score"],
        result["criteria"]["vv_eolia"]["status"],
        result["contraindications"]["by_support"]["vv"]["absolute_present"],
        result["missing"]["vv"]["all"],
    )
    assert summary == (3.5, 6, 2, "met", [], [])


@pytest.mark.parametrize(
    ("support", "relevant"),
    [
        ("vv", ["murray", "resp", "preserve"]),
        ("va", ["save"]),
        ("ecpr", []),
        (None, ["murray", "resp", "save", "preserve"]),
    ],
)
def test_assess_relevant_scores_follow_support(support, relevant):
    assert assess(ClinicalInputs(support=support))["relevant_scores"] == relevant


def test_assess_reports_derived_values():
    result = assess(ClinicalInputs(pao2_mmhg=60, fio2=0.5, weight_kg=80, height_cm=200))
    assert result["derived"] == {"bmi": pytest.approx(20.0), "pf_ratio": pytest.approx(120.0)}


def test_assess_empty_inputs_compute_no_score():
    scores = assess(ClinicalInputs())["scores"]
    assert [s["score"] for s in scores.values()] == [None, None, None, None]
