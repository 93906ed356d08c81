"""API tokens: they expire, can be revoked, and die with a password change or a deactivation."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.support import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "correct horse battery"


@pytest.fixture
def user():
    user = factories.make_coordinator()
    user.set_password(PASSWORD)
    user.save()
    return user


def _with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _age(token: Token, hours: float) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=hours))


def test_login_answers_a_token_and_when_it_expires(user, settings):
    settings.API_TOKEN_TTL_H = 12
    body = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json").json()

    created = Token.objects.get(key=body["token"]).created
    assert body["expires_at"] == (created + timedelta(hours=12)).isoformat().replace("+00:00", "Z")


def test_expired_token_is_a_401(user, settings):
    settings.API_TOKEN_TTL_H = 12
    token = Token.objects.create(user=user)
    _age(token, 13)

    response = _with_token(token.key).get("/api/v1/me/")

    assert response.status_code == 401


def test_token_within_its_lifetime_works(user, settings):
    settings.API_TOKEN_TTL_H = 12
    token = Token.objects.create(user=user)
    _age(token, 11)

    assert _with_token(token.key).get("/api/v1/me/").status_code == 200


def test_logging_in_again_replaces_an_expired_token(user, settings):
    settings.API_TOKEN_TTL_H = 12
    old = Token.objects.create(user=user)
    _age(old, 13)

    body = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json").json()

    assert body["token"] != old.key
    assert _with_token(body["token"]).get("/api/v1/me/").status_code == 200


def test_revoke_deletes_the_callers_token(user):
    token = Token.objects.create(user=user)
    client = _with_token(token.key)

    assert client.post("/api/v1/auth/token/revoke/").status_code == 200

    assert not Token.objects.filter(user=user).exists()
    assert client.get("/api/v1/me/").status_code == 401


def test_password_change_deletes_the_users_tokens(user):
    token = Token.objects.create(user=user)

    user.set_password("a new long passphrase")
    user.save()

    assert _with_token(token.key).get("/api/v1/me/").status_code == 401


def test_deactivation_deletes_the_users_tokens(user):
    Token.objects.create(user=user)

    user.is_active = False
    user.save()

    assert not Token.objects.filter(user=user).exists()


def test_other_saves_keep_the_token(user):
    token = Token.objects.create(user=user)

    user.first_name = "Ana"
    user.save()

    assert _with_token(token.key).get("/api/v1/me/").status_code == 200
