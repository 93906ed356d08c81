"""The mission list's ready JSON (dispatch/api/mission_list.py): cheap when unchanged, never stale, never shared
beyond what the caller may see."""

import json

import pytest
from django.core.cache import cache

from dispatch import presenters, selectors
from dispatch.models import MissionStatus
from tests.support import factories
from tests.support.missions import transition_body

pytestmark = pytest.mark.django_db

ACTIVE = "/api/v1/missions/?active=1"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The list cache is process-local and outlives a test: each test starts without it."""
    cache.clear()
    yield
    cache.clear()


def _advance(api, mission, from_status, to_status):
    response = api.post(
        f"/api/v1/missions/{mission.pk}/transitions/", transition_body(from_status, to_status), format="json"
    )
    assert response.status_code == 200, response.data


def test_an_unchanged_list_costs_one_query(coordinator_api, django_assert_num_queries):
    factories.MissionFactory.create_batch(3, status=MissionStatus.ON_SITE)
    coordinator_api.get(ACTIVE)

    # The list's version only (the test client's user keeps its roles); nothing is presented again.
    with django_assert_num_queries(1):
        response = coordinator_api.get(ACTIVE)

    assert response.status_code == 200


def test_the_list_sent_is_the_presenters_output(coordinator_api, coordinator):
    factories.MissionFactory.create_batch(3, status=MissionStatus.ON_SITE)
    coordinator_api.get(ACTIVE)  # the second answer comes from the cache

    body = json.loads(coordinator_api.get(ACTIVE).content)

    missions = selectors.mission_list(user=coordinator, active=True)
    expected = json.loads(json.dumps(list(presenters.mission_summaries(missions).values())))
    assert body == expected


def test_a_transition_shows_in_the_next_poll(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)
    factories.assign(mission, factories.make_team_member())
    coordinator_api.get(ACTIVE)

    _advance(coordinator_api, mission, "team_ready", "en_route_out")

    assert [m["status"] for m in coordinator_api.get(ACTIVE).data] == ["en_route_out"]


def test_a_mission_leaving_the_active_list_leaves_the_next_poll(coordinator_api):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    coordinator_api.get(ACTIVE)

    _advance(coordinator_api, mission, "requested", "under_review")
    _advance(coordinator_api, mission, "under_review", "declined")

    assert coordinator_api.get(ACTIVE).data == []


def test_a_referrer_never_gets_missions_a_coordinator_cached(coordinator_api, referrer_api):
    own = factories.MissionFactory(status=MissionStatus.ON_SITE, referring_hospital=factories.regional_hospital("SBMS"))
    factories.MissionFactory(status=MissionStatus.ON_SITE, referring_hospital=factories.regional_hospital("SBIZ"))
    coordinator_api.get(ACTIVE)

    assert [m["id"] for m in referrer_api.get(ACTIVE).data] == [own.pk]


def test_a_team_member_sees_a_mission_in_the_poll_after_joining_it(coordinator_api, team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)
    assert team_member_api.get(ACTIVE).data == []
    coordinator_api.get(ACTIVE)

    factories.assign(mission, team_member)

    assert [m["id"] for m in team_member_api.get(ACTIVE).data] == [mission.pk]


def test_each_language_gets_its_own_labels(coordinator_api):
    factories.MissionFactory(status=MissionStatus.ON_SITE)
    english = coordinator_api.get(ACTIVE, HTTP_ACCEPT_LANGUAGE="en").data[0]["status_label"]

    slovene = coordinator_api.get(ACTIVE, HTTP_ACCEPT_LANGUAGE="sl").data[0]["status_label"]

    assert slovene != english


def test_json_clients_get_the_bytes_as_json(coordinator_api):
    factories.MissionFactory(status=MissionStatus.ON_SITE)

    response = coordinator_api.get(ACTIVE, HTTP_ACCEPT="application/json")

    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)[0]["status"] == "on_site"


def test_the_browsable_api_still_renders_the_list(coordinator_api):
    factories.MissionFactory(status=MissionStatus.ON_SITE)

    response = coordinator_api.get(ACTIVE, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
