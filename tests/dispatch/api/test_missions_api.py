import pytest
from rest_framework.test import APIClient

from dispatch.models import MissionEvent, MissionStatus
from tests.support import factories
from tests.support.missions import transition_body

pytestmark = pytest.mark.django_db

VALID_REFERRAL = {
    "support": "vv",
    "patient_age": 45,
    "patient_sex": "male",
    "patient_weight_kg": "82.5",
    "referring_physician": "Dr. Kovač",
    "callback_phone": "+38641234567",
    "note": "P/F 60 for 4 h despite prone positioning",
}


def referral(**overrides):
    return {**VALID_REFERRAL, **overrides}


# --- authentication and the permission matrix ----------------------------------------

ENDPOINTS = [
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/hospitals/"),
    ("get", "/api/v1/missions/"),
    ("post", "/api/v1/missions/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_caller_is_refused(method, path):
    response = getattr(APIClient(), method)(path, {}, format="json")

    assert response.status_code in (401, 403)


def _actor(kind):
    if kind == "coordinator":
        return factories.make_coordinator()
    if kind == "referrer":
        return factories.make_referrer(factories.regional_hospital("SBMS"))
    if kind == "team_member_on":
        return factories.make_team_member()
    if kind == "team_member_off":
        return factories.make_team_member()
    if kind == "other_referrer":
        return factories.make_referrer(factories.regional_hospital("SBIZ"))
    raise AssertionError(kind)


# (actor kind, endpoint, expected status) for a SBMS mission in `on_site` with `team_member_on` assigned.
MATRIX = [
    ("coordinator", "detail", 200),
    ("referrer", "detail", 200),
    ("team_member_on", "detail", 200),
    ("team_member_off", "detail", 404),
    ("other_referrer", "detail", 404),
    ("coordinator", "events", 200),
    ("referrer", "events", 200),
    ("team_member_on", "events", 200),
    ("team_member_off", "events", 404),
    ("other_referrer", "events", 404),
    ("coordinator", "advance", 200),
    ("team_member_on", "advance", 200),
    ("referrer", "advance", 403),
    ("team_member_off", "advance", 404),
    ("other_referrer", "advance", 404),
    ("coordinator", "abort", 200),
    ("team_member_on", "abort", 200),
    ("referrer", "abort", 403),
]


@pytest.mark.parametrize(("kind", "endpoint", "expected"), MATRIX)
def test_permission_matrix(kind, endpoint, expected, client_for):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)
    actor = _actor(kind)
    if kind == "team_member_on":
        factories.assign(mission, actor)
    client = client_for(actor)

    if endpoint == "detail":
        response = client.get(f"/api/v1/missions/{mission.pk}/")
    elif endpoint == "events":
        response = client.get(f"/api/v1/missions/{mission.pk}/events/")
    elif endpoint == "advance":
        response = client.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "cannulating"}, format="json")
    else:
        response = client.post(
            f"/api/v1/missions/{mission.pk}/transitions/",
            {"to": "aborted", "reason": "patient died before cannulation", "outcome": "died_before_team_arrival"},
            format="json",
        )

    assert response.status_code == expected, response.data


@pytest.mark.parametrize("kind", ["referrer", "team_member_off"])
def test_nobody_but_coordinators_takes_the_decision(kind, client_for):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    actor = _actor(kind)
    if kind.startswith("team"):
        factories.assign(mission, actor)

    response = client_for(actor).post(
        f"/api/v1/missions/{mission.pk}/transitions/", {"to": "team_activated"}, format="json"
    )

    assert response.status_code == 403
    mission.refresh_from_db()
    assert mission.status == MissionStatus.UNDER_REVIEW


def test_referrer_can_open_a_referral_for_own_hospital(referrer_api):
    response = referrer_api.post("/api/v1/missions/", referral(), format="json")

    assert response.status_code == 201, response.data
    assert response.data["referring_hospital"]["code"] == "SBMS"
    assert response.data["receiving_centre"]["code"] == "UKCL"
    assert response.data["status"] == "requested"
    assert response.data["code"].startswith("ECMO-")


def test_team_member_cannot_open_a_referral(team_member_api):
    response = team_member_api.post(
        "/api/v1/missions/", referral(referring_hospital=factories.regional_hospital().pk), format="json"
    )

    assert response.status_code == 403


def test_referrer_cannot_open_a_referral_for_another_hospital(referrer_api):
    response = referrer_api.post(
        "/api/v1/missions/", referral(referring_hospital=factories.regional_hospital("SBIZ").pk), format="json"
    )

    assert response.status_code == 403


def test_me_shows_roles_and_hospital(referrer_api):
    response = referrer_api.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.data["roles"] == ["referrer"]
    assert response.data["hospital"]["code"] == "SBMS"


def test_token_authentication_works(referrer):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=referrer)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert client.get("/api/v1/me/").status_code == 200


# --- cross-hospital isolation -----------------------------------------------------------


def test_referrer_lists_only_own_hospital_missions(referrer_api):
    own = factories.MissionFactory(referring_hospital=factories.regional_hospital("SBMS"))
    factories.MissionFactory(referring_hospital=factories.regional_hospital("SBIZ"))

    response = referrer_api.get("/api/v1/missions/")

    assert [m["id"] for m in response.data] == [own.pk]


def test_team_member_lists_only_missions_they_are_on(team_member, team_member_api):
    mine = factories.MissionFactory(status=MissionStatus.TEAM_READY)
    factories.assign(mine, team_member)
    factories.MissionFactory(status=MissionStatus.TEAM_READY)

    response = team_member_api.get("/api/v1/missions/")

    assert [m["id"] for m in response.data] == [mine.pk]


def test_coordinator_lists_all_and_filters_active(coordinator_api):
    active = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.MissionFactory(status=MissionStatus.COMPLETED)

    everything = coordinator_api.get("/api/v1/missions/")
    only_active = coordinator_api.get("/api/v1/missions/?active=true")

    assert len(everything.data) == 2
    assert [m["id"] for m in only_active.data] == [active.pk]


def test_status_filter_accepts_several_statuses(coordinator_api):
    a = factories.MissionFactory(status=MissionStatus.ON_SITE)
    b = factories.MissionFactory(status=MissionStatus.ON_ECMO)
    factories.MissionFactory(status=MissionStatus.REQUESTED)

    response = coordinator_api.get("/api/v1/missions/?status=on_site,on_ecmo")

    assert sorted(m["id"] for m in response.data) == sorted([a.pk, b.pk])


def test_unknown_status_filter_is_a_400(coordinator_api):
    response = coordinator_api.get("/api/v1/missions/?status=flying")

    assert response.status_code == 400
    assert "status" in response.data


# --- validation -------------------------------------------------------------------------

INVALID_REFERRALS = [
    ("referring_hospital", {"referring_hospital": 999999}),
    ("patient_age", {"patient_age": 150}),
    ("patient_age", {"patient_age": -1}),
    ("patient_weight_kg", {"patient_weight_kg": "0"}),
    ("patient_weight_kg", {"patient_weight_kg": "500"}),
    ("callback_phone", {"callback_phone": "041 234 567"}),
    ("callback_phone", {"callback_phone": "+386"}),
    ("support", {"support": "lvad"}),
    ("patient_sex", {"patient_sex": "x"}),
    ("referring_physician", {"referring_physician": ""}),
    ("required_roles", {"required_roles": ["pilot"]}),
]


@pytest.mark.parametrize(("field", "overrides"), INVALID_REFERRALS)
def test_invalid_referral_field_gets_a_400_naming_it(field, overrides, coordinator_api):
    body = referral(**{"referring_hospital": factories.regional_hospital().pk, **overrides})

    response = coordinator_api.post("/api/v1/missions/", body, format="json")

    assert response.status_code == 400
    assert field in response.data
    assert not MissionEvent.objects.exists()


def test_coordinator_must_name_the_referring_hospital(coordinator_api):
    response = coordinator_api.post("/api/v1/missions/", referral(), format="json")

    assert response.status_code == 400
    assert "referring_hospital" in response.data


def test_centre_cannot_refer_to_itself(coordinator_api):
    centre = factories.ecmo_centre()

    response = coordinator_api.post("/api/v1/missions/", referral(referring_hospital=centre.pk), format="json")

    assert response.status_code == 400
    assert "referring_hospital" in response.data


def test_missing_reason_for_decline_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    response = coordinator_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "declined"}, format="json")

    assert response.status_code == 400
    assert "reason" in response.data


def test_unknown_target_status_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    response = coordinator_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "flying"}, format="json")

    assert response.status_code == 400
    assert "to" in response.data


def test_malformed_json_is_a_400(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    response = coordinator_api.post(
        f"/api/v1/missions/{mission.pk}/transitions/", "{not json", content_type="application/json"
    )

    assert response.status_code == 400


def test_illegal_transition_is_a_409_with_allowed_states(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)

    response = coordinator_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "on_ecmo"}, format="json")

    assert response.status_code == 409
    assert response.data["current_status"] == "requested"
    assert response.data["allowed"] == ["cancelled", "team_activated", "under_review"]


def test_unknown_mission_is_a_404(coordinator_api):
    assert coordinator_api.get("/api/v1/missions/999999/").status_code == 404


def test_retried_tap_with_same_idempotency_key_advances_once(team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)
    factories.assign(mission, team_member)
    url = f"/api/v1/missions/{mission.pk}/transitions/"

    body = transition_body("team_ready", "en_route_out")
    first = team_member_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="tap-42")
    second = team_member_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="tap-42")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.data["replayed"] is True
    assert second["Idempotent-Replayed"] == "true"
    assert MissionEvent.objects.filter(mission=mission).count() == 1


# --- end to end -------------------------------------------------------------------------

WALK = [
    ("coordinator", "under_review"),
    ("coordinator", "team_activated"),
    ("coordinator", "team_ready"),
    ("team", "en_route_out"),
    ("team", "on_site"),
    ("team", "cannulating"),
    ("team", "on_ecmo"),
    ("team", "en_route_back"),
    ("team", "arrived"),
    ("team", "completed"),
]


def test_mission_walk_from_request_to_hand_over(referrer_api, coordinator_api, team_member, team_member_api):
    created = referrer_api.post("/api/v1/missions/", referral(), format="json")
    mission_id = created.data["id"]
    factories.assign(factories.MissionFactory._meta.model.objects.get(pk=mission_id), team_member)

    current = "requested"
    for who, to in WALK:
        client = coordinator_api if who == "coordinator" else team_member_api
        body = transition_body(current, to)
        response = client.post(f"/api/v1/missions/{mission_id}/transitions/", body, format="json")
        assert response.status_code == 200, (to, response.data)
        current = to

    detail = referrer_api.get(f"/api/v1/missions/{mission_id}/").data
    events = referrer_api.get(f"/api/v1/missions/{mission_id}/events/").data
    assert detail["status"] == "completed"
    status_events = [e for e in events if e["kind"] in ("mission.requested", "mission.status_changed")]
    assert [e["to_status"] for e in status_events] == ["requested"] + [to for _who, to in WALK]
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    times = detail["phase_times"]
    ordered = [
        "requested_at",
        "review_started_at",
        "decided_at",
        "team_ready_at",
        "departed_at",
        "on_site_at",
        "cannulation_started_at",
        "flow_established_at",
        "departed_with_patient_at",
        "arrived_at",
        "handed_over_at",
    ]
    assert all(times[name] for name in ordered)
    assert [times[name] for name in ordered] == sorted(times[name] for name in ordered)


def test_events_after_returns_only_newer(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    url = f"/api/v1/missions/{mission.pk}/transitions/"
    first = coordinator_api.post(url, {"to": "under_review"}, format="json").data["event"]["sequence"]
    coordinator_api.post(url, {"to": "advice_given"}, format="json")

    response = coordinator_api.get(f"/api/v1/missions/{mission.pk}/events/?after={first}")

    assert [e["to_status"] for e in response.data] == ["advice_given"]


def test_openapi_schema_and_docs_are_served(coordinator_api):
    assert coordinator_api.get("/api/schema/").status_code == 200
    assert coordinator_api.get("/api/docs/").status_code == 200


def test_mission_detail_shows_outbound_and_return_estimates(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    travel = coordinator_api.get(f"/api/v1/missions/{mission.pk}/").data["travel"]

    assert travel["outbound"]["estimates"]["road"]["duration_min"] > 0
    assert travel["return"]["estimates"]["road"]["duration_min"] > 0


def test_missing_login_is_a_401_so_phones_know_to_log_in_again():
    response = APIClient().post("/api/v1/missions/1/transitions/", {"to": "on_site"}, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_transition_through_the_api_stays_within_its_query_budget(coordinator_api, django_assert_max_num_queries):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)
    factories.assign(mission, factories.make_team_member())

    # Roles, visibility, the locked change and its event, then the summary (team, coverage, referral).
    with django_assert_max_num_queries(19):
        response = coordinator_api.post(
            f"/api/v1/missions/{mission.pk}/transitions/", transition_body("team_ready", "en_route_out"), format="json"
        )

    assert response.status_code == 200, response.data


def test_mission_detail_and_its_events_answer_in_the_one_documented_shape(coordinator_api):
    from dispatch.api import serializers as s

    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    coordinator_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "under_review"}, format="json")

    detail = coordinator_api.get(f"/api/v1/missions/{mission.pk}/").data
    events = coordinator_api.get(f"/api/v1/missions/{mission.pk}/events/").data

    assert set(detail) == set(s.MissionOutput().fields)
    assert [set(e) for e in events] == [set(s.EventOutput().fields)]


def test_mission_list_leaves_travel_out(coordinator_api):
    factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    assert [m["travel"] for m in coordinator_api.get("/api/v1/missions/").data] == [None]
