"""API tokens that expire, and who is (still) behind a token or a session.

DRF's `Token` has no expiry of its own: a token older than `API_TOKEN_TTL_H` hours counts as
gone (401), and obtaining a token again replaces it. The live streams use the same checks to
decide, at connect and again later, whether their client is still logged in.
"""

from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def expires_at(token: Token) -> datetime:
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_H)


def is_expired(token: Token) -> bool:
    return expires_at(token) <= timezone.now()


def fresh_token(user) -> Token:
    """The user's token, a new one when the old one has expired (one token per user, as in DRF)."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and is_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def revoke_tokens(user_id: int) -> int:
    """Delete every token of the user (the delete signal closes their token sockets); how many."""
    deleted, _by_model = Token.objects.filter(user_id=user_id).delete()
    return deleted


def user_for_token(key: str | None):
    """The active user behind an unexpired token, read now; None otherwise (one query)."""
    login = login_for_token(key)
    return None if login is None else login[0]


def login_for_token(key: str | None) -> tuple[Any, datetime] | None:
    """The active user behind an unexpired token and when the token expires, read now (one query).

    A live stream that knows the expiry need not ask again before then (unless told the login changed).
    """
    if not key:
        return None
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or is_expired(token) or not token.user.is_active:
        return None
    return token.user, expires_at(token)


def user_for_session(session_key: str | None):
    """The user a stored session is still logged in as, read now; None if logged out or invalidated.

    The same checks as `django.contrib.auth.get_user`: the backend accepts the user (active), and
    the session's hash still matches the password (a password change logs other sessions out).
    """
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id = get_user_model()._meta.pk.to_python(store[SESSION_KEY])
        backend_path = store[BACKEND_SESSION_KEY]
    except KeyError:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return None
    if not constant_time_compare(store.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()):
        return None
    return user


def session_expires_at(session_key: str | None) -> datetime | None:
    """When a stored session ends, for a store that keeps it in the database (one query); else None."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    model = getattr(store, "model", None)
    if not session_key or model is None:
        return None
    return model.objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF token authentication with an expiry: an expired token is a 401, like a wrong one."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_expired(token):
            raise exceptions.AuthenticationFailed(_("Token has expired; obtain a new one."))
        return user, token
