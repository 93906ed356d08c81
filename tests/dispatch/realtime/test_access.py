"""Permission is re-checked after connect: lost visibility, a changed login or a revoked token close the stream."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async as sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token

from dispatch.models import MissionAssignment, MissionStatus, Role
from tests.dispatch.realtime.conftest import close_code, move, open_stream, receive, token_for
from tests.dispatch.realtime.test_consumers import _session_cookie
from tests.support import factories

S = MissionStatus


@pytest.fixture
def world(committed_db):
    coordinator = factories.make_coordinator()
    sbms = factories.regional_hospital("SBMS")
    a = factories.MissionFactory(referring_hospital=sbms, status=S.TEAM_READY)
    member = factories.make_team_member()
    factories.assign(a, member)
    return SimpleNamespace(coordinator=coordinator, a=a, member=member, referrer=factories.make_referrer(sbms))


@sync_to_async
def take_off_the_mission(mission, member) -> None:
    """The member's role was covered by someone else (by phone): no longer assigned, not paged."""
    MissionAssignment.objects.filter(mission=mission, member=member).delete()


async def test_member_taken_off_the_mission_gets_no_further_event_and_is_closed_4403(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.member)
    await receive(communicator)
    await take_off_the_mission(world.a, world.member)

    await move(world.a, S.EN_ROUTE_OUT, world.coordinator)

    assert await close_code(communicator) == 4403


async def test_lost_visibility_is_noticed_on_the_catch_up_poll_without_any_event(world, settings):
    settings.REALTIME_CATCH_UP_SECONDS = 0.2
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.member)
    await receive(communicator)

    await take_off_the_mission(world.a, world.member)

    assert await close_code(communicator) == 4403


async def test_deactivated_user_is_closed_4401_at_once(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.referrer)
    await receive(communicator)

    @sync_to_async
    def deactivate():
        world.referrer.is_active = False
        world.referrer.save()

    await deactivate()

    assert await close_code(communicator) == 4401


async def test_password_change_closes_a_session_stream_4401(world):
    key = await sync_to_async(_session_cookie)(world.coordinator)
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", f"sessionid={key}".encode())]
    communicator = await open_stream("/ws/board/", headers=headers)
    await receive(communicator)

    @sync_to_async
    def change_password():
        world.coordinator.set_password("an entirely new passphrase")
        world.coordinator.save()

    await change_password()

    assert await close_code(communicator) == 4401


async def test_revoked_token_closes_its_stream_4401(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    await sync_to_async(lambda: Token.objects.filter(user=world.coordinator).delete())()

    assert await close_code(communicator) == 4401


async def test_coordinator_role_taken_away_closes_the_board_4403(world):
    communicator = await open_stream("/ws/board/", world.coordinator)
    await receive(communicator)

    await sync_to_async(lambda: world.coordinator.groups.remove(Group.objects.get(name=Role.COORDINATOR)))()

    assert await close_code(communicator) == 4403


async def test_superuser_taken_away_closes_the_board_4403(committed_db):
    admin = await sync_to_async(lambda: get_user_model().objects.create_superuser("root2", password="x" * 20))()
    communicator = await open_stream("/ws/board/", admin)
    await receive(communicator)

    def demote():
        admin.is_superuser = False
        admin.save()

    await sync_to_async(demote)()

    assert await close_code(communicator) == 4403


async def test_expired_token_is_refused_at_connect_4401(world, settings):
    settings.API_TOKEN_TTL_H = 1
    key = await token_for(world.coordinator)
    await sync_to_async(
        lambda: Token.objects.filter(key=key).update(created=timezone.now() - timedelta(hours=2))
    )()

    communicator = await open_stream("/ws/board/", token=key)

    assert await close_code(communicator) == 4401


async def test_stream_that_still_may_follow_carries_on(world):
    communicator = await open_stream("/ws/missions/%d/" % world.a.pk, world.member)
    await receive(communicator)

    result = await move(world.a, S.EN_ROUTE_OUT, world.member)

    assert (await receive(communicator))["sequence"] == result.event.sequence
    await communicator.disconnect()
