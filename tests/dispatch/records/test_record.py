"""The mission record: one builder behind the JSON, the page and the PDF."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from dispatch.models import EventSource, MissionStatus
from dispatch.records.record import display_time
from dispatch.referrals.services import update_clinical_values
from dispatch.services.missions import correct_mission
from tests.support import factories
from tests.support.records import CLINICAL, PRIMARY_PATH, move, refer, walk

pytestmark = pytest.mark.django_db


def _record(client, mission) -> dict:
    response = client.get(f"/api/v1/missions/{mission.pk}/record/")
    assert response.status_code == 200, response.content
    return response.json()


def _by(items: list[dict], key: str, value: str) -> dict:
    return next(item for item in items if item[key] == value)


def test_the_record_has_the_corrected_time_and_the_correction_old_to_new(completed, coordinator, coordinator_api):
    original = completed.on_site_at
    corrected = original - timedelta(minutes=10)

    correct_mission(
        mission_id=completed.pk, actor=coordinator, field="on_site_at", value=corrected.isoformat(),
        reason="tapped late at the bedside", source=EventSource.WEB,
    )

    record = _record(coordinator_api, completed)
    assert _by(record["phases"], "field", "on_site_at")["at"] == corrected.isoformat()
    # 50 → 100 minutes after the first call, instead of 50 → 110.
    assert _by(record["intervals"], "key", "departure_to_bedside")["minutes"] == 50.0
    assert _by(record["intervals"], "key", "bedside_to_flow")["minutes"] == 65.0
    [correction] = record["corrections"]
    assert correction["field"] == "on_site_at"
    assert correction["old"] == original.isoformat()
    assert correction["new"] == corrected.isoformat()
    assert correction["reason"] == "tapped late at the bedside"
    assert correction["by"] == coordinator.get_full_name()


def test_a_corrected_outcome_shows_both_labels(completed, coordinator, coordinator_api):
    correct_mission(
        mission_id=completed.pk, actor=coordinator, field="outcome", value="transported_without_ecmo",
        reason="flow was never started", source=EventSource.WEB,
    )

    record = _record(coordinator_api, completed)
    assert record["outcome"] == "transported_without_ecmo"
    [correction] = record["corrections"]
    assert (correction["old_label"], correction["new_label"]) == (
        "Cannulated on site and transported",
        "Transported without ECMO",
    )


def test_the_intervals_count_minutes_between_the_phases(completed, coordinator_api):
    intervals = {i["key"]: i["minutes"] for i in _record(coordinator_api, completed)["intervals"]}

    assert intervals == {
        "referral_to_decision": 15.0,
        "decision_to_team_ready": 25.0,
        "team_ready_to_departure": 10.0,
        "departure_to_bedside": 60.0,
        "bedside_to_flow": 55.0,
        "flow_to_departure_with_patient": 50.0,
        "departure_to_arrival": 80.0,
        "referral_to_flow": 165.0,
        "activation_to_flow": 150.0,
    }


def test_a_phase_never_reached_leaves_its_intervals_empty_not_zero(referrer, coordinator, coordinator_api, started):
    mission = refer(referrer, started=started)
    mission = walk(mission, coordinator, started, path=PRIMARY_PATH[:5])
    move(mission, MissionStatus.ABORTED, coordinator, started + timedelta(minutes=130),
         outcome="died_before_team_arrival")

    record = _record(coordinator_api, mission)

    intervals = {i["key"]: i["minutes"] for i in record["intervals"]}
    assert intervals["departure_to_bedside"] == 60.0
    for never in ("bedside_to_flow", "flow_to_departure_with_patient", "departure_to_arrival", "referral_to_flow",
                  "activation_to_flow"):
        assert intervals[never] is None, never
    assert _by(record["phases"], "field", "flow_established_at")["at"] is None
    assert record["outcome_label"] == "Died before the team arrived"


def test_the_referral_is_shown_as_it_was_at_the_decision(referrer, coordinator, coordinator_api, started):
    mission = refer(referrer, started=started, clinical={**CLINICAL, "pao2_mmhg": 70.0})
    update_clinical_values(actor=referrer, mission_id=mission.pk, clinical_values={"pao2_mmhg": 60.0},
                           source=EventSource.WEB)
    mission = walk(mission, coordinator, started, path=PRIMARY_PATH[:2])
    # After the decision the referring ICU reports better gases: the record keeps the decision's.
    update_clinical_values(actor=referrer, mission_id=mission.pk,
                           clinical_values={"pao2_mmhg": 200.0, "peep_cmh2o": 8.0}, source=EventSource.WEB)

    referral = _record(coordinator_api, mission)["referral"]

    values = {row["field"]: row["value"] for section in referral["sections"] for row in section["values"]}
    assert values["pao2_mmhg"] == 60.0
    assert values["peep_cmh2o"] == 14.0
    assert referral["at_decision"] is True
    assert [(c["field"], c["at_decision"], c["now"]) for c in referral["changed_after_decision"]] == [
        ("pao2_mmhg", 60.0, 200.0),
        ("peep_cmh2o", 14.0, 8.0),
    ]
    # Murray from P/F 60 (4), PEEP 14 (3), compliance 25 (3), 4 quadrants (4): 3.5 — not 2.5 from P/F 200, PEEP 8.
    murray = _by(referral["scores"], "name", "murray")
    assert murray["score"] == 3.5


def test_the_decision_keeps_its_reason_and_who_made_it(referrer, coordinator, coordinator_api, started):
    mission = refer(referrer, started=started)
    move(mission, MissionStatus.UNDER_REVIEW, coordinator, started + timedelta(minutes=2))
    move(mission, MissionStatus.DECLINED, coordinator, started + timedelta(minutes=9),
         reason="Moribund, multiorgan failure")

    record = _record(coordinator_api, mission)

    assert record["decision"]["status"] == "declined"
    assert record["decision"]["reason"] == "Moribund, multiorgan failure"
    assert record["decision"]["by"] == coordinator.get_full_name()
    assert record["team"] == []


def test_the_record_names_the_team_by_name_and_role(completed, coordinator_api):
    team = _record(coordinator_api, completed)["team"]

    assert [(m["role_label"], m["member"]) for m in team] == [
        (a.get_team_role_display(), a.member.get_full_name())
        for a in sorted(completed.assignments.all(), key=lambda a: a.team_role != "ecmo_physician")
    ]
    assert {m["role_label"] for m in team} == {"ECMO physician", "Perfusionist"}


def test_the_record_holds_patient_reference_hospital_and_doctor(referrer, coordinator_api, started):
    mission = refer(referrer, started=started, patient_reference="MRN 4471")

    record = _record(coordinator_api, mission)

    assert record["patient"]["reference"] == "MRN 4471"
    assert record["referring_hospital"]["code"] == "SBMS"
    assert record["referring_physician"] == "Dr. Kovač"


def test_reading_the_record_is_logged_as_a_read_of_clinical_data(completed, coordinator_api, coordinator):
    from dispatch.referrals.models import ClinicalRead

    _record(coordinator_api, completed)

    read = ClinicalRead.objects.get(user=coordinator, mission=completed)
    assert read.path == f"/api/v1/missions/{completed.pk}/record/"


# --- who may read it ---------------------------------------------------------------------------


def _page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "path", ["/api/v1/missions/{id}/record/", "/missions/{id}/record/", "/missions/{id}/record.pdf"]
)
def test_a_referrer_of_another_hospital_gets_a_404(completed, path):
    elsewhere = factories.make_referrer(factories.regional_hospital("SBIZ"))

    response = _page_client(elsewhere).get(path.format(id=completed.pk))

    assert response.status_code == 404


def test_the_referring_hospital_reads_its_record_without_the_team_debrief(completed, referrer, coordinator_api):
    owners = [factories.make_team_member().pk]
    coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", {
        "went_well": "Fast cannulation", "went_wrong": "Late helicopter",
        "actions": [{"action": "Call HEMS earlier", "owner": owners[0]}]}, format="json")

    record = _page_client(referrer).get(f"/api/v1/missions/{completed.pk}/record/").json()

    assert record["code"] == completed.code
    assert record["debrief"] is None


def test_a_team_member_reads_the_records_of_missions_they_were_on_only(completed):
    on_it = completed.assignments.first().member
    other = factories.make_team_member()

    assert _page_client(on_it).get(f"/api/v1/missions/{completed.pk}/record/").status_code == 200
    assert _page_client(other).get(f"/api/v1/missions/{completed.pk}/record/").status_code == 404


def test_a_drill_record_is_for_coordinators_only(coordinator, coordinator_api):
    drill = factories.MissionFactory(is_drill=True, status=MissionStatus.CANCELLED)
    member = factories.make_team_member()
    factories.assign(drill, member)

    assert _page_client(member).get(f"/api/v1/missions/{drill.pk}/record/").status_code == 404
    assert _record(coordinator_api, drill)["is_drill"] is True


# --- the page and the PDF ------------------------------------------------------------------------


def test_the_pdf_contains_the_mission_code_and_the_outcome(completed, coordinator):
    response = _page_client(coordinator).get(f"/missions/{completed.pk}/record.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert completed.code in text
    assert "Cannulated on site and transported" in text


def test_the_page_shows_the_record_and_links_its_print_stylesheet(completed, coordinator):
    response = _page_client(coordinator).get(f"/missions/{completed.pk}/record/")

    assert response.status_code == 200
    html = response.content.decode()
    assert completed.code in html
    assert 'media="print"' in html and "records/record-print" in html
    assert "Cannulated on site and transported" in html


# --- values as the referring doctor wrote them --------------------------------------------------


def _typed_referral(referrer, started):
    clinical = {**CLINICAL, "pao2_mmhg": 7 * 7.50062, "vv_cause": "viral_pneumonia"}
    return refer(referrer, started=started, clinical=clinical, as_typed={"pao2_mmhg": {"value": 7, "unit": "kPa"}})


def _values_html(user, mission) -> str:
    html = _page_client(user).get(f"/missions/{mission.pk}/record/").content.decode()
    return html.split('id="record-referral"')[1].split('id="record-team"')[0]


def test_the_record_shows_a_value_as_the_referring_doctor_typed_it(referrer, coordinator, started):
    html = _values_html(coordinator, _typed_referral(referrer, started))

    assert '<tr data-field="pao2_mmhg"><th scope="row">PaO2</th><td>7 kPa</td></tr>' in html
    assert "52.5" not in html  # not the stored mmHg to four places


def test_the_record_names_a_choice_by_its_label_not_its_code(referrer, coordinator, started):
    html = _values_html(coordinator, _typed_referral(referrer, started))

    assert "<td>Viral pneumonia</td>" in html and "viral pneumonia" not in html


def test_a_value_changed_after_the_decision_shows_the_old_one_in_its_stored_unit(
    referrer, coordinator, coordinator_api, started
):
    mission = walk(_typed_referral(referrer, started), coordinator, started, path=PRIMARY_PATH[:2])
    update_clinical_values(actor=referrer, mission_id=mission.pk, clinical_values={"pao2_mmhg": 60.0},
                           as_typed={"pao2_mmhg": {"value": 8, "unit": "kPa"}}, source=EventSource.WEB)

    html = _values_html(coordinator, mission)

    assert "<td>52.5 mmHg</td>" in html  # at the decision: 7 kPa, which the typed entry no longer says
    assert "PaO2 (52.5 mmHg → 8 kPa)" in html


@pytest.mark.parametrize(("language", "shown"), [("sl", "2. 12. 2026 14:05"), ("en", "02/12/2026 14:05")])
def test_record_times_are_written_as_the_live_pages_write_them(language, shown):
    with translation.override(language):
        assert display_time("2026-12-02T13:05:00+00:00") == shown  # in the centre's time zone
