"""What goes out live, to whom, and when: exactly the events an action records, on commit only."""

import asyncio
from unittest import mock

import pytest
from channels.layers import get_channel_layer

from dispatch.errors import InvalidTransition
from dispatch.models import EventSource, Mission, MissionStatus, TeamRole
from dispatch.realtime.broadcast import BOARD_GROUP, _ring_user, mission_group, user_group
from dispatch.services.missions import transition_mission
from tests.support import factories
from tests.support.live import capture_live_messages
from tests.support.missions import facts_for

pytestmark = pytest.mark.django_db
S = MissionStatus


def _move(mission, to_status, actor, **kwargs):
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    kwargs = {**facts_for(current, to_status), **kwargs}
    return transition_mission(mission_id=mission.pk, to_status=to_status, actor=actor, source=EventSource.API, **kwargs)


def test_a_transition_goes_to_the_board_and_the_missions_followers_once(coordinator):
    mission = factories.MissionFactory(status=S.TEAM_READY)

    with capture_live_messages() as sent:
        _move(mission, S.EN_ROUTE_OUT, coordinator)

    assert [(m.kind, m.mission_id, m.groups) for m in sent] == [
        ("mission.status_changed", mission.pk, (BOARD_GROUP, mission_group(mission.pk)))
    ]


def test_activation_announces_the_decision_then_the_opened_alerts(coordinator):
    mission = factories.MissionFactory(
        status=S.UNDER_REVIEW, required_roles=[TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST]
    )

    with mock.patch("dispatch.scheduling.enqueue"), capture_live_messages() as sent:  # no escalation steps
        _move(mission, S.TEAM_ACTIVATED, coordinator)

    assert [m.kind for m in sent] == ["mission.status_changed", "alert.opened"]
    assert sent[1].message["payload"]["team_roles"] == [TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST]


def test_each_message_names_the_previous_event_of_each_audience(coordinator):
    """`after`: the board's previous event is sequence - 1; the mission's is its own last event."""
    mission = factories.MissionFactory(status=S.TEAM_READY)
    first = _move(mission, S.EN_ROUTE_OUT, coordinator).event
    _move(factories.MissionFactory(status=S.TEAM_READY), S.EN_ROUTE_OUT, coordinator)  # another mission between

    with capture_live_messages() as sent:
        second = _move(mission, S.ON_SITE, coordinator).event

    assert sent[0].audience == ((BOARD_GROUP, second.sequence - 1), (mission_group(mission.pk), first.sequence))


def test_a_refused_transition_sends_nothing(coordinator):
    mission = factories.MissionFactory(status=S.REQUESTED)

    with capture_live_messages() as sent, pytest.raises(InvalidTransition):
        _move(mission, S.ON_ECMO, coordinator)

    assert sent == []


def test_the_message_carries_the_mission_as_it_is_after_the_change(coordinator):
    mission = factories.MissionFactory(status=S.TEAM_READY)

    with capture_live_messages() as sent:
        _move(mission, S.EN_ROUTE_OUT, coordinator)

    message = sent[0].message
    assert message["type"] == "mission.event"
    assert message["mission"]["status"] == S.EN_ROUTE_OUT
    assert message["mission"]["travel"]["phase"] == S.EN_ROUTE_OUT


def test_a_message_that_cannot_be_built_still_rings_the_doorbell(coordinator):
    mission = factories.MissionFactory(status=S.TEAM_READY)

    with (
        mock.patch("dispatch.realtime.broadcast.event_messages", side_effect=RuntimeError("summary failed")),
        capture_live_messages() as sent,
    ):
        result = _move(mission, S.EN_ROUTE_OUT, coordinator)

    assert sent[0].sequence == result.event.sequence
    assert "mission" not in sent[0].message  # a doorbell: streams read the event from the database


def test_the_live_event_is_the_rest_event_in_an_envelope(coordinator):
    from dispatch.api import serializers as s

    mission = factories.MissionFactory(status=S.TEAM_READY)

    with capture_live_messages() as sent:
        _move(mission, S.EN_ROUTE_OUT, coordinator)

    assert set(sent[0].message) == set(s.EventOutput().fields) | {"type", "mission"}
    assert set(sent[0].message["mission"]) == set(s.MissionOutput().fields)


def test_a_ring_from_sync_code_inside_a_running_event_loop_still_reaches_the_users_streams():
    layer = get_channel_layer()

    async def listen_then_ring():
        stream = await layer.new_channel()
        await layer.group_add(user_group(4242), stream)
        _ring_user(4242)  # sync code in the loop's own thread, as a process driving a browser calls it
        return await asyncio.wait_for(layer.receive(stream), timeout=10)

    assert asyncio.run(listen_then_ring())["type"] == "user.changed"
