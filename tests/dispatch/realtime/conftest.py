"""Consumer tests: the real ASGI app (token/session auth, routing) on the real Redis channel layer."""

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from config.asgi import application
from dispatch.models import EventSource, Mission
from dispatch.services.missions import transition_mission
from tests.support.missions import facts_for

TIMEOUT = 3


@pytest.fixture(autouse=True)
def _realtime_settings(settings):
    # No heartbeat in the middle of a test unless a test asks for one.
    settings.REALTIME_CATCH_UP_SECONDS = 60
    settings.REALTIME_LIVE_GRACE_SECONDS = 0.3  # a poll's second look, well inside TIMEOUT
    settings.REALTIME_RESUME_MAX_EVENTS = 500


@pytest.fixture(autouse=True)
def _redis_layer():
    layer = get_channel_layer()
    assert layer.__class__.__name__ == "RedisChannelLayer", "consumer tests need REDIS_URL (real Redis layer)"


@sync_to_async
def token_for(user) -> str:
    return Token.objects.get_or_create(user=user)[0].key


async def open_stream(path: str, user=None, *, token: str | None = None, headers=None) -> WebsocketCommunicator:
    """Connect with the user's DRF token (query string) and return the communicator (accepted)."""
    if user is not None:
        token = await token_for(user)
    if token is not None:
        path = f"{path}{'&' if '?' in path else '?'}token={token}"
    communicator = WebsocketCommunicator(application, path, headers=headers or [])
    connected, _subprotocol = await communicator.connect(timeout=TIMEOUT)
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator) -> dict:
    return await communicator.receive_json_from(timeout=TIMEOUT)


async def close_code(communicator: WebsocketCommunicator) -> int:
    message = await communicator.receive_output(timeout=TIMEOUT)
    assert message["type"] == "websocket.close", message
    return message.get("code")


@sync_to_async
def move(mission, to_status: str, actor, **kwargs):
    """A committed transition (the broadcast goes out on commit, as in production), with the facts it needs."""
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    kwargs = {**facts_for(current, to_status), **kwargs}
    return transition_mission(mission_id=mission.pk, to_status=to_status, actor=actor, source=EventSource.API, **kwargs)
