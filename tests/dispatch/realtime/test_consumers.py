"""Live streams: who may connect, what they see, and that resuming loses and repeats nothing."""

from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from dispatch.models import MissionEvent, MissionStatus, Support
from dispatch.realtime.broadcast import BOARD_GROUP
from tests.dispatch.realtime.conftest import close_code, move, open_stream, receive
from tests.support import factories

S = MissionStatus


@pytest.fixture
def world(committed_db):
    """Two hospitals' missions, their referrers, a team member on mission A and one on no mission."""
    coordinator = factories.make_coordinator()
    sbms, sbce = factories.regional_hospital("SBMS"), factories.regional_hospital("SBCE")
    a = factories.MissionFactory(referring_hospital=sbms, status=S.TEAM_READY, support=Support.VA)
    b = factories.MissionFactory(referring_hospital=sbce, status=S.TEAM_READY)
    closed = factories.MissionFactory(referring_hospital=sbms, status=S.COMPLETED)
    member = factories.make_team_member()
    factories.assign(a, member)
    return SimpleNamespace(
        coordinator=coordinator,
        a=a,
        b=b,
        closed=closed,
        member=member,
        idle_member=factories.make_team_member(),
        referrer_a=factories.make_referrer(sbms),
        referrer_b=factories.make_referrer(sbce),
    )


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


# --- who may connect ---------------------------------------------------------------------

async def test_no_credentials_is_closed_4401(world):
    communicator = await open_stream("/ws/board/", headers=[(b"origin", b"http://127.0.0.1")])
    assert await close_code(communicator) == 4401


async def test_unknown_token_is_closed_4401(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, token="not-a-token")
    assert await close_code(communicator) == 4401


@pytest.mark.parametrize("who", ["member", "referrer_a"])
async def test_board_is_for_coordinators_only(world, who):
    communicator = await open_stream("/ws/board/", getattr(world, who))
    assert await close_code(communicator) == 4403


@pytest.mark.parametrize("who", ["referrer_b", "idle_member"])
async def test_mission_stream_refuses_who_may_not_see_it(world, who):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, getattr(world, who))
    assert await close_code(communicator) == 4403


async def test_authorization_header_token_is_accepted(world):
    from tests.dispatch.realtime.conftest import token_for

    key = await token_for(world.coordinator)
    communicator = await open_stream("/ws/board/", headers=[(b"authorization", f"Token {key}".encode())])
    assert (await receive(communicator))["type"] == "snapshot"
    await communicator.disconnect()


async def test_session_cookie_from_own_origin_is_accepted(world):
    key = await sync_to_async(_session_cookie)(world.coordinator)
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", f"sessionid={key}".encode())]
    communicator = await open_stream("/ws/board/", headers=headers)
    assert (await receive(communicator))["type"] == "snapshot"
    await communicator.disconnect()


async def test_session_cookie_from_foreign_origin_is_refused(world):
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    key = await sync_to_async(_session_cookie)(world.coordinator)
    headers = [(b"origin", b"http://evil.example"), (b"cookie", f"sessionid={key}".encode())]
    communicator = WebsocketCommunicator(application, "/ws/board/", headers=headers)
    connected, _ = await communicator.connect(timeout=3)
    assert not connected


# --- snapshot -------------------------------------------------------------------------------

async def test_board_snapshot_has_open_missions_coverage_travel_and_sequence(world):
    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    communicator = await open_stream("/ws/board/", world.coordinator)

    snapshot = await receive(communicator)

    assert snapshot["type"] == "snapshot" and snapshot["reason"] == "connect"
    assert snapshot["sequence"] == await sync_to_async(lambda: MissionEvent.objects.get().sequence)()
    by_id = {m["id"]: m for m in snapshot["missions"]}
    assert set(by_id) == {world.a.pk, world.b.pk}  # the completed mission is not on the board
    a = by_id[world.a.pk]
    assert a["status"] == S.TEAM_READY and a["support"] == Support.VA
    assert a["coverage"][world.member.profile.team_role]["state"] == "accepted"
    assert a["travel"]["outbound"]["destination"] == "SBMS" and a["travel"]["outbound"]["recommended"]
    assert a["travel"]["return"]["origin"] == "SBMS"
    assert by_id[world.b.pk]["phase_times"]["departed_at"] is not None
    await communicator.disconnect()


async def test_mission_snapshot_holds_only_that_mission(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.referrer_a)

    snapshot = await receive(communicator)

    assert [m["id"] for m in snapshot["missions"]] == [world.a.pk]
    await communicator.disconnect()


# --- live -----------------------------------------------------------------------------------

async def test_transition_arrives_live_with_sequence_and_current_summary(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    snapshot = await receive(communicator)

    result = await move(world.a, S.EN_ROUTE_OUT, world.member)

    message = await receive(communicator)
    assert message["type"] == "mission.event"
    assert message["sequence"] == result.event.sequence == snapshot["sequence"] + 1
    assert (message["mission_id"], message["from_status"], message["to_status"]) == (
        world.a.pk, S.TEAM_READY, S.EN_ROUTE_OUT
    )
    assert message["mission"]["status"] == S.EN_ROUTE_OUT
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_referrer_never_receives_another_hospitals_mission(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.referrer_a)
    await receive(communicator)

    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    mine = await move(world.a, S.EN_ROUTE_OUT, world.coordinator)

    message = await receive(communicator)
    assert (message["mission_id"], message["sequence"]) == (world.a.pk, mine.event.sequence)
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_team_member_receives_only_their_mission(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.member)
    await receive(communicator)

    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    await move(world.a, S.EN_ROUTE_OUT, world.member)

    assert (await receive(communicator))["mission_id"] == world.a.pk
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_lost_broadcast_is_caught_up_from_the_database(world, settings):
    """The channel layer may drop a message; the periodic catch-up still delivers the event."""
    settings.REALTIME_CATCH_UP_SECONDS = 0.2
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    @sync_to_async
    def move_without_broadcast():
        from unittest import mock

        with mock.patch("dispatch.realtime.broadcast.send_event"):
            return move.__wrapped__(world.a, S.EN_ROUTE_OUT, world.coordinator)

    result = await move_without_broadcast()

    while (message := await receive(communicator))["type"] == "heartbeat":
        pass  # polls before the event, and the first look that gives the broadcast its grace
    assert (message["type"], message["sequence"]) == ("mission.event", result.event.sequence)
    await communicator.disconnect()


# --- malformed frames: an error reply, and the stream carries on --------------------------

MALFORMED_FRAMES = {
    "not_json": ({"text_data": "resume after 12"}, "invalid_json"),
    "binary": ({"bytes_data": b'{"type": "ping"}'}, "binary_frame"),
    # As deep as the size limit allows: refused by the depth limit, never a crash.
    "nested_as_deep_as_fits": ({"text_data": "[" * 2048 + "]" * 2048}, "too_deep"),
    # Deeper than any message we know, though parseable: refused before anything reads into it.
    "nested_too_deep": ({"text_data": '{"type": "ping", "x": ' + "[" * 50 + "]" * 50 + "}"}, "too_deep"),
    "too_large": ({"text_data": '{"type": "ping", "pad": "' + "x" * 10_000 + '"}'}, "frame_too_large"),
    "huge_and_nested": ({"text_data": "[" * 100_000 + "]" * 100_000}, "frame_too_large"),
}


@pytest.mark.parametrize("frame", MALFORMED_FRAMES)
async def test_malformed_frame_gets_an_error_and_the_connection_stays_open(world, frame):
    data, code = MALFORMED_FRAMES[frame]
    communicator = await open_stream("/ws/board/", world.coordinator)
    snapshot = await receive(communicator)

    await communicator.send_to(**data)

    assert (await receive(communicator))["code"] == code
    await communicator.send_json_to({"type": "ping"})
    assert await receive(communicator) == {"type": "pong", "sequence": snapshot["sequence"]}
    await communicator.disconnect()


async def test_nested_type_is_named_briefly_in_the_error(world):
    nested: dict = {"type": {"type": "x" * 1000}}
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    await communicator.send_json_to(nested)

    error = await receive(communicator)
    assert error["code"] == "unknown_type" and len(error["detail"]) < 100
    await communicator.disconnect()


# --- resume ----------------------------------------------------------------------------------

async def _events_in(mission_ids, after):
    return await sync_to_async(
        lambda: list(
            MissionEvent.objects.filter(mission_id__in=mission_ids, sequence__gt=after)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
    )()


async def test_resume_replays_from_the_database_then_goes_live_without_gap_or_duplicate(world):
    first = await move(world.a, S.EN_ROUTE_OUT, world.member)
    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    await move(world.a, S.ON_SITE, world.member)
    communicator = await open_stream("/ws/board/", world.coordinator)
    snapshot = await receive(communicator)
    # Live events land before the client's resume is read: they must not come twice.
    await move(world.b, S.ON_SITE, world.coordinator)
    await move(world.a, S.CANNULATING, world.member)

    await communicator.send_json_to({"type": "resume", "after": first.event.sequence})
    received, resumed = [], None
    while resumed is None:
        message = await receive(communicator)
        if message["type"] == "resumed":
            resumed = message
        else:
            received.append(message["sequence"])
    last = await move(world.b, S.CANNULATING, world.coordinator)
    received.append((await receive(communicator))["sequence"])

    everything = await _events_in([world.a.pk, world.b.pk], first.event.sequence)
    assert sorted(received) == everything  # no gap
    assert len(received) == len(set(received))  # no duplicate
    assert resumed["sequence"] >= snapshot["sequence"] and received[-1] == last.event.sequence
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_resume_on_connect_url_replays_in_order(world):
    first = await move(world.a, S.EN_ROUTE_OUT, world.member)
    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    second = await move(world.a, S.ON_SITE, world.member)

    communicator = await open_stream("/ws/missions/%d/?after=%d" % (world.a.pk, first.event.sequence - 1), world.member)

    assert (await receive(communicator))["type"] == "snapshot"
    replayed = [(await receive(communicator))["sequence"] for _ in range(2)]
    assert replayed == [first.event.sequence, second.event.sequence]
    resumed = await receive(communicator)
    assert resumed["type"] == "resumed" and resumed["replayed"] == 2
    await communicator.disconnect()


async def test_mission_stream_resume_skips_other_missions_numbers(world):
    """Sequence numbers are global: a mission stream sees gaps that are not losses."""
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.referrer_a)
    snapshot = await receive(communicator)
    await move(world.a, S.EN_ROUTE_OUT, world.member)
    await move(world.b, S.EN_ROUTE_OUT, world.coordinator)
    await receive(communicator)

    await communicator.send_json_to({"type": "resume", "after": snapshot["sequence"]})

    resumed = await receive(communicator)
    assert resumed["type"] == "resumed" and resumed["replayed"] == 0  # B's event is not A's
    await communicator.disconnect()


async def test_resume_too_far_behind_gets_a_fresh_snapshot(world, settings):
    settings.REALTIME_RESUME_MAX_EVENTS = 2
    start = await move(world.a, S.EN_ROUTE_OUT, world.member)
    for to in (S.ON_SITE, S.CANNULATING, S.ON_ECMO):
        await move(world.a, to, world.member)
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    await communicator.send_json_to({"type": "resume", "after": start.event.sequence - 1})

    snapshot = await receive(communicator)
    assert snapshot["type"] == "snapshot" and snapshot["reason"] == "resume_too_old"
    assert {m["id"]: m["status"] for m in snapshot["missions"]}[world.a.pk] == S.ON_ECMO
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_resume_beyond_the_current_sequence_gets_a_fresh_snapshot(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    snapshot = await receive(communicator)

    await communicator.send_json_to({"type": "resume", "after": snapshot["sequence"] + 100})

    assert (await receive(communicator))["reason"] == "resume_unknown"
    await communicator.disconnect()


async def test_malformed_resume_is_answered_with_an_error(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    await communicator.send_json_to({"type": "resume", "after": "soon"})

    assert (await receive(communicator))["code"] == "invalid_resume"
    await communicator.disconnect()


async def test_next_event_is_forwarded_as_broadcast_without_a_database_read(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    snapshot = await receive(communicator)
    position = snapshot["sequence"]
    ready_made = {"type": "mission.event", "sequence": position + 1, "mission": {"marker": "from the broadcast"}}

    await get_channel_layer().group_send(BOARD_GROUP, {"type": "mission.event", "event": ready_made, "after": position})

    # No such event is in the database: only forwarding can deliver it.
    assert await receive(communicator) == ready_made
    await communicator.disconnect()


async def test_the_ready_text_in_the_streams_language_is_forwarded_as_it_is(world):
    """One encoding per language per event, not one per connection: the text goes out unchanged."""
    communicator = await open_stream("/ws/board/", world.coordinator)
    position = (await receive(communicator))["sequence"]
    texts = {
        language: '{"type": "mission.event", "sequence": %d, "mission": {"marker": "%s"}}' % (position + 1, language)
        for language in ("sl", "en")
    }

    await get_channel_layer().group_send(
        BOARD_GROUP, {"type": "mission.event", "sequence": position + 1, "texts": texts, "after": position}
    )

    assert (await communicator.receive_output(timeout=3))["text"] == texts["en"]  # the suite's page language
    await communicator.disconnect()


async def test_broadcast_after_a_lost_one_is_read_from_the_database_in_order(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    @sync_to_async
    def move_without_broadcast():
        from unittest import mock

        with mock.patch("dispatch.realtime.broadcast.send_event"):
            return move.__wrapped__(world.a, S.EN_ROUTE_OUT, world.coordinator)

    lost = await move_without_broadcast()
    delivered = await move(world.a, S.ON_SITE, world.coordinator)

    first, second = await receive(communicator), await receive(communicator)
    assert [first["sequence"], second["sequence"]] == [lost.event.sequence, delivered.event.sequence]
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
