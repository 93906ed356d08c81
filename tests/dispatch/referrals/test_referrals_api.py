import pytest

from dispatch.models import Mission, MissionEvent
from dispatch.referrals.models import Referral, ReferralChange
from tests.support import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def referral_url(mission_id: int, suffix: str = "") -> str:
    return f"/api/v1/missions/{mission_id}/referral/{suffix}"


def submit(client, body) -> dict:
    response = client.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


# --- submission -----------------------------------------------------------------------------


def test_referrer_submission_opens_a_mission_from_their_hospital(referrer_api, vv_referral):
    body = submit(referrer_api, vv_referral)
    mission = Mission.objects.get(pk=body["mission_id"])
    assert mission.referring_hospital.code == "SBMS"
    assert mission.status == "requested"
    assert Referral.objects.filter(mission=mission).exists()


def test_submission_answers_with_the_scores(referrer_api, vv_referral):
    body = submit(referrer_api, vv_referral)
    # domain.md worked example: P/F 90 (4), PEEP 14 (3), compliance 25 (3), 4 quadrants (4) → 3.5
    assert body["assessment"]["scores"]["murray"]["score"] == 3.5


def test_gases_in_kpa_are_stored_in_mmhg(referrer_api, vv_referral):
    body = submit(referrer_api, {**vv_referral, "gas_unit": "kPa", "pao2": 8, "paco2": 10})
    referral = Referral.objects.get(mission_id=body["mission_id"])
    assert referral.pao2_mmhg == pytest.approx(60.005, abs=0.001)
    assert referral.paco2_mmhg == pytest.approx(75.006, abs=0.001)


def test_fio2_given_in_percent_is_stored_as_a_fraction(referrer_api, vv_referral):
    body = submit(referrer_api, {**vv_referral, "fio2": 60})
    assert Referral.objects.get(mission_id=body["mission_id"]).fio2 == pytest.approx(0.6)


def test_fio2_between_fraction_and_percent_is_rejected(referrer_api, vv_referral):
    response = referrer_api.post(URL, {**vv_referral, "fio2": 5}, format="json")
    assert response.status_code == 400
    assert "between 0.21 and 1.0" in response.json()["fio2"][0]
    assert "between 21 and 100" in response.json()["fio2"][0]


def test_impossible_pao2_names_the_allowed_range(referrer_api, vv_referral):
    response = referrer_api.post(URL, {**vv_referral, "pao2": 900}, format="json")
    assert response.status_code == 400
    assert response.json()["pao2"][0].startswith("PaO2 must be between 20 and 700 mmHg")


def test_impossible_pao2_in_kpa_names_the_range_in_both_units(referrer_api, vv_referral):
    response = referrer_api.post(URL, {**vv_referral, "gas_unit": "kPa", "pao2": 1}, format="json")
    assert response.status_code == 400
    assert response.json()["pao2"] == ["PaO2 must be between 20 and 700 mmHg (2.7–93.3 kPa)."]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ph", 9.1, "pH must be between 6.5 and 8."),
        ("peep_cmh2o", 45, "PEEP must be between 0 and 30 cmH2O."),
        ("lactate_mmol_l", -1, "Lactate must be between 0 and 40 mmol/L."),
        ("cxr_quadrants", 5, "Chest X-ray quadrants with consolidation must be between 0 and 4 quadrants."),
        ("height_cm", 20, "Height must be between 40 and 250 cm."),
    ],
)
def test_impossible_values_name_the_field_and_range(referrer_api, vv_referral, field, value, message):
    response = referrer_api.post(URL, {**vv_referral, field: value}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_impossible_value_opens_no_mission(referrer_api, vv_referral):
    referrer_api.post(URL, {**vv_referral, "ph": 9.1}, format="json")
    assert not Mission.objects.exists()


def test_gas_without_unit_is_rejected(referrer_api, vv_referral):
    body = {k: v for k, v in vv_referral.items() if k != "gas_unit"}
    response = referrer_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert "gas_unit" in response.json()


def test_misspelt_field_is_rejected_not_dropped(referrer_api, vv_referral):
    response = referrer_api.post(URL, {**vv_referral, "peep": 10}, format="json")
    assert response.status_code == 400
    assert response.json() == {"peep": ["Unknown field."]}


def test_missing_inputs_are_stored_as_not_given_and_reported(referrer_api, vv_referral):
    body = {k: v for k, v in vv_referral.items() if k not in ("pao2", "peep_cmh2o")}
    body = submit(referrer_api, body)
    referral = Referral.objects.get(mission_id=body["mission_id"])
    assert referral.pao2_mmhg is None and referral.peep_cmh2o is None
    murray = body["assessment"]["scores"]["murray"]
    assert murray["score"] is None
    assert murray["inputs_missing"] == ["pao2_mmhg", "peep_cmh2o"]
    assert "pao2_mmhg" in body["assessment"]["missing"]["vv"]["all"]


def test_submission_event_carries_the_assessment_summary_only(referrer_api, vv_referral):
    body = submit(referrer_api, vv_referral)
    event = MissionEvent.objects.get(mission_id=body["mission_id"], kind="referral.submitted")
    assert set(event.payload) == {"assessment"}
    assert event.payload["assessment"]["scores"]["murray"] == {"score": 3.5, "risk_class": "severe"}
    assert set(event.payload["assessment"]["scores"]) == {"murray", "resp", "preserve"}
    assert event.note == ""


def test_coordinator_must_name_the_referring_hospital(coordinator_api, vv_referral):
    response = coordinator_api.post(URL, vv_referral, format="json")
    assert response.status_code == 400
    assert "referring_hospital" in response.json()


def test_coordinator_refers_for_any_hospital(coordinator_api, vv_referral):
    hospital = factories.regional_hospital("SBIZ")
    body = submit(coordinator_api, {**vv_referral, "referring_hospital": hospital.pk})
    assert body["referring_hospital"]["code"] == "SBIZ"


def test_referrer_cannot_refer_for_another_hospital(referrer_api, vv_referral):
    hospital = factories.regional_hospital("SBIZ")
    response = referrer_api.post(URL, {**vv_referral, "referring_hospital": hospital.pk}, format="json")
    assert response.status_code == 403
    assert not Mission.objects.exists()


# --- updates and history --------------------------------------------------------------------


@pytest.fixture
def submitted(referrer_api, vv_referral) -> int:
    return submit(referrer_api, vv_referral)["mission_id"]


def test_update_keeps_who_when_old_and_new(referrer_api, referrer, submitted):
    response = referrer_api.patch(referral_url(submitted), {"gas_unit": "mmHg", "pao2": 48}, format="json")
    assert response.status_code == 200
    history = referrer_api.get(referral_url(submitted, "history/")).json()
    assert len(history) == 1
    change = history[0]
    assert (change["field"], change["old_value"], change["new_value"]) == ("pao2_mmhg", 54.0, 48.0)
    assert change["unit"] == "mmHg"
    assert change["changed_by"] == referrer.get_full_name()
    assert change["changed_at"]


def test_update_writes_a_timeline_event_naming_only_changed_fields(referrer_api, submitted):
    referrer_api.patch(referral_url(submitted), {"peep_cmh2o": 16, "cxr_quadrants": 4}, format="json")
    event = MissionEvent.objects.get(mission_id=submitted, kind="referral.updated")
    assert event.payload["fields"] == ["peep_cmh2o"]


def test_update_with_the_same_values_writes_nothing(referrer_api, submitted):
    referrer_api.patch(referral_url(submitted), {"peep_cmh2o": 14}, format="json")
    assert not ReferralChange.objects.exists()
    assert not MissionEvent.objects.filter(kind="referral.updated").exists()


def test_clearing_a_value_is_recorded(referrer_api, submitted):
    referrer_api.patch(referral_url(submitted), {"compliance_ml_cmh2o": None}, format="json")
    change = ReferralChange.objects.get()
    assert (change.old_value, change.new_value) == (25.0, None)


def test_update_rescores(referrer_api, submitted):
    body = referrer_api.patch(referral_url(submitted), {"cxr_quadrants": 2}, format="json").json()
    assert body["assessment"]["scores"]["murray"]["score"] == 3.0


def test_update_rejects_impossible_values(referrer_api, submitted):
    response = referrer_api.patch(referral_url(submitted), {"fio2": 0.1}, format="json")
    assert response.status_code == 400
    assert not ReferralChange.objects.exists()


def test_team_member_on_the_mission_reads_but_cannot_change(client_for, submitted):
    member = factories.make_team_member()
    factories.assign(Mission.objects.get(pk=submitted), member)
    api = client_for(member)
    assert api.get(referral_url(submitted)).status_code == 200
    assert api.patch(referral_url(submitted), {"peep_cmh2o": 5}, format="json").status_code == 403


def test_closed_mission_referral_cannot_change(coordinator_api, submitted):
    for to, reason in (("under_review", ""), ("declined", "Contraindicated")):
        coordinator_api.post(f"/api/v1/missions/{submitted}/transitions/", {"to": to, "reason": reason}, format="json")
    response = coordinator_api.patch(referral_url(submitted), {"peep_cmh2o": 5}, format="json")
    assert response.status_code == 409


# --- isolation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("patch", ""), ("get", "history/")], ids=["get", "patch", "history"]
)
def test_other_hospitals_referrer_gets_404(client_for, submitted, method, suffix):
    other = client_for(factories.make_referrer(factories.regional_hospital("SBIZ")))
    response = getattr(other, method)(referral_url(submitted, suffix), {"peep_cmh2o": 5}, format="json")
    assert response.status_code == 404
    assert Referral.objects.get(mission_id=submitted).peep_cmh2o == 14


def test_same_hospitals_other_referrer_sees_the_referral(client_for, submitted):
    colleague = client_for(factories.make_referrer(factories.regional_hospital("SBMS")))
    assert colleague.get(referral_url(submitted)).status_code == 200


def test_mission_without_referral_is_404(coordinator_api):
    mission = factories.MissionFactory()
    assert coordinator_api.get(referral_url(mission.pk)).status_code == 404


# --- live assessment ------------------------------------------------------------------------


def test_assess_scores_without_writing(referrer_api, vv_referral):
    response = referrer_api.post(URL + "assess/", vv_referral, format="json")
    assert response.status_code == 200
    assert response.json()["scores"]["murray"]["score"] == 3.5
    assert not Mission.objects.exists() and not MissionEvent.objects.exists()


def test_assess_reports_everything_missing_for_an_empty_form(referrer_api):
    body = referrer_api.post(URL + "assess/", {"support": "va"}, format="json").json()
    assert body["scores"]["save"]["score"] is None
    assert "age_years" in body["scores"]["save"]["inputs_missing"]
    assert "map_mmhg" in body["missing"]["va"]["criteria"]


def test_assess_converts_units(referrer_api):
    body = referrer_api.post(URL + "assess/", {"gas_unit": "kPa", "pao2": 8, "fio2": 100}, format="json").json()
    assert body["derived"]["pf_ratio"] == pytest.approx(60.005, abs=0.001)


def test_assess_rejects_impossible_values_with_range(referrer_api):
    response = referrer_api.post(URL + "assess/", {"ph": 5}, format="json")
    assert response.status_code == 400
    assert response.json() == {"ph": ["pH must be between 6.5 and 8."]}


def test_assess_needs_login(api):
    assert api.post(URL + "assess/", {}, format="json").status_code in (401, 403)


# --- one round of errors, decimal commas, units as typed ------------------------------------


def test_every_mistake_comes_in_one_answer(referrer_api, vv_referral):
    body = {
        **vv_referral,
        "patient_age": 300,
        "patient_weight_kg": "0",
        "fio2": 5,
        "ph": 9.1,
        "peep_cmh2o": 45,
        "cxr_quadrants": 5,
        "gas_unit": "kPa",
        "paco2": 90,
    }
    response = referrer_api.post(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {
        "patient_age",
        "patient_weight_kg",
        "fio2",
        "ph",
        "peep_cmh2o",
        "cxr_quadrants",
        "paco2",
    }


def test_missing_required_fields_and_impossible_values_come_together(referrer_api):
    response = referrer_api.post(URL, {"ph": 9.1, "occurred_at": "2999-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400
    assert {"support", "patient_age", "patient_weight_kg", "ph", "occurred_at"} <= set(response.json())


def test_a_decimal_comma_is_a_decimal_point(referrer_api, vv_referral):
    body = submit(
        referrer_api,
        {**vv_referral, "gas_unit": "kPa", "pao2": "7,5", "fio2": "0,8", "patient_weight_kg": "80,5", "ph": "7,21"},
    )
    referral = Referral.objects.get(mission_id=body["mission_id"])
    assert referral.pao2_mmhg == pytest.approx(7.5 * 7.50062)
    assert referral.fio2 == pytest.approx(0.8)
    assert referral.ph == pytest.approx(7.21)
    assert float(referral.mission.patient_weight_kg) == 80.5


def test_a_pao2_of_70_kpa_is_refused_as_impossible_at_its_fio2(referrer_api, vv_referral):
    response = referrer_api.post(URL, {**vv_referral, "gas_unit": "kPa", "pao2": 70, "fio2": 60}, format="json")
    assert response.status_code == 400
    assert response.json()["pao2"] == [
        "A PaO2 of 70 kPa is impossible at FiO2 0.6: at most 57 kPa. Check the value and the unit."
    ]


def test_what_was_typed_is_kept_with_its_unit(referrer_api, vv_referral):
    body = submit(
        referrer_api,
        {**vv_referral, "gas_unit": "kPa", "pao2": 7, "fio2": 60, "ventilation_days": 2, "ventilation_hours": 5},
    )
    referral = Referral.objects.get(mission_id=body["mission_id"])
    assert referral.pao2_mmhg == pytest.approx(52.504, abs=0.001)
    assert referral.ventilation_hours == 53
    assert referral.as_typed == {
        "pao2_mmhg": {"value": 7.0, "unit": "kPa"},
        "fio2": {"value": 60.0, "unit": "%"},
        "ventilation_hours": {"days": 2.0, "hours": 5.0},
    }


def test_an_update_in_another_unit_is_shown_as_typed_and_a_cleared_value_loses_its_unit(referrer_api, vv_referral):
    mission_id = submit(referrer_api, {**vv_referral, "gas_unit": "kPa", "pao2": 7})["mission_id"]
    response = referrer_api.patch(
        referral_url(mission_id), {"gas_unit": "mmHg", "pao2": 60, "fio2": None}, format="json"
    )
    assert response.status_code == 200, response.json()
    referral = Referral.objects.get(mission_id=mission_id)
    assert referral.as_typed == {"pao2_mmhg": {"value": 60.0, "unit": "mmHg"}}
    assert referral.fio2 is None
