"""Debriefs: due after a completed or aborted mission, submitted once, then part of the record."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.records.models import Debrief
from tests.support import factories

pytestmark = pytest.mark.django_db


def _body(owner, **overrides) -> dict:
    return {
        "went_well": "Cannulation in 12 minutes",
        "went_wrong": "Helicopter not free; went by road",
        "equipment_issues": "Spare oxygenator missing from the bag",
        "actions": [{"action": "Add a spare oxygenator to the checklist", "owner": owner.pk}],
        **overrides,
    }


def _due(api) -> list[dict]:
    response = api.get("/api/v1/debriefs/due/")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_completed_mission_becomes_due_72_hours_after_closing(completed, coordinator_api):
    [due] = _due(coordinator_api)

    assert due["mission_id"] == completed.pk
    assert due["code"] == completed.code
    assert due["hospital"] == completed.referring_hospital.name
    assert due["url"] == f"/missions/{completed.pk}/debrief/"
    closed = completed.closed_at
    assert due["closed_at"] == closed.astimezone(timezone.get_current_timezone()).isoformat()
    assert due["due_at"] == (closed + timedelta(hours=72)).astimezone(timezone.get_current_timezone()).isoformat()
    assert due["overdue"] is False


def test_a_debrief_not_written_in_time_is_overdue(completed, coordinator_api, settings):
    settings.DEBRIEF_DUE_H = 0  # closed 50 minutes ago: already past due

    [due] = _due(coordinator_api)

    assert due["overdue"] is True


def test_running_cancelled_and_drill_missions_are_not_due(coordinator_api):
    factories.MissionFactory(status=MissionStatus.ON_ECMO)
    factories.MissionFactory(status=MissionStatus.CANCELLED, closed_at=timezone.now())
    factories.MissionFactory(status=MissionStatus.COMPLETED, closed_at=timezone.now(), is_drill=True)
    aborted = factories.MissionFactory(status=MissionStatus.ABORTED, closed_at=timezone.now())

    assert [d["mission_id"] for d in _due(coordinator_api)] == [aborted.pk]


def test_only_coordinators_follow_the_debriefs_due(completed, team_member_api, referrer_api):
    assert team_member_api.get("/api/v1/debriefs/due/").status_code == 403
    assert referrer_api.get("/api/v1/debriefs/due/").status_code == 403


def test_a_submitted_debrief_is_no_longer_due_and_shows_in_the_record(completed, coordinator_api):
    owner = completed.assignments.first().member

    response = coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(owner), format="json")

    assert response.status_code == 201, response.content
    assert _due(coordinator_api) == []
    debrief = coordinator_api.get(f"/api/v1/missions/{completed.pk}/record/").json()["debrief"]
    assert debrief["went_wrong"] == "Helicopter not free; went by road"
    assert debrief["equipment_issues"] == "Spare oxygenator missing from the bag"
    assert debrief["actions"] == [
        {"action": "Add a spare oxygenator to the checklist", "owner_id": owner.pk, "owner": owner.get_full_name()}
    ]


def test_submitting_writes_a_timeline_event_without_the_free_text(completed, coordinator_api, coordinator):
    owner = completed.assignments.first().member

    coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(owner), format="json")

    event = completed.events.get(kind="debrief.submitted")
    assert event.actor == coordinator
    assert event.payload == {"actions": 1}
    assert Debrief.objects.get(mission=completed).event == event
    timeline = coordinator_api.get(f"/api/v1/missions/{completed.pk}/events/").json()
    assert timeline[-1]["label"] == "Debrief submitted"


def test_a_team_member_on_the_mission_may_debrief_it(completed, client_for):
    member = completed.assignments.first().member

    response = client_for(member).post(f"/api/v1/missions/{completed.pk}/debrief/", _body(member), format="json")

    assert response.status_code == 201


def test_the_referrer_may_not_debrief(completed, referrer_api, coordinator):
    response = referrer_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(coordinator), format="json")

    assert response.status_code == 403


def test_a_second_debrief_is_a_409(completed, coordinator_api, coordinator):
    coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(coordinator), format="json")

    response = coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(coordinator), format="json")

    assert response.status_code == 409
    assert Debrief.objects.filter(mission=completed).count() == 1


def test_a_running_mission_cannot_be_debriefed_yet(coordinator_api, coordinator):
    running = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    response = coordinator_api.post(f"/api/v1/missions/{running.pk}/debrief/", _body(coordinator), format="json")

    assert response.status_code == 409
    assert response.json()["current_status"] == "on_ecmo"


def test_missing_answers_are_a_400_per_field(completed, coordinator_api, coordinator):
    response = coordinator_api.post(
        f"/api/v1/missions/{completed.pk}/debrief/",
        {"went_well": "", "actions": [{"action": "Check the pump", "owner": coordinator.pk}, {"action": "x"}]},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"went_well", "went_wrong", "actions"}
    assert errors["actions"] == {"1": {"owner": ["This field is required."]}}


def test_an_action_owner_must_be_one_of_the_centre(completed, coordinator_api, referrer):
    response = coordinator_api.post(f"/api/v1/missions/{completed.pk}/debrief/", _body(referrer), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["actions"]
    assert not Debrief.objects.exists()


def test_the_debrief_form_page_saves_it(completed, coordinator):
    owner = completed.assignments.first().member
    client = Client()
    client.force_login(coordinator)
    assert client.get(f"/missions/{completed.pk}/debrief/").status_code == 200

    response = client.post(f"/missions/{completed.pk}/debrief/", {
        "went_well": "Calm hand-over", "went_wrong": "Nothing", "equipment_issues": "",
        "actions-TOTAL_FORMS": "2", "actions-INITIAL_FORMS": "0",
        "actions-0-action": "Review the radio channel", "actions-0-owner": str(owner.pk),
        "actions-1-action": "", "actions-1-owner": "",
    })

    assert response.status_code == 302
    assert response["Location"] == f"/missions/{completed.pk}/record/"
    debrief = Debrief.objects.get(mission=completed)
    assert [(a.action, a.owner) for a in debrief.actions.all()] == [("Review the radio channel", owner)]


def test_the_debrief_form_asks_for_the_owner_of_each_action(completed, coordinator):
    client = Client()
    client.force_login(coordinator)

    response = client.post(f"/missions/{completed.pk}/debrief/", {
        "went_well": "Calm hand-over", "went_wrong": "Nothing",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0",
        "actions-0-action": "Review the radio channel", "actions-0-owner": "",
    })

    assert response.status_code == 400
    assert "Every action needs an owner." in response.content.decode()
    assert not Debrief.objects.exists()
