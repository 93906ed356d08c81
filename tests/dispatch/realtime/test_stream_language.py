"""Each live stream speaks its page's language: snapshot and live events alike."""

import pytest
from django.utils import translation

from dispatch.models import MissionStatus
from tests.dispatch.realtime.conftest import move, open_stream, receive
from tests.support import factories

S = MissionStatus


@pytest.fixture
def world(committed_db):
    mission = factories.MissionFactory(status=S.TEAM_READY)
    member = factories.make_team_member()
    factories.assign(mission, member)
    return mission, member, factories.make_coordinator()


def _label(status: str, language: str) -> str:
    with translation.override(language):
        return str(S(status).label)


@pytest.mark.parametrize(
    ("headers", "language"),
    [
        ([(b"accept-language", b"en-GB,en;q=0.9")], "en"),
        ([(b"accept-language", b"sl-SI,sl;q=0.9")], "sl"),
        ([(b"accept-language", b"en"), (b"cookie", b"django_language=sl")], "sl"),
    ],
)
async def test_board_stream_labels_follow_the_page_language(world, headers, language):
    mission, member, coordinator = world
    communicator = await open_stream("/ws/board/", coordinator, headers=headers)
    snapshot = await receive(communicator)
    card = next(m for m in snapshot["missions"] if m["id"] == mission.pk)
    assert card["status_label"] == _label(S.TEAM_READY, language)

    await move(mission, S.EN_ROUTE_OUT, member)

    message = await receive(communicator)
    assert message["mission"]["status_label"] == _label(S.EN_ROUTE_OUT, language)
    await communicator.disconnect()


def test_the_two_languages_differ_for_the_labels_tested():
    assert _label(S.EN_ROUTE_OUT, "sl") != _label(S.EN_ROUTE_OUT, "en")
