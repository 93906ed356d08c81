"""Error pages: a person gets a page with a way back; an API client still gets JSON."""

import pytest
from django.template.loader import render_to_string

from dispatch.models import MissionStatus
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def _client(client, user):
    client.force_login(user)
    return client


def test_unknown_page_answers_404_with_the_way_back(client, coordinator):
    response = _client(client, coordinator).get("/no-such-page/")

    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert 'id="error-home" href="/"' in body and "Page not found" in body


def test_a_page_the_user_may_not_open_answers_403_with_the_way_back(client, referrer):
    response = _client(client, referrer).get("/board/")

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert 'id="error-home" href="/"' in response.content.decode()


def test_unknown_api_address_stays_json(client, coordinator):
    response = _client(client, coordinator).get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_api_view_404_stays_json(coordinator_api):
    response = coordinator_api.get("/api/v1/missions/999999/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_api_view_403_stays_json(team_member, team_member_api):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    factories.assign(mission, team_member)

    response = team_member_api.post(f"/api/v1/missions/{mission.pk}/transitions/", {"to": "team_activated"},
                                    format="json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_server_error_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        body = render_to_string("500.html")

    assert 'id="error-home" href="/"' in body and "Something went wrong" in body
    assert "<style" not in body and "style=" not in body


def test_bad_request_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        body = render_to_string("400.html")

    assert 'id="error-home" href="/"' in body and "Bad request" in body
