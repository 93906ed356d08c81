"""Query budgets of the live streams: what a board costs must not grow with the missions on it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import EventSource, MissionStatus
from dispatch.realtime.broadcast import live_message
from dispatch.realtime.snapshot import build_snapshot
from dispatch.services.missions import transition_mission
from tests.support import factories

pytestmark = pytest.mark.django_db
S = MissionStatus
# A mission in each kind of phase: waiting, travelling (expected arrival), at the bedside.
PHASES = (S.REQUESTED, S.EN_ROUTE_OUT, S.ON_SITE)


def _open_missions(count: int) -> None:
    for i in range(count):
        mission = factories.MissionFactory(status=PHASES[i % len(PHASES)])
        factories.assign(mission, factories.make_team_member())


def _snapshot(user) -> dict:
    return build_snapshot(user=user, mission_id=None, memo=None, reason="connect")


def test_board_snapshot_costs_the_same_for_three_missions_or_nine(coordinator, django_assert_max_num_queries):
    _open_missions(3)
    with CaptureQueriesContext(connection) as three:
        _snapshot(coordinator)
    _open_missions(6)

    with django_assert_max_num_queries(len(three)):
        snapshot = _snapshot(coordinator)

    assert len(snapshot["missions"]) == 9


def test_mission_stream_snapshot_stays_within_its_budget(coordinator, django_assert_max_num_queries):
    mission = factories.MissionFactory(status=S.EN_ROUTE_OUT)
    factories.assign(mission, factories.make_team_member())

    # Sequence, roles, mission, team (2), role coverage (2, +1 for busy members while the team is being
    # found), referral, adverse events, travel model, latest position.
    with django_assert_max_num_queries(12):
        snapshot = build_snapshot(user=coordinator, mission_id=mission.pk, memo=None, reason="connect")

    assert snapshot["missions"][0]["travel"]["phase"] == S.EN_ROUTE_OUT


def test_building_one_broadcast_stays_within_its_budget(coordinator, django_assert_max_num_queries):
    mission = factories.MissionFactory(status=S.TEAM_READY)
    factories.assign(mission, factories.make_team_member())
    event = transition_mission(
        mission_id=mission.pk, to_status=S.EN_ROUTE_OUT, actor=coordinator, source=EventSource.API,
        transport_mode="road",
    ).event

    # The event with mission and hospitals, the team (2), role coverage (2, +1 while the team is being found),
    # the referral, adverse events, travel (2).
    with django_assert_max_num_queries(10):
        message = live_message(event.pk)

    assert message["mission"]["travel"]["phase"] == S.EN_ROUTE_OUT
