"""The alerting API: the team phone page contract, coordinator actions, roster and heartbeat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import EventSource, Mission, MissionAssignment, MissionEvent, MissionStatus, TeamRole
from dispatch.notifications.models import Alert, AlertState, Notification
from dispatch.notifications.selectors import role_coverage
from dispatch.notifications.services.alerts import decline_alert
from dispatch.notifications.services.escalation import run_due_step
from dispatch.notifications.tasks.reconcile_paging import reconcile_paging
from dispatch.selectors import mission_visible_to
from tests.support import factories
from tests.support.paging import activate, on_call

pytestmark = pytest.mark.django_db


def coverage_of(mission) -> dict:
    return role_coverage([Mission.objects.get(pk=mission.pk)])[mission.pk]


def run_step(alert: Alert) -> None:
    alert.refresh_from_db()
    Alert.objects.filter(pk=alert.pk).update(next_step_due_at=timezone.now())
    run_due_step(alert_id=alert.pk, token=str(alert.active_token))


def paged(roles=(TeamRole.ECMO_PHYSICIAN,)):
    """Activate and run the first step on the console backend; returns (mission, {role: primary})."""
    primaries = {role: on_call(role) for role in roles}
    mission = activate(roles)
    for alert in Alert.objects.filter(mission=mission):
        run_step(alert)
    return mission, primaries


def test_open_alerts_list_follows_the_phone_page_contract(console, client_for):
    mission, people = paged()
    body = client_for(people[TeamRole.ECMO_PHYSICIAN]).get("/api/v1/alerts/?open=true").json()
    assert [set(item) for item in body] == [
        {"id", "mission_id", "mission_code", "team_role", "hospital", "support", "message", "opened_at", "state",
         "my_response"}
    ]
    assert body[0]["mission_code"] == mission.code and body[0]["state"] == "paging"
    assert body[0]["my_response"] == ""  # not answered yet
    assert body[0]["hospital"] == mission.referring_hospital.name
    assert Notification.objects.get(alert__mission=mission).status == "sent"  # console: never "delivered"


def test_an_answer_by_sms_is_in_the_members_own_list(console, client_for):
    mission, people = paged((TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE))
    member = people[TeamRole.ECMO_PHYSICIAN]
    alert = Alert.objects.get(mission=mission, team_role=TeamRole.ECMO_PHYSICIAN)
    decline_alert(alert_id=alert.pk, member=member, via=EventSource.SMS)

    body = client_for(member).get("/api/v1/alerts/?open=false").json()

    assert [(item["id"], item["my_response"]) for item in body] == [(alert.pk, "declined")]


def test_web_accept_is_idempotent_and_assigns(console, client_for):
    mission, people = paged()
    member = people[TeamRole.ECMO_PHYSICIAN]
    alert = Alert.objects.get(mission=mission)
    api = client_for(member)
    first = api.post(f"/api/v1/alerts/{alert.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="tap-1")
    again = api.post(f"/api/v1/alerts/{alert.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="tap-1")
    assert first.status_code == again.status_code == 200
    assert first.json()["accepted_by"] == again.json()["accepted_by"] == member.get_full_name()
    assert MissionEvent.objects.filter(mission=mission, kind="alert.accepted").count() == 1
    assert MissionAssignment.objects.filter(mission=mission, member=member).exists()
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_READY


def test_idempotency_key_reused_for_another_page_is_a_409_and_that_page_stays_open(console, client_for):
    first_mission, people = paged()
    member = people[TeamRole.ECMO_PHYSICIAN]
    second_mission = activate((TeamRole.ECMO_PHYSICIAN,))
    second = Alert.objects.get(mission=second_mission)
    run_step(second)
    api = client_for(member)
    api.post(
        f"/api/v1/alerts/{Alert.objects.get(mission=first_mission).pk}/accept/", {}, format="json",
        HTTP_IDEMPOTENCY_KEY="tap-1",
    )

    reused = api.post(f"/api/v1/alerts/{second.pk}/accept/", {}, format="json", HTTP_IDEMPOTENCY_KEY="tap-1")

    assert reused.status_code == 409
    second.refresh_from_db()
    assert second.state == "paging"


def test_accepting_someone_elses_page_is_404_and_a_closed_one_409(console, client_for):
    mission, people = paged()
    alert = Alert.objects.get(mission=mission)
    stranger = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    assert client_for(stranger).post(f"/api/v1/alerts/{alert.pk}/accept/").status_code == 404
    coordinator = factories.make_coordinator()
    client_for(coordinator).post(
        f"/api/v1/missions/{mission.pk}/alerts/ecmo_physician/cover/", {"note": "reached by phone"}, format="json"
    )
    conflict = client_for(people[TeamRole.ECMO_PHYSICIAN]).post(f"/api/v1/alerts/{alert.pk}/accept/")
    assert conflict.status_code == 409


def test_web_decline_records_the_answer_and_escalates(console, client_for):
    mission, people = paged()
    alert = Alert.objects.get(mission=mission)
    response = client_for(people[TeamRole.ECMO_PHYSICIAN]).post(f"/api/v1/alerts/{alert.pk}/decline/", {"note": "ill"})
    assert response.status_code == 200 and response.json()["state"] == "paging"
    assert coverage_of(mission)[TeamRole.ECMO_PHYSICIAN]["state"] == "declined"


def test_cover_by_phone_with_every_role_covered_makes_the_team_ready(console, client_for):
    mission, _people = paged()
    coordinator = factories.make_coordinator()
    response = client_for(coordinator).post(f"/api/v1/missions/{mission.pk}/alerts/ecmo_physician/cover/", {})
    assert response.status_code == 200 and response.json()["state"] == AlertState.COVERED_BY_PHONE
    mission.refresh_from_db()
    assert mission.status == MissionStatus.TEAM_READY
    assert coverage_of(mission)[TeamRole.ECMO_PHYSICIAN]["state"] == "covered_by_phone"


def test_coverage_shows_paging_and_a_paged_member_sees_the_mission(console):
    mission, people = paged((TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE))
    coverage = coverage_of(mission)
    assert {role: entry["state"] for role, entry in coverage.items()} == {"ecmo_physician": "paging", "nurse": "paging"}
    assert mission_visible_to(people[TeamRole.NURSE], mission.pk)
    assert not mission_visible_to(factories.make_team_member(TeamRole.NURSE), mission.pk)


def test_a_page_called_off_with_the_mission_reads_withdrawn_not_unpaged(console, client_for):
    mission, people = paged((TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE))
    physician_alert = Alert.objects.get(mission=mission, team_role=TeamRole.ECMO_PHYSICIAN)
    client_for(people[TeamRole.ECMO_PHYSICIAN]).post(f"/api/v1/alerts/{physician_alert.pk}/accept/", {})
    body = {"to": MissionStatus.CANCELLED, "outcome": "patient_died", "reason": "Died before departure"}

    response = client_for(factories.make_coordinator()).post(f"/api/v1/missions/{mission.pk}/transitions/", body)

    assert response.status_code == 200, response.content
    coverage = coverage_of(mission)
    assert coverage[TeamRole.NURSE]["state"] == "withdrawn"  # she was paged; the page was called off
    assert coverage[TeamRole.ECMO_PHYSICIAN]["state"] == "accepted"  # an answer given stays on the record


def test_coordinator_can_page_a_named_person(console, client_for):
    mission, _people = paged()
    named = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    coordinator = factories.make_coordinator()
    url = f"/api/v1/missions/{mission.pk}/alerts/ecmo_physician/page/"
    assert client_for(coordinator).post(url, {"member_id": named.pk}, format="json").status_code == 200
    assert client_for(named).get("/api/v1/alerts/").json()[0]["mission_id"] == mission.pk


def test_shift_api_validates_and_is_for_coordinators(client_for):
    coordinator, nurse = factories.make_coordinator(), factories.make_team_member(TeamRole.NURSE)
    now = timezone.now()
    good = {"member_id": nurse.pk, "team_role": "nurse", "tier": "primary",
            "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=8)).isoformat()}
    api = client_for(coordinator)
    assert api.post("/api/v1/shifts/", good, format="json").status_code == 201
    assert api.post("/api/v1/shifts/", good | {"ends_at": now.isoformat()}, format="json").status_code == 400
    assert api.post("/api/v1/shifts/", good | {"team_role": "driver"}, format="json").status_code == 400
    assert client_for(nurse).post("/api/v1/shifts/", good, format="json").status_code == 403


def test_roster_readiness_reports_a_gap_and_coverage(client_for):
    coordinator = factories.make_coordinator()
    on_call(TeamRole.NURSE)
    roles = client_for(coordinator).get("/api/v1/roster/readiness/").json()["roles"]
    assert roles["nurse"]["covered_now"] is True and roles["nurse"]["covered_next_hours"] is True
    assert roles["driver"]["covered_now"] is False and roles["driver"]["gaps"]


def test_paging_heartbeat_is_stale_until_reconcile_runs(client_for):
    api = client_for(factories.make_coordinator())
    assert api.get("/api/v1/paging/heartbeat/").json()["stale"] is True
    reconcile_paging.run()
    assert api.get("/api/v1/paging/heartbeat/").json()["stale"] is False


def test_reconcile_runs_an_overdue_step(console):
    primary = on_call()
    mission = activate()  # on_commit never fires here: no task ran the first step
    alert = Alert.objects.get(mission=mission)
    Alert.objects.filter(pk=alert.pk).update(next_step_due_at=timezone.now() - timedelta(seconds=5))
    reconcile_paging.run()
    assert Notification.objects.filter(alert=alert, recipient=primary, channel="sms").count() == 1
