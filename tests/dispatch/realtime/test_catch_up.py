"""The catch-up poll: nothing new costs no query; a missed event, a lost marker or a lost ring is still caught."""

import asyncio
from contextlib import asynccontextmanager
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dispatch.models import MissionStatus
from dispatch.realtime import markers
from dispatch.realtime.broadcast import send_event, user_group
from tests.dispatch.realtime.conftest import close_code, move, open_stream, receive
from tests.support import factories

S = MissionStatus


@pytest.fixture
async def world(committed_db):
    # Markers left by earlier tests may be ahead of this test's fresh sequence: start without any.
    await get_channel_layer().flush()
    coordinator = await sync_to_async(factories.make_coordinator)()
    mission = await sync_to_async(factories.MissionFactory)(status=S.TEAM_READY)
    return SimpleNamespace(coordinator=coordinator, mission=mission)


@asynccontextmanager
async def queries_of_the_streams():
    """The queries consumers run: `database_sync_to_async` runs them all on one thread, read there."""
    capture = CaptureQueriesContext(connection)
    queries: list[dict] = []
    await sync_to_async(capture.__enter__)()
    try:
        yield queries
    finally:

        def finish() -> None:
            capture.__exit__(None, None, None)
            queries.extend(capture.captured_queries)

        await sync_to_async(finish)()


async def poll(user) -> None:
    """Ring the catch-up poll of the user's streams now, as their own timer does."""
    await get_channel_layer().group_send(user_group(user.pk), {"type": "realtime.poll"})


@sync_to_async
def move_without_broadcast(mission, to_status, actor):
    """A committed transition whose broadcast the channel layer lost."""
    with mock.patch("dispatch.realtime.broadcast.send_event"):
        return move.__wrapped__(mission, to_status, actor)


async def test_a_poll_that_finds_nothing_new_costs_no_query(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)
    live = await move(world.mission, S.EN_ROUTE_OUT, world.coordinator)
    assert (await receive(communicator))["sequence"] == live.event.sequence

    async with queries_of_the_streams() as queries:
        await poll(world.coordinator)
        heartbeat = await receive(communicator)

    assert (heartbeat["type"], heartbeat["sequence"], queries) == ("heartbeat", live.event.sequence, [])
    await communicator.disconnect()


async def test_a_poll_after_a_missed_broadcast_delivers_the_event_after_the_grace(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)
    missed = await move_without_broadcast(world.mission, S.EN_ROUTE_OUT, world.coordinator)

    await poll(world.coordinator)

    assert (await receive(communicator))["type"] == "heartbeat"  # the first look: it may still come live
    message = await receive(communicator)  # the second look, a grace later: it never came
    assert (message["type"], message["sequence"]) == ("mission.event", missed.event.sequence)
    await communicator.disconnect()


async def test_a_poll_while_the_broadcast_is_on_its_way_leaves_the_event_to_it(world, settings):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)
    held: dict = {}
    hold = mock.patch("dispatch.realtime.broadcast.send_event", side_effect=lambda i, **kw: held.update(kw, id=i))
    with hold:  # committed and its marker raised; the broadcast is still on its way
        moved = await move(world.mission, S.EN_ROUTE_OUT, world.coordinator)

    async with queries_of_the_streams() as queries:
        await poll(world.coordinator)
        assert (await receive(communicator))["type"] == "heartbeat"
        await asyncio.to_thread(_broadcast, held)  # it arrives, within the grace
        live = await receive(communicator)
        assert await communicator.receive_nothing(timeout=3 * settings.REALTIME_LIVE_GRACE_SECONDS)

    assert (live["type"], live["sequence"], "mission" in live) == ("mission.event", moved.event.sequence, True)
    assert [q["sql"] for q in queries if "dispatch_missionevent" in q["sql"]] == []  # the stream never read it
    await communicator.disconnect()


def _broadcast(held: dict) -> None:
    """The held broadcast, from a thread of its own (its queries are not the streams')."""
    try:
        send_event(held.pop("id"), **held)
    finally:
        connection.close()


async def test_raising_a_marker_to_its_own_value_renews_its_lease(world):
    layer = get_channel_layer()
    await markers.raise_groups(layer, {"board": 7})
    key = f"{layer.prefix}:marker:group:board"
    redis = layer.connection(layer.consistent_hash(key))
    await redis.expire(key, 2)  # nearly run out

    await markers.raise_groups(layer, {"board": 7})  # a stream read the database up to 7

    assert await redis.ttl(key) > 2 and await markers.newest_in_group(layer, "board") == 7


async def test_a_poll_after_redis_lost_its_markers_reads_the_database(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)
    missed = await move_without_broadcast(world.mission, S.EN_ROUTE_OUT, world.coordinator)
    layer = get_channel_layer()
    # Redis flushed: the marker the commit raised is gone (the stream's own group survives, for the poll's ring).
    redis = layer.connection(0)
    await redis.delete(*await redis.keys(f"{layer.prefix}:marker:*"))

    await poll(world.coordinator)

    assert (await receive(communicator))["sequence"] == missed.event.sequence
    await communicator.disconnect()


async def test_a_mission_stream_poll_that_finds_nothing_new_reads_no_event(world):
    communicator = await open_stream("/ws/missions/%d/" % world.mission.pk, world.coordinator)
    await receive(communicator)
    await move(world.mission, S.EN_ROUTE_OUT, world.coordinator)
    await receive(communicator)

    async with queries_of_the_streams() as queries:
        await poll(world.coordinator)
        assert (await receive(communicator))["type"] == "heartbeat"

    # Only its access is asked again (token, roles, visibility); no event is read.
    assert not [q for q in queries if "dispatch_missionevent" in q["sql"] or "eventsequence" in q["sql"]]
    await communicator.disconnect()


async def test_a_lost_ring_still_closes_the_board_on_its_next_poll(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)
    layer = get_channel_layer()
    with mock.patch.object(layer, "group_send", mock.AsyncMock()):  # the `user.changed` ring is lost
        await sync_to_async(lambda: Token.objects.filter(user=world.coordinator).delete())()

    await poll(world.coordinator)

    assert await close_code(communicator) == 4401


async def test_a_token_that_expires_while_connected_closes_the_board_on_a_poll(world, settings):
    settings.API_TOKEN_TTL_H = 1
    settings.REALTIME_CATCH_UP_SECONDS = 0.2  # the stream's own timer
    token = await sync_to_async(Token.objects.create)(user=world.coordinator)
    # It expires a moment after the stream has connected.
    soon = timezone.now() - timedelta(hours=1) + timedelta(seconds=1.5)
    await sync_to_async(lambda: Token.objects.filter(pk=token.pk).update(created=soon))()
    communicator = await open_stream("/ws/board/", token=token.key)
    await receive(communicator)

    while (message := await communicator.receive_output(timeout=3))["type"] != "websocket.close":
        assert '"heartbeat"' in message["text"]  # quiet polls until the token's expiry has come

    assert message["code"] == 4401
