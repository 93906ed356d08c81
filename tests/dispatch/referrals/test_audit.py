"""Who read which patient: every read of a referral's clinical data is logged, and listed for the DPO."""

from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import OperationalError
from django.test import Client

from dispatch.referrals.models import ClinicalRead
from tests.dispatch.referrals.test_referrals_api import referral_url, submit
from tests.support import factories
from tests.support.clients import api_client_for

pytestmark = pytest.mark.django_db

READS_URL = "/api/v1/clinical-reads/"


@pytest.fixture
def mission_id(referrer_api, vv_referral) -> int:
    """A mission with a referral; the submission's own read is logged too (and checked below)."""
    return submit(referrer_api, vv_referral)["mission_id"]


def _only_read() -> ClinicalRead:
    """The one read logged since the submission (the log is append-only: nothing can be cleared)."""
    (read,) = ClinicalRead.objects.exclude(endpoint="api.referral.create")
    return read


def test_submission_logs_the_submitters_read(referrer, mission_id):
    (read,) = ClinicalRead.objects.all()
    assert (read.user, read.mission_id, read.endpoint) == (referrer, mission_id, "api.referral.create")


def test_api_read_of_a_referral_is_logged_with_who_where_and_how(coordinator_api, mission_id):
    response = coordinator_api.get(
        referral_url(mission_id), HTTP_USER_AGENT="ECMO-Phone/2.1", REMOTE_ADDR="10.1.2.3"
    )

    assert response.status_code == 200
    read = _only_read()
    assert (read.user, read.mission_id, read.endpoint) == (coordinator_api.user, mission_id, "api.referral")
    assert (read.ip_address, read.user_agent, read.path) == ("10.1.2.3", "ECMO-Phone/2.1", referral_url(mission_id))


@pytest.mark.parametrize(
    "url, endpoint",
    [
        ("/api/v1/missions/{id}/referral/history/", "api.referral.history"),
        ("/api/v1/missions/{id}/", "api.mission"),
    ],
)
def test_other_api_reads_of_the_patient_are_logged(coordinator_api, mission_id, url, endpoint):
    assert coordinator_api.get(url.format(id=mission_id)).status_code == 200
    assert _only_read().endpoint == endpoint


@pytest.mark.parametrize("url, endpoint", [("/referrals/{id}/", "page.referral"), ("/missions/{id}/", "page.mission")])
def test_page_reads_of_the_patient_are_logged(coordinator, mission_id, url, endpoint):
    client = Client()
    client.force_login(coordinator)

    assert client.get(url.format(id=mission_id)).status_code == 200

    assert (_only_read().endpoint, _only_read().user) == (endpoint, coordinator)


def test_refused_read_is_not_logged(mission_id):
    outsider = api_client_for(factories.make_referrer(factories.regional_hospital("SBCE")))

    assert outsider.get(referral_url(mission_id)).status_code == 404
    assert not ClinicalRead.objects.exclude(endpoint="api.referral.create").exists()


def test_read_that_cannot_be_logged_shows_nothing(coordinator_api, mission_id):
    with mock.patch.object(ClinicalRead.objects, "create", side_effect=OperationalError("log is away")):
        response = coordinator_api.get(referral_url(mission_id))

    assert response.status_code == 503
    assert "pao2_mmhg" not in response.content.decode()


def test_the_log_is_append_only(coordinator_api, mission_id):
    coordinator_api.get(referral_url(mission_id))
    read = _only_read()

    with pytest.raises(TypeError):
        read.save()
    with pytest.raises(TypeError):
        ClinicalRead.objects.update(endpoint="page.mission")
    with pytest.raises(TypeError):
        read.delete()


# --- listing, for staff and the data protection officer ----------------------------------


def test_coordinator_without_the_permission_may_not_list_reads(coordinator_api, mission_id):
    assert coordinator_api.get(READS_URL).status_code == 403


def test_data_protection_officer_lists_reads_per_mission_and_per_user(
    coordinator_api, team_member_api, mission_id, vv_referral, referrer_api
):
    other = submit(referrer_api, vv_referral | {"patient_age": 60})["mission_id"]
    coordinator_api.get(referral_url(mission_id))
    coordinator_api.get(referral_url(other))
    dpo = factories.make_user()
    dpo.user_permissions.add(Permission.objects.get(codename="view_clinicalread"))
    dpo_api = api_client_for(dpo)

    per_mission = dpo_api.get(READS_URL, {"mission": mission_id}).json()["results"]
    per_user = dpo_api.get(READS_URL, {"user": coordinator_api.user.pk}).json()["results"]

    assert [(r["mission"]["id"], r["endpoint"]) for r in per_mission] == [
        (mission_id, "api.referral"),
        (mission_id, "api.referral.create"),
    ]
    assert [r["mission"]["id"] for r in per_user] == [other, mission_id]  # newest first
    assert per_user[0]["user"]["id"] == coordinator_api.user.pk


def test_staff_pages_through_the_log(coordinator_api, mission_id):
    for _ in range(3):
        coordinator_api.get(referral_url(mission_id))
    staff_api = api_client_for(factories.make_user(is_staff=True))

    first = staff_api.get(READS_URL, {"limit": 2, "endpoint": "api.referral"}).json()
    rest = staff_api.get(
        READS_URL, {"limit": 2, "endpoint": "api.referral", "before_id": first["next_before_id"]}
    ).json()

    assert len(first["results"]) == 2 and len(rest["results"]) == 1 and rest["next_before_id"] is None


def test_the_admin_shows_the_log_read_only(admin_client, coordinator_api, mission_id):
    coordinator_api.get(referral_url(mission_id))
    read = _only_read()

    assert admin_client.get(f"/admin/referrals/clinicalread/{read.pk}/change/").status_code == 200
    assert admin_client.get("/admin/referrals/clinicalread/add/").status_code == 403
    assert admin_client.post(f"/admin/referrals/clinicalread/{read.pk}/delete/").status_code == 403
