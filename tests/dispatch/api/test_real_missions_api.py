"""The API of missions as they really happen: secondary transfers, transport without ECMO,
outcomes, true times, undo, corrections, adverse events and duplicate referrals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import MissionEvent, MissionStatus
from tests.support import factories
from tests.support.missions import transition_body

pytestmark = pytest.mark.django_db

REFERRAL = {
    "support": "va",
    "patient_age": 58,
    "patient_sex": "male",
    "patient_weight_kg": "84",
    "referring_physician": "Dr. Kos",
    "callback_phone": "+38641234567",
}


def _post(client, mission_id, body, **headers):
    return client.post(f"/api/v1/missions/{mission_id}/transitions/", body, format="json", **headers)


def _walk(mission_id, steps, coordinator_api, team_api):
    current = "requested"
    for who, to, extra in steps:
        client = coordinator_api if who == "coordinator" else team_api
        response = _post(client, mission_id, transition_body(current, to, **extra))
        assert response.status_code == 200, (to, response.data)
        current = to
    return response


def test_a_secondary_transfer_from_sb_celje_end_to_end(coordinator_api, team_member, team_member_api):
    celje = factories.regional_hospital("SBCE")
    created = coordinator_api.post(
        "/api/v1/missions/", {**REFERRAL, "referring_hospital": celje.pk, "kind": "secondary"}, format="json"
    )
    assert created.status_code == 201, created.data
    mission_id = created.data["id"]
    assert created.data["kind"] == "secondary"
    factories.assign(factories.MissionFactory._meta.model.objects.get(pk=mission_id), team_member)

    _walk(mission_id, [
        ("coordinator", "under_review", {}),
        ("coordinator", "team_activated", {}),
        ("coordinator", "team_ready", {}),
        ("team", "en_route_out", {"transport_mode": "helicopter"}),
        ("team", "on_site", {}),
        ("team", "on_ecmo", {"support_mode": "va"}),
        ("team", "en_route_back", {"transport_mode": "road"}),
        ("team", "arrived", {}),
        ("team", "completed", {}),
    ], coordinator_api, team_member_api)

    detail = coordinator_api.get(f"/api/v1/missions/{mission_id}/").data
    assert detail["status"] == "completed"
    assert detail["outcome"] == "transferred_on_ecmo"
    assert (detail["support_mode"], detail["outbound_transport_mode"], detail["return_transport_mode"]) == (
        "va", "helicopter", "road"
    )
    assert detail["phase_times"]["cannulation_started_at"] is None
    labels = [e["label"] for e in coordinator_api.get(f"/api/v1/missions/{mission_id}/events/").data]
    assert any("VA" in label for label in labels)


def test_a_primary_mission_ending_in_transport_without_ecmo(referrer_api, coordinator_api, team_member,
                                                             team_member_api):
    created = referrer_api.post("/api/v1/missions/", REFERRAL, format="json")
    mission_id = created.data["id"]
    factories.assign(factories.MissionFactory._meta.model.objects.get(pk=mission_id), team_member)

    _walk(mission_id, [
        ("coordinator", "under_review", {}),
        ("coordinator", "team_activated", {}),
        ("coordinator", "team_ready", {}),
        ("team", "en_route_out", {}),
        ("team", "on_site", {}),
        ("team", "en_route_back", {"outcome": "transported_without_ecmo"}),
        ("team", "arrived", {}),
        ("team", "completed", {}),
    ], coordinator_api, team_member_api)

    detail = referrer_api.get(f"/api/v1/missions/{mission_id}/").data
    assert detail["outcome"] == "transported_without_ecmo"
    assert detail["outcome_label"]
    assert detail["support_mode"] == ""


def test_leaving_the_bedside_without_an_outcome_is_a_400_naming_it(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    response = _post(coordinator_api, mission.pk, {"to": "en_route_back", "transport_mode": "road"})

    assert response.status_code == 400
    assert "transported_without_ecmo" in response.data["outcome"][0]


def test_an_abort_without_an_outcome_is_a_400_listing_the_codes(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    response = _post(coordinator_api, mission.pk, {"to": "aborted", "reason": "died"})

    assert response.status_code == 400
    assert "died_before_team_arrival" in response.data["outcome"][0]


def test_an_unknown_outcome_code_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    response = _post(coordinator_api, mission.pk, {"to": "cancelled", "reason": "x", "outcome": "abducted"})

    assert response.status_code == 400
    assert "outcome" in response.data


def test_a_tap_sent_late_keeps_its_own_time(team_member, team_member_api):
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT,
        requested_at=timezone.now() - timedelta(hours=2),
        status_changed_at=timezone.now() - timedelta(hours=1),
    )
    factories.assign(mission, team_member)
    tapped = (timezone.now() - timedelta(minutes=8)).replace(microsecond=0)

    response = _post(team_member_api, mission.pk, {"to": "on_site", "expected_status": "en_route_out",
                                                   "occurred_at": tapped.isoformat()})

    assert response.status_code == 200, response.data
    assert response.data["mission"]["phase_times"]["on_site_at"] == tapped.isoformat()
    assert response.data["event"]["occurred_at"] == tapped.isoformat()
    assert response.data["event"]["created_at"] != tapped.isoformat()


def test_a_future_time_is_a_400(team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)

    response = _post(team_member_api, mission.pk, {
        "to": "on_site", "occurred_at": (timezone.now() + timedelta(minutes=5)).isoformat()
    })

    assert response.status_code == 400
    assert "occurred_at" in response.data


def test_a_double_tap_is_one_advance_and_one_409(team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    tap = {"to": "on_site", "expected_status": "en_route_out"}

    first = _post(team_member_api, mission.pk, tap, HTTP_IDEMPOTENCY_KEY="tap-a")
    second = _post(team_member_api, mission.pk, {"to": "cannulating", "expected_status": "en_route_out"},
                   HTTP_IDEMPOTENCY_KEY="tap-b")

    assert (first.status_code, second.status_code) == (200, 409)
    assert second.data["current_status"] == "on_site"
    assert MissionEvent.objects.filter(mission=mission, kind="mission.status_changed").count() == 1


# --- undo --------------------------------------------------------------------------------------


def _undo(client, mission_id, reason="double tap"):
    return client.post(f"/api/v1/missions/{mission_id}/transitions/undo/", {"reason": reason}, format="json")


def test_undo_by_the_tapper_inside_the_window_is_200(team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    _post(team_member_api, mission.pk, {"to": "on_site"})

    response = _undo(team_member_api, mission.pk)

    assert response.status_code == 200, response.data
    assert response.data["mission"]["status"] == "en_route_out"
    assert response.data["event"]["kind"] == "mission.undone"


def test_undo_by_the_tapper_outside_the_window_is_403(team_member, team_member_api, settings):
    settings.UNDO_WINDOW_S = 0
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    _post(team_member_api, mission.pk, {"to": "on_site"})

    response = _undo(team_member_api, mission.pk)

    assert response.status_code == 403


def test_undo_by_another_member_is_403(team_member, team_member_api, client_for):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    colleague = factories.make_team_member()
    factories.assign(mission, colleague)
    _post(team_member_api, mission.pk, {"to": "on_site"})

    response = _undo(client_for(colleague), mission.pk)

    assert response.status_code == 403
    assert factories.MissionFactory._meta.model.objects.get(pk=mission.pk).status == "on_site"


def test_undo_without_a_reason_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    _post(coordinator_api, mission.pk, {"to": "on_site"})

    response = _undo(coordinator_api, mission.pk, reason="")

    assert response.status_code == 400
    assert "reason" in response.data


def test_undo_when_nothing_was_tapped_is_a_409(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    assert _undo(coordinator_api, mission.pk).status_code == 409


# --- corrections and adverse events -------------------------------------------------------------


def test_a_coordinator_corrects_a_phase_time(coordinator_api):
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, requested_at=timezone.now() - timedelta(hours=2),
        status_changed_at=timezone.now() - timedelta(hours=1),
    )
    _post(coordinator_api, mission.pk, {"to": "on_site"})
    new = (timezone.now() - timedelta(minutes=3)).replace(microsecond=0)

    response = coordinator_api.post(f"/api/v1/missions/{mission.pk}/corrections/",
                                    {"field": "on_site_at", "value": new.isoformat(), "reason": "tapped late"},
                                    format="json")

    assert response.status_code == 201, response.data
    assert response.data["kind"] == "mission.corrected"
    detail = coordinator_api.get(f"/api/v1/missions/{mission.pk}/").data
    assert detail["phase_times"]["on_site_at"] == new.isoformat()


def test_a_referrer_may_not_correct(referrer_api):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, on_site_at=timezone.now())

    response = referrer_api.post(f"/api/v1/missions/{mission.pk}/corrections/",
                                 {"field": "on_site_at", "value": timezone.now().isoformat(), "reason": "x"},
                                 format="json")

    assert response.status_code == 403


def test_an_adverse_event_is_reported_and_listed(team_member, team_member_api, coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_BACK)
    factories.assign(mission, team_member)

    created = team_member_api.post(f"/api/v1/missions/{mission.pk}/adverse-events/",
                                   {"category": "vehicle", "code": "traffic_delay", "severity": "minor"},
                                   format="json")

    assert created.status_code == 201, created.data
    listed = coordinator_api.get(f"/api/v1/missions/{mission.pk}/adverse-events/").data
    assert [(a["code"], a["severity"], a["phase"]) for a in listed] == [("traffic_delay", "minor", "en_route_back")]
    detail = coordinator_api.get(f"/api/v1/missions/{mission.pk}/").data
    assert detail["adverse_events"][0]["code_label"]


def test_an_adverse_event_with_a_code_of_another_category_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    response = coordinator_api.post(f"/api/v1/missions/{mission.pk}/adverse-events/",
                                    {"category": "vehicle", "code": "bleeding", "severity": "major"}, format="json")

    assert response.status_code == 400
    assert "traffic_delay" in response.data["code"][0]


# --- duplicates ---------------------------------------------------------------------------------


def test_a_possible_duplicate_is_a_409_naming_the_open_mission_then_confirmable(referrer_api):
    first = referrer_api.post("/api/v1/missions/", {**REFERRAL, "patient_reference": "4471"}, format="json")

    again = referrer_api.post("/api/v1/missions/", {**REFERRAL, "patient_reference": "4471"}, format="json")
    confirmed = referrer_api.post("/api/v1/missions/",
                                  {**REFERRAL, "patient_reference": "4471", "confirm_not_duplicate": True},
                                  format="json")

    assert again.status_code == 409
    assert again.data["code"] == "possible_duplicate"
    assert again.data["duplicates"][0]["code"] == first.data["code"]
    assert confirmed.status_code == 201


def test_the_schema_documents_the_new_fields_and_their_values(coordinator_api):
    schema = coordinator_api.get("/api/schema/?format=json").content.decode()

    for text in ("transport_mode", "support_mode", "transported_without_ecmo", "died_during_cannulation",
                 "/transitions/undo/", "/corrections/", "/adverse-events/", "occurred_at", "patient_reference",
                 "confirm_not_duplicate", "oxygenator_failure", "vav"):
        assert text in schema, text


def test_an_abort_missing_reason_and_outcome_names_both_in_one_answer(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    response = _post(coordinator_api, mission.pk, {"to": "aborted"})

    assert response.status_code == 400
    assert {"reason", "outcome"} <= set(response.data)
