"""Who may ask is answered before what the state allows (403 before 409), and a referrer
never chooses the team."""

import pytest

from dispatch.models import Mission, MissionStatus
from tests.dispatch.api.test_missions_api import referral
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_a_referrer_naming_the_team_roles_is_refused_with_403(referrer_api):
    response = referrer_api.post("/api/v1/missions/", referral(required_roles=["driver"]), format="json")

    assert response.status_code == 403
    assert "required_roles" in response.json()["detail"]
    assert not Mission.objects.exists()


def test_a_coordinator_still_chooses_the_team_roles(coordinator_api):
    body = referral(required_roles=["ecmo_physician"], referring_hospital=factories.regional_hospital("SBMS").pk)

    response = coordinator_api.post("/api/v1/missions/", body, format="json")

    assert response.status_code == 201
    assert Mission.objects.get().required_roles == ["ecmo_physician"]


def test_a_referrer_asking_a_coordinator_move_the_state_forbids_gets_403_without_allowed_moves(referrer, referrer_api):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED, referring_hospital=referrer.profile.hospital)

    response = referrer_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "team_ready"}, format="json")

    assert response.status_code == 403
    assert "allowed" not in response.json()
