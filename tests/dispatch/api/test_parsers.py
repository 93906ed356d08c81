"""Deeply nested JSON is the client's error (400 with a reason), never a 500 or a debug page."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def _post(client: APIClient, path: str, body: str):
    return client.generic("POST", path, body, content_type="application/json")


def test_deep_json_to_the_token_endpoint_anonymously_is_a_400():
    response = _post(APIClient(), "/api/v1/auth/token/", DEEP)

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_deep_json_to_the_missions_endpoint_is_a_400(coordinator_api):
    response = _post(coordinator_api, "/api/v1/missions/", DEEP)

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_json_nested_past_the_limit_but_parseable_is_refused(coordinator_api, settings):
    settings.API_JSON_MAX_DEPTH = 5
    body = '{"note": ' + "[" * 6 + "]" * 6 + "}"

    response = _post(coordinator_api, "/api/v1/missions/", body)

    assert response.status_code == 400
    assert "more than 5 levels" in response.json()["detail"]


def test_deep_json_to_a_roster_endpoint_is_a_400(coordinator_api):
    response = _post(coordinator_api, "/api/v1/shifts/", DEEP)

    assert response.status_code == 400
