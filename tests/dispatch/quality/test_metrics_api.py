"""GET /api/v1/metrics/intervals/: exact figures, empty phases, CSV, drills, scoping, bad filters."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import EventSource, MissionKind, MissionStatus, TransportMode
from dispatch.services.missions import correct_mission
from tests.dispatch.quality.conftest import JUNE, aborted_before_flow, completed_mission, mission_at
from tests.support import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/metrics/intervals/"


def _by_code(body: dict) -> dict[str, dict]:
    return {m["code"]: m for m in body["missions"]}


@pytest.fixture
def four(db):
    """referral → decision 12, 12, 20, 7; referral → flow 170, 95.5, 240.25 and never (aborted)."""
    return {
        "a": completed_mission(code="A"),
        "b": mission_at(JUNE, {"requested_at": 0, "decided_at": 20, "flow_established_at": 95.5}, code="B",
                        status=MissionStatus.COMPLETED),
        "c": mission_at(JUNE, {"requested_at": 0, "decided_at": 7, "flow_established_at": 240.25}, code="C",
                        status=MissionStatus.COMPLETED),
        "d": aborted_before_flow(code="D"),
    }


def test_per_mission_minutes_are_exact_and_a_phase_never_reached_is_null(coordinator_api, four):
    body = coordinator_api.get(URL).json()
    missions = _by_code(body)

    assert missions["A"]["minutes"] == {
        "referral_to_decision": 12.0,
        "decision_to_team_ready": 28.0,
        "team_ready_to_departure": 8.0,
        "departure_to_bedside": 65.0,
        "bedside_to_flow": 57.0,
        "flow_to_departure_with_patient": 50.0,
        "departure_with_patient_to_arrival": 80.0,
        "referral_to_flow": 170.0,
        "activation_to_flow": 158.0,
    }
    assert missions["C"]["minutes"]["referral_to_flow"] == 240.3  # 240.25 rounded half up
    assert missions["D"]["minutes"]["departure_to_bedside"] == 65.0
    assert missions["D"]["minutes"]["bedside_to_flow"] is None
    assert missions["D"]["minutes"]["referral_to_flow"] is None


def test_summary_is_n_median_and_nearest_rank_p90_of_the_reached_phases(coordinator_api, four):
    overall = coordinator_api.get(URL).json()["summaries"]["overall"]

    assert overall["n"] == 4
    assert overall["intervals"]["referral_to_decision"] == {"n": 4, "median": 12.0, "p90": 20.0}
    assert overall["intervals"]["referral_to_flow"] == {"n": 3, "median": 170.0, "p90": 240.3}
    assert overall["intervals"]["flow_to_departure_with_patient"] == {"n": 1, "median": 50.0, "p90": 50.0}


def test_summaries_by_month_hospital_mode_and_kind(coordinator_api, db):
    july = JUNE + timedelta(days=30)
    completed_mission(code="J1")
    completed_mission(july, code="J2", shift={"decided_at": 8, "team_activated_at": 8},
                      referring_hospital=factories.regional_hospital("SBIZ"),
                      outbound_transport_mode=TransportMode.HELICOPTER, kind=MissionKind.SECONDARY)
    mission_at(july, {"requested_at": 0}, code="J3", status=MissionStatus.REQUESTED)

    summaries = coordinator_api.get(URL).json()["summaries"]

    months = {g["group"]: g for g in summaries["by_month"]}
    assert list(months) == ["2026-06", "2026-07"]
    assert months["2026-07"]["n"] == 2
    assert months["2026-07"]["intervals"]["referral_to_decision"] == {"n": 1, "median": 20.0, "p90": 20.0}
    assert [(g["group"], g["n"]) for g in summaries["by_hospital"]] == [("SBIZ", 1), ("SBMS", 2)]
    assert [(g["group"], g["n"]) for g in summaries["by_mode"]] == [("helicopter", 1), ("road", 1), (None, 1)]
    assert [(g["group"], g["n"]) for g in summaries["by_kind"]] == [("primary", 2), ("secondary", 1)]


def test_drills_are_excluded(coordinator_api, db):
    completed_mission(code="REAL")
    completed_mission(code="DRILL", is_drill=True, shift={"decided_at": 1})

    body = coordinator_api.get(URL).json()

    assert [m["code"] for m in body["missions"]] == ["REAL"]
    assert body["summaries"]["overall"]["intervals"]["referral_to_decision"]["n"] == 1


def test_corrected_times_are_used(coordinator, coordinator_api, db):
    mission = completed_mission(code="FIX")
    correct_mission(
        mission_id=mission.pk,
        actor=coordinator,
        field="decided_at",
        value=(JUNE + timedelta(minutes=9)).isoformat(),
        reason="the decision was at 10:09",
        source=EventSource.WEB,
    )

    minutes = _by_code(coordinator_api.get(URL).json())["FIX"]["minutes"]

    assert minutes["referral_to_decision"] == 9.0
    assert minutes["decision_to_team_ready"] == 31.0


def test_filters_narrow_the_missions(coordinator_api, db):
    completed_mission(code="ROAD")
    completed_mission(code="AIR", outbound_transport_mode=TransportMode.HELICOPTER)
    completed_mission(JUNE + timedelta(days=40), code="LATER", kind=MissionKind.SECONDARY,
                      referring_hospital=factories.regional_hospital("SBIZ"))

    def codes(query: str) -> list[str]:
        response = coordinator_api.get(URL + "?" + query)
        assert response.status_code == 200, response.content
        return sorted(m["code"] for m in response.json()["missions"])

    assert codes("mode=helicopter") == ["AIR"]
    assert codes("kind=secondary") == ["LATER"]
    assert codes("hospital=sbiz") == ["LATER"]
    assert codes("from=2026-06-10&to=2026-06-10") == ["AIR", "ROAD"]  # the end day is included
    assert codes("from=2026-06-11") == ["LATER"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-06-10&to=2026-06-01", "to"),
        ("hospital=NOPE", "hospital"),
        ("mode=bicycle", "mode"),
        ("kind=tertiary", "kind"),
        ("format=xml", "format"),
        ("to=9999-12-31", "to"),
        ("from=1000-01-01", "from"),
        ("from=2001-01-01&to=2025-12-31", "from"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(coordinator_api, query, field):
    response = coordinator_api.get(URL + "?" + query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == [field]


def test_csv_has_a_header_and_one_row_per_mission_with_empty_cells_for_phases_never_reached(coordinator_api, four):
    response = coordinator_api.get(URL + "?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="ecmo-intervals-all.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "code", "referring_hospital", "month", "requested_at", "kind", "outbound_transport_mode",
        "return_transport_mode", "status", "outcome", "support_mode",
        "referral_to_decision_min", "decision_to_team_ready_min", "team_ready_to_departure_min",
        "departure_to_bedside_min", "bedside_to_flow_min", "flow_to_departure_with_patient_min",
        "departure_with_patient_to_arrival_min", "referral_to_flow_min", "activation_to_flow_min",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert sorted(by_code) == ["A", "B", "C", "D"]
    assert by_code["A"] == [
        "A", "SBMS", "2026-06", "2026-06-10T10:00:00+02:00", "primary", "road", "road", "completed",
        "cannulated_transported", "vv", "12.0", "28.0", "8.0", "65.0", "57.0", "50.0", "80.0", "170.0", "158.0",
    ]
    assert by_code["D"][10:] == ["12.0", "28.0", "8.0", "65.0", "", "", "", "", ""]


def test_csv_errors_are_json(coordinator_api):
    response = coordinator_api.get(URL + "?format=csv&mode=bicycle")

    assert response.status_code == 400
    assert response.json() == {"mode": ['"bicycle" is not a valid choice.']}


def test_options_asking_for_csv_describes_the_endpoint_in_json(coordinator_api):
    response = coordinator_api.options(URL + "?format=csv")

    assert response.status_code == 200
    assert response.json()["name"]


def test_a_referrer_sees_only_their_hospital(referrer, referrer_api, db):
    completed_mission(code="OWN")  # SBMS, the referrer's hospital
    completed_mission(code="OTHER", referring_hospital=factories.regional_hospital("SBIZ"))

    body = referrer_api.get(URL).json()

    assert [m["code"] for m in body["missions"]] == ["OWN"]
    assert body["filters"]["hospital"] == "SBMS"
    assert referrer_api.get(URL + "?hospital=SBMS").status_code == 200


@pytest.mark.parametrize("query", ["?hospital=SBIZ", "?hospital=SBIZ&format=csv"])
def test_a_referrer_asking_for_another_hospital_gets_a_403(referrer_api, db, query):
    completed_mission(code="OTHER", referring_hospital=factories.regional_hospital("SBIZ"))

    response = referrer_api.get(URL + query)

    assert response.status_code == 403
    assert b"OTHER" not in response.content


def test_team_members_get_a_403(team_member_api):
    assert team_member_api.get(URL).status_code == 403


def test_no_login_no_metrics(api):
    assert api.get(URL).status_code in (401, 403)


def test_query_count_does_not_grow_with_the_missions(coordinator_api, db):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator_api.get(URL + "?hospital=SBMS").status_code == 200
        return len(captured)

    completed_mission(code="Q1")
    queries()  # the first request also reads the user's roles (then cached on the user)
    few = queries()
    for n in range(12):
        completed_mission(JUNE + timedelta(days=n * 9), code=f"Q{n + 2}")
        aborted_before_flow(JUNE + timedelta(days=n * 7), code=f"QA{n}")

    assert queries() == few
    assert few <= 3  # the hospital filter, the missions; nothing per mission
