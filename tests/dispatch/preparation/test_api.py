"""GET/POST /api/v1/missions/<id>/preparation/: who may read and tick, per-field 400, 404, 409."""

import pytest

from dispatch.models import MissionStatus
from dispatch.preparation.models import PreparationItem, PreparationTick
from tests.dispatch.preparation.conftest import activated_mission
from tests.support import factories
from tests.support.clients import api_client_for
from tests.support.paging import end_mission

pytestmark = pytest.mark.django_db


@pytest.fixture
def mission(items, coordinator):
    return activated_mission(coordinator)


@pytest.fixture
def own_referrer_api(mission):
    return api_client_for(factories.make_referrer(mission.referring_hospital))


def _url(mission) -> str:
    return f"/api/v1/missions/{mission.pk}/preparation/"


def _id(key: str) -> int:
    return PreparationItem.objects.get(key=key).pk


def test_the_referring_hospital_reads_its_checklist(own_referrer_api, mission, items):
    body = own_referrer_api.get(_url(mission)).json()

    assert [line["key"] for line in body["items"]] == [i.key for i in items]
    assert (body["done"], body["total"], body["open"], body["may_tick"]) == (0, len(items), True, True)
    assert body["expected_arrival"] is not None and body["expected_arrival_basis"] == "planned"
    assert body["url"] == f"/missions/{mission.pk}/preparation/"


def test_the_referring_hospital_ticks_and_gets_the_whole_checklist_back(own_referrer_api, mission):
    response = own_referrer_api.post(_url(mission), {"item": _id("blood"), "done": True, "value": 4}, format="json")

    assert response.status_code == 200, response.json()
    blood = response.json()["items"][0]
    assert (blood["done"], blood["value"], response.json()["done"]) == (True, 4, 1)
    assert blood["ticked_by"] and blood["ticked_at"]


def test_another_hospitals_referrer_gets_404_for_read_and_tick(mission):
    stranger = api_client_for(factories.make_referrer(factories.regional_hospital("SBNM")))

    assert stranger.get(_url(mission)).status_code == 404
    assert stranger.post(_url(mission), {"item": _id("labs"), "done": True}, format="json").status_code == 404
    assert not PreparationTick.objects.filter(mission=mission, done=True).exists()


def test_the_team_sees_the_checklist_but_does_not_tick(mission):
    member = factories.make_team_member()
    factories.assign(mission, member)
    team = api_client_for(member)

    assert team.get(_url(mission)).json()["may_tick"] is False
    response = team.post(_url(mission), {"item": _id("labs"), "done": True}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_a_coordinator_may_tick_for_the_referrer(coordinator_api, mission):
    response = coordinator_api.post(_url(mission), {"item": _id("family"), "done": True}, format="json")

    assert response.status_code == 200
    assert response.json()["done"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"item": "blood", "done": True, "value": 2}, "item"),  # not an id
        ({"item": 999999, "done": True}, "item"),  # not on this checklist
        ({"item": "KEY:labs", "done": "perhaps"}, "done"),
        ({"item": "KEY:blood", "done": True}, "value"),  # the units are missing
        ({"item": "KEY:blood", "done": True, "value": "2,5"}, "value"),
        ({"item": "KEY:blood", "done": True, "value": 250}, "value"),
        ({"item": "KEY:chest_xray", "done": True, "value": 1}, "value"),  # takes no number
    ],
)
def test_a_wrong_tick_is_a_400_naming_the_field(own_referrer_api, mission, body, field):
    body = {k: _id(v[4:]) if isinstance(v, str) and v.startswith("KEY:") else v for k, v in body.items()}

    response = own_referrer_api.post(_url(mission), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not PreparationTick.objects.filter(mission=mission, done=True).exists()


def test_a_closed_mission_is_a_409(own_referrer_api, mission):
    end_mission(mission)

    response = own_referrer_api.post(_url(mission), {"item": _id("labs"), "done": True}, format="json")

    assert response.status_code == 409
    assert response.json()["current_status"] == MissionStatus.CANCELLED
    assert own_referrer_api.get(_url(mission)).json()["open"] is False


def test_a_mission_never_activated_has_no_checklist(coordinator_api, items):
    waiting = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    assert coordinator_api.get(f"/api/v1/missions/{waiting.pk}/preparation/").status_code == 404


def test_the_page_is_served_to_the_referrer_and_hidden_from_other_hospitals(client, mission):
    client.force_login(factories.make_referrer(mission.referring_hospital))
    page = client.get(f"/missions/{mission.pk}/preparation/")
    assert page.status_code == 200
    assert b"Cross-matched blood ready" in page.content

    client.force_login(factories.make_referrer(factories.regional_hospital("SBNM")))
    assert client.get(f"/missions/{mission.pk}/preparation/").status_code == 404
