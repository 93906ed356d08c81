"""The patient's follow-up: entered later by a coordinator, shown in the record."""

import pytest
from django.test import Client
from django.utils import timezone

from dispatch.models import MissionStatus
from dispatch.records.models import PatientFollowUp
from tests.support import factories

pytestmark = pytest.mark.django_db


def _put(api, mission, **body):
    return api.put(f"/api/v1/missions/{mission.pk}/follow-up/", body, format="json")


def test_a_coordinator_enters_the_follow_up_and_the_record_shows_it(completed, coordinator_api, coordinator):
    today = timezone.localdate().isoformat()

    response = _put(coordinator_api, completed, decannulated_on=today, survived_ecmo="yes", survived_hospital="unknown")

    assert response.status_code == 201, response.content
    follow_up = coordinator_api.get(f"/api/v1/missions/{completed.pk}/record/").json()["follow_up"]
    assert follow_up["decannulated_on"] == today
    assert (follow_up["survived_ecmo"], follow_up["survived_hospital"]) == ("yes", "unknown")
    assert follow_up["survived_ecmo_label"] == "Yes"
    assert follow_up["entered_by"] == coordinator.get_full_name()


def test_entering_it_again_replaces_it_and_names_the_changed_fields(completed, coordinator_api):
    _put(coordinator_api, completed, survived_ecmo="yes", survived_hospital="unknown")

    response = _put(coordinator_api, completed, survived_ecmo="yes", survived_hospital="yes")

    assert response.status_code == 200
    assert PatientFollowUp.objects.get(mission=completed).survived_hospital == "yes"
    events = list(completed.events.filter(kind="follow_up.recorded").order_by("sequence"))
    assert [e.payload["fields"] for e in events] == [
        ["decannulated_on", "survived_ecmo", "survived_hospital"],
        ["survived_hospital"],
    ]


def test_only_coordinators_enter_it(completed, referrer_api, client_for):
    member = completed.assignments.first().member

    assert _put(referrer_api, completed, survived_ecmo="yes", survived_hospital="yes").status_code == 403
    assert _put(client_for(member), completed, survived_ecmo="yes", survived_hospital="yes").status_code == 403
    assert not PatientFollowUp.objects.exists()


def test_a_patient_who_died_on_ecmo_cannot_have_survived_to_discharge(completed, coordinator_api):
    response = _put(coordinator_api, completed, survived_ecmo="no", survived_hospital="yes")

    assert response.status_code == 400
    assert list(response.json()) == ["survived_hospital"]


def test_wrong_values_are_a_400_per_field(completed, coordinator_api):
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()

    response = _put(coordinator_api, completed, decannulated_on=tomorrow, survived_ecmo="maybe")

    assert response.status_code == 400
    assert set(response.json()) == {"survived_ecmo", "survived_hospital"}
    response = _put(coordinator_api, completed, decannulated_on=tomorrow, survived_ecmo="yes", survived_hospital="no")
    assert response.status_code == 400
    assert list(response.json()) == ["decannulated_on"]


def test_a_mission_still_running_has_no_follow_up_yet(coordinator_api):
    running = factories.MissionFactory(status=MissionStatus.EN_ROUTE_BACK)

    assert _put(coordinator_api, running, survived_ecmo="yes", survived_hospital="yes").status_code == 409


def test_the_record_page_form_saves_it(completed, coordinator):
    client = Client()
    client.force_login(coordinator)
    page = client.get(f"/missions/{completed.pk}/record/").content.decode()
    assert 'id="follow-up-form"' in page

    response = client.post(f"/missions/{completed.pk}/follow-up/",
                           {"decannulated_on": "", "survived_ecmo": "no", "survived_hospital": "no"})

    assert response.status_code == 302
    assert PatientFollowUp.objects.get(mission=completed).survived_ecmo == "no"


def test_the_referrer_sees_the_follow_up_but_no_form(completed, coordinator_api, referrer):
    _put(coordinator_api, completed, survived_ecmo="yes", survived_hospital="yes")
    client = Client()
    client.force_login(referrer)

    page = client.get(f"/missions/{completed.pk}/record/").content.decode()

    assert 'id="record-survived-hospital">Yes<' in page
    assert 'id="follow-up-form"' not in page


def test_the_record_page_form_shows_what_is_wrong(completed, coordinator):
    client = Client()
    client.force_login(coordinator)

    response = client.post(f"/missions/{completed.pk}/follow-up/",
                           {"decannulated_on": "", "survived_ecmo": "no", "survived_hospital": "yes"})

    assert response.status_code == 400
    assert "A patient who did not survive ECMO cannot survive to hospital discharge." in response.content.decode()
    assert not PatientFollowUp.objects.exists()
