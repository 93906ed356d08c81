import re

import pytest
from django.test import Client

from hospitals.models import Hospital
from tests.support import factories

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_referrer_gets_the_form_for_their_hospital(referrer):
    response = logged_in(referrer).get("/referrals/new/")
    assert response.status_code == 200
    assert referrer.profile.hospital.name in response.content.decode()
    assert 'name="referring_hospital"' not in response.content.decode()


def test_coordinator_chooses_the_referring_hospital(coordinator):
    response = logged_in(coordinator).get("/referrals/new/")
    assert 'name="referring_hospital"' in response.content.decode()


def test_coordinator_may_refer_from_an_ecmo_unit_but_not_from_the_centre(coordinator):
    page = logged_in(coordinator).get("/referrals/new/").content.decode()
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page)
    offered = {Hospital.objects.get(pk=int(pk)).code for pk, _name in options}
    assert {"SBCE", "UKCM", "SBMS"} <= offered
    assert "UKCL" not in offered  # the receiving centre does not refer to itself


def test_form_asks_kind_patient_reference_and_first_call(referrer):
    page = logged_in(referrer).get("/referrals/new/").content.decode()
    assert re.search(r'name="kind" value="primary"[^>]*checked', page)
    assert 'name="kind" value="secondary"' in page
    assert 'name="patient_reference"' in page and "Never sent by SMS" in page
    assert 'name="occurred_at" data-kind="datetime" type="datetime-local"' in page


def test_team_member_may_not_open_the_form(team_member):
    assert logged_in(team_member).get("/referrals/new/").status_code == 403


def test_form_needs_login():
    response = Client().get("/referrals/new/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.fixture
def mission_id(referrer_api, vv_referral) -> int:
    return referrer_api.post("/api/v1/referrals/", vv_referral, format="json").json()["mission_id"]


def test_referral_page_shows_status_and_values(referrer, mission_id):
    page = logged_in(referrer).get(f"/referrals/{mission_id}/").content.decode()
    assert 'id="referral-status">Requested<' in page
    assert 'data-field="peep_cmh2o"' in page
    assert f'"stream": "/ws/missions/{mission_id}/"' in page


def test_referral_page_of_another_hospital_is_404(mission_id):
    other = factories.make_referrer(factories.regional_hospital("SBIZ"))
    assert logged_in(other).get(f"/referrals/{mission_id}/").status_code == 404


def test_referral_page_shows_kind_and_patient_reference(referrer_api, referrer, vv_referral):
    body = {**vv_referral, "kind": "secondary", "patient_reference": "MRN-4711"}
    mission_id = referrer_api.post("/api/v1/referrals/", body, format="json").json()["mission_id"]
    page = logged_in(referrer).get(f"/referrals/{mission_id}/").content.decode()
    assert 'data-kind="secondary">Secondary: the patient is already on ECMO<' in page
    assert "<strong>MRN-4711</strong>" in page
