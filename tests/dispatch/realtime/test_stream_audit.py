"""Following one mission's live stream is a read of that patient's record, and is logged as one."""

from channels.db import database_sync_to_async as sync_to_async

from dispatch.models import MissionStatus as S
from dispatch.referrals.models import ClinicalRead
from tests.dispatch.realtime.conftest import open_stream, receive
from tests.support import factories


@sync_to_async
def _reads(mission_id: int) -> list[tuple]:
    return list(ClinicalRead.objects.filter(mission_id=mission_id).values_list("user_id", "endpoint"))


async def test_a_mission_stream_logs_the_read_when_it_connects(committed_db):
    coordinator = await sync_to_async(factories.make_coordinator)()
    mission = await sync_to_async(factories.MissionFactory)(status=S.UNDER_REVIEW)

    communicator = await open_stream(f"/ws/missions/{mission.pk}/", coordinator)
    await receive(communicator)

    assert await _reads(mission.pk) == [(coordinator.pk, "ws.mission")]
    await communicator.disconnect()


async def test_the_board_stream_logs_no_patient_read(committed_db):
    coordinator = await sync_to_async(factories.make_coordinator)()
    mission = await sync_to_async(factories.MissionFactory)(status=S.UNDER_REVIEW)

    communicator = await open_stream("/ws/board/", coordinator)
    await receive(communicator)

    assert await _reads(mission.pk) == []
    await communicator.disconnect()
