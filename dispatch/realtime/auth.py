"""Who is on the other end of a WebSocket: a DRF token (phones, scripts) or the session cookie (pages).

Token clients (`?token=...` or an `Authorization: Token ...` header) skip the Origin check: a
token cannot be ridden by another web site, and native clients send no Origin. Cookie clients
go through the Origin check (cross-site WebSocket hijacking) and the session, as usual.
"""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser

from dispatch.accounts import tokens


def token_from_scope(scope) -> str | None:
    """The token a client sent, or None when it sent none (an empty token is still a token)."""
    # keep_blank_values: `?token=` is an (empty) token, closed with 4401 after accept, not an HTTP 403.
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if "token" in query:
        return query["token"][0].strip()
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            kind, _sep, key = value.decode("latin-1").partition(" ")
            if kind.lower() == "token":
                return key.strip()
    return None


@database_sync_to_async
def user_for_token(key: str):
    """The token's user; anonymous for an empty, unknown or expired token or an inactive user."""
    return tokens.user_for_token(key) or AnonymousUser()


class TokenOrSessionAuth:
    """ASGI middleware: token clients go straight to `inner`; the rest through Origin check + session."""

    def __init__(self, inner) -> None:
        self.token_app = inner
        self.session_app = AllowedHostsOriginValidator(AuthMiddlewareStack(inner))

    async def __call__(self, scope, receive, send):
        key = token_from_scope(scope)
        if key is None:
            return await self.session_app(scope, receive, send)
        user = await user_for_token(key)
        # The key stays in the scope: the stream re-checks it later (expired, revoked).
        return await self.token_app({**scope, "user": user, "auth": "token", "token_key": key}, receive, send)
