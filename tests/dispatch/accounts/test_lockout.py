"""Brute force: after LOGIN_FAILURE_LIMIT wrong passwords even the right one is refused, with a clear message."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.support import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery"


@pytest.fixture
def user(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = factories.make_coordinator()
    user.set_password(PASSWORD)
    user.save()
    return user


def _token(user, password: str, address: str = "10.0.0.7"):
    return APIClient().post(
        TOKEN_URL, {"username": user.username, "password": password}, format="json", REMOTE_ADDR=address
    )


def _fail_token_logins(user, times: int) -> None:
    """Wrong passwords: 400 each, except the one that reaches the limit, which is already the lockout."""
    for _ in range(times):
        assert _token(user, "wrong").status_code in {400, 429}


def test_right_password_still_works_below_the_limit(user):
    _fail_token_logins(user, 4)

    assert _token(user, PASSWORD).status_code == 200


def test_token_endpoint_locks_out_after_the_limit_with_a_clear_message(user):
    _fail_token_logins(user, 5)

    response = _token(user, PASSWORD)

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "Try again in 15 minutes" in response.json()["detail"]
    assert int(response["Retry-After"]) == 15 * 60


def test_lockout_is_per_user_and_address(user):
    """A hospital's staff share one address: one person's typos lock out only that person, there."""
    _fail_token_logins(user, 5)

    assert _token(user, PASSWORD, address="10.0.0.8").status_code == 200


def test_login_page_locks_out_after_the_limit_with_a_clear_message(user):
    client = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        assert client.post("/login/", {"username": user.username, "password": "wrong"}).status_code in {200, 429}

    response = client.post("/login/", {"username": user.username, "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
