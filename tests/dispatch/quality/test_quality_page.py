"""/quality/: who sees which hospital, the figures it passes to its charts, the closed missions list."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dispatch.models import MissionStatus, TeamRole
from dispatch.notifications.models import Alert, AlertRecipient, AlertState, Response
from dispatch.records.models import PatientFollowUp, Survival
from tests.dispatch.quality.conftest import JUNE, aborted_before_flow, completed_mission, mission_at
from tests.support import factories

pytestmark = pytest.mark.django_db
URL = "/quality/"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _chart_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="quality-data" type="application/json">') + len(
        '<script id="quality-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_a_coordinator_sees_every_hospital_and_the_chart_data(coordinator, db):
    completed_mission(code="MS-1")
    completed_mission(code="IZ-1", referring_hospital=factories.regional_hospital("SBIZ"))
    aborted_before_flow(code="MS-2")

    response = _client(coordinator).get(URL)

    assert response.status_code == 200
    data = _chart_data(response)
    assert data["overall"]["n"] == 3
    assert data["months"] == ["2026-06"]
    assert data["medians"]["rows"][0]["values"]["referral_to_flow"] == 170.0
    assert data["histogram"]["counts"][5] == 2  # 150–180 min: the two missions that reached flow
    assert data["outcomes"]["rows"][0]["counts"]["on_ecmo"] == 2
    assert data["outcomes"]["rows"][0]["counts"]["died"] == 1
    assert "paging" in data and "drills" in data


def test_empty_months_between_are_shown_empty(coordinator, db):
    completed_mission(code="JUNE")
    completed_mission(JUNE + timedelta(days=61), code="AUGUST")

    data = _chart_data(_client(coordinator).get(URL))

    assert data["months"] == ["2026-06", "2026-07", "2026-08"]
    july = data["medians"]["rows"][1]
    assert july["values"]["referral_to_decision"] is None and july["n"]["referral_to_decision"] == 0


def test_a_referrer_sees_their_own_hospital_only(referrer, db):
    completed_mission(code="OWN-1")
    completed_mission(code="ELSEWHERE-1", referring_hospital=factories.regional_hospital("SBIZ"))

    response = _client(referrer).get(URL)

    assert response.status_code == 200
    assert _chart_data(response)["overall"]["n"] == 1
    assert b"OWN-1" in response.content
    assert b"ELSEWHERE-1" not in response.content
    assert "paging" not in _chart_data(response)  # the centre's paging and drills are for coordinators


def test_a_referrer_asking_for_another_hospital_gets_a_403(referrer, db):
    assert _client(referrer).get(URL + "?hospital=SBIZ").status_code == 403


def test_team_members_get_a_403(team_member):
    assert _client(team_member).get(URL).status_code == 403


def test_a_bad_filter_is_a_400_that_names_the_field(coordinator):
    response = _client(coordinator).get(URL + "?from=2026-02-30")

    assert response.status_code == 400
    assert b'id="error-from"' in response.content


def test_drills_are_left_out_of_the_clinical_figures_and_shown_on_their_own(coordinator, db):
    completed_mission(code="REAL-1")
    drill = mission_at(JUNE, {"requested_at": 0, "decided_at": 1, "team_activated_at": 1, "team_ready_at": 9},
                       code="DRILL-1", is_drill=True, status=MissionStatus.CANCELLED)
    member = factories.make_team_member(TeamRole.NURSE, first_name="Nina", last_name="Nurse")
    alert = Alert.objects.create(mission=drill, team_role=TeamRole.NURSE, message="DRILL", state=AlertState.ACCEPTED)
    recipient = AlertRecipient.objects.create(alert=alert, member=member, tier="primary")
    AlertRecipient.objects.filter(pk=recipient.pk).update(
        response=Response.ACCEPTED, responded_at=recipient.first_paged_at + timedelta(minutes=2, seconds=30)
    )

    response = _client(coordinator).get(URL)
    data = _chart_data(response)

    assert data["overall"]["n"] == 1
    assert b"DRILL-1" not in response.content  # not in the closed missions list either
    assert data["drills"]["people"] == [
        {"name": "Nina Nurse", "role": "nurse", "label": "Nurse", "n": 1, "median": 2.5, "p90": 2.5}
    ]
    assert all(row["accepted"] == 0 for row in data["paging"])


def test_paging_response_per_role(coordinator, db):
    mission = completed_mission(code="PAGED")
    first, backup = factories.make_team_member(TeamRole.DRIVER), factories.make_team_member(TeamRole.DRIVER)
    opened = timezone.now()
    by_sms = Alert.objects.create(mission=mission, team_role=TeamRole.DRIVER, message="x",
                                  state=AlertState.ACCEPTED, step_index=1)
    AlertRecipient.objects.create(alert=by_sms, member=first, tier="primary", response=Response.ACCEPTED,
                                  responded_at=opened + timedelta(minutes=3))
    Alert.objects.filter(pk=by_sms.pk).update(opened_at=opened, closed_at=opened + timedelta(minutes=3))
    AlertRecipient.objects.filter(alert=by_sms).update(first_paged_at=opened)
    other = completed_mission(code="PAGED-2")
    escalated = Alert.objects.create(mission=other, team_role=TeamRole.DRIVER, message="x",
                                     state=AlertState.ACCEPTED, step_index=3)
    AlertRecipient.objects.create(alert=escalated, member=backup, tier="backup", response=Response.ACCEPTED,
                                  responded_at=opened + timedelta(minutes=12))
    Alert.objects.filter(pk=escalated.pk).update(opened_at=opened, closed_at=opened + timedelta(minutes=12))
    AlertRecipient.objects.filter(alert=escalated).update(first_paged_at=opened + timedelta(minutes=10))

    driver = next(row for row in _chart_data(_client(coordinator).get(URL))["paging"] if row["role"] == "driver")

    assert driver["accepted"] == 2
    assert driver["median"] == 2.5  # 3 min and 2 min (the backup, from their own page)
    assert driver["covered_median"] == 7.5  # the role waited 3 and 12 min
    assert (driver["first_sms"], driver["escalated"], driver["alerts"]) == (1, 1, 2)


def test_closed_missions_are_searched_by_code_and_link_to_their_record(coordinator, db):
    closed = completed_mission(code="ECMO-2026-0042")
    completed_mission(code="ECMO-2026-0043")
    mission_at(JUNE, {"requested_at": 0}, code="ECMO-2026-0044", status=MissionStatus.REQUESTED)  # still open

    response = _client(coordinator).get(URL + "?code=0042")

    listed = response.content.decode().split('id="closed-missions"')[1]
    assert f'href="/missions/{closed.pk}/record/"' in listed
    assert "ECMO-2026-0043" not in listed
    assert "ECMO-2026-0044" not in _client(coordinator).get(URL).content.decode().split('id="closed-missions"')[1]


def test_the_csv_link_carries_the_filters(coordinator, db):
    completed_mission(code="X")

    response = _client(coordinator).get(URL + "?hospital=SBMS&mode=road")

    assert b'href="/api/v1/metrics/intervals/?hospital=SBMS&amp;mode=road&amp;format=csv"' in response.content


def test_survival_by_kind_from_the_follow_ups(coordinator, db):
    for code, ecmo, hospital in (("S1", Survival.YES, Survival.YES), ("S2", Survival.YES, Survival.NO),
                                 ("S3", Survival.NO, Survival.NO), ("S4", Survival.YES, Survival.UNKNOWN)):
        PatientFollowUp.objects.create(mission=completed_mission(code=code), survived_ecmo=ecmo,
                                       survived_hospital=hospital, entered_by=coordinator)

    response = _client(coordinator).get(URL)

    primary = next(row for row in _chart_data(response)["survival"]["rows"] if row["kind"] == "primary")
    assert primary["ecmo"] == {"yes": 3, "no": 1, "unknown": 0}
    assert primary["hospital"] == {"yes": 1, "no": 2, "unknown": 1}
    assert "Yes: 3 (75 %), No: 1, Unknown: 0" in response.content.decode()


def test_the_tables_write_numbers_as_the_page_language_does(coordinator, db):
    completed_mission(code="A")
    completed_mission(code="B", shift={"decided_at": 1, "team_activated_at": 1})  # decisions at 12 and 13 min
    coordinator.profile.language = "sl"
    coordinator.profile.save(update_fields=["language"])
    client = _client(coordinator)
    client.cookies["django_language"] = "sl"

    overall = client.get(URL).content.decode().split('id="overall-title"')[1].split("</table>")[0]

    assert "<td class=\"num\">12,5</td>" in overall and "12.5" not in overall  # the median, with a decimal comma
    assert "<td class=\"num\">2</td>" in overall  # a count stays a whole number
