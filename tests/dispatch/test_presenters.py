"""The one read model of a mission: its shape, its names, and travel that is never stale."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone, translation

from dispatch import presenters
from dispatch.api import serializers as s
from dispatch.models import EventSource, MissionEvent, MissionStatus
from dispatch.services.missions import transition_mission
from dispatch.tracking.models import Position
from tests.support import factories
from tests.support.records import refer

pytestmark = pytest.mark.django_db
S = MissionStatus


def test_the_summary_has_exactly_the_documented_fields():
    summary = presenters.mission_summary(factories.MissionFactory(), with_travel=True)

    assert set(summary) == set(s.MissionOutput().fields)


def test_an_event_summary_has_exactly_the_documented_fields(coordinator):
    mission = factories.MissionFactory(status=S.REQUESTED)
    event = transition_mission(
        mission_id=mission.pk, to_status=S.UNDER_REVIEW, actor=coordinator, source=EventSource.WEB
    ).event

    assert set(presenters.event_summary(event)) == set(s.EventOutput().fields)


def test_phase_times_hold_the_request_and_every_stamped_phase():
    mission = factories.MissionFactory()

    times = presenters.mission_summary(mission)["phase_times"]

    assert times["requested_at"] == mission.requested_at.isoformat()
    assert {"review_started_at", "departed_at", "flow_established_at", "handed_over_at", "closed_at"} < set(times)


def test_a_team_member_without_a_full_name_is_named_by_login():
    mission = factories.MissionFactory(status=S.TEAM_READY)
    factories.assign(mission, factories.make_team_member(first_name="", last_name="", username="perf-3"))

    team = presenters.mission_summary(mission)["team"]

    assert [member["member"] for member in team] == ["perf-3"]


def test_travel_is_left_out_unless_asked_for():
    mission = factories.MissionFactory(status=S.TEAM_READY)

    assert presenters.mission_summary(mission)["travel"] is None
    assert presenters.mission_summary(mission, with_travel=True)["travel"]["phase"] == S.TEAM_READY


def _travel_of(missions):
    """A stand-in travel model: every mission waits to leave."""
    return {m.pk: {"phase": S.TEAM_READY} for m in missions}


def test_a_stream_works_out_a_waiting_missions_travel_once():
    mission = factories.MissionFactory(status=S.TEAM_READY)
    memo = presenters.TravelMemo()

    with mock.patch("dispatch.presenters.missions_travel", side_effect=_travel_of) as travel:
        presenters.mission_summaries([mission], with_travel=True, memo=memo)
        presenters.mission_summaries([mission], with_travel=True, memo=memo)

    assert travel.call_count == 1


def test_the_memo_keeps_each_language_apart():
    """One memo serves every stream of a process: a reason worded in Slovene is not an English reader's."""
    mission = factories.MissionFactory(status=S.TEAM_READY)
    memo = presenters.TravelMemo()

    with mock.patch("dispatch.presenters.missions_travel", side_effect=_travel_of) as travel:
        for language in ("en", "sl", "en"):
            with translation.override(language):
                presenters.mission_summaries([mission], with_travel=True, memo=memo)

    assert travel.call_count == 2


def test_the_memo_forgets_what_expired():
    """Each phase a mission passes through is a key: kept for ever, they pile up in a long-lived process."""
    missions = [factories.MissionFactory(status=S.TEAM_READY) for _ in range(2)]
    with mock.patch("dispatch.presenters.time.monotonic", side_effect=[0, 0, 100]):
        memo = presenters.TravelMemo(ttl_s=60)
        memo.put(missions[0], {"phase": S.TEAM_READY})
        memo.put(missions[1], {"phase": S.TEAM_READY})

    assert len(memo._entries) == 1


def test_a_travelling_missions_expected_arrival_is_never_served_from_the_memo():
    mission = factories.MissionFactory(status=S.EN_ROUTE_OUT, departed_at=timezone.now())
    factories.assign(mission, member := factories.make_team_member())
    memo = presenters.TravelMemo()
    before = presenters.mission_summaries([mission], with_travel=True, memo=memo)[mission.pk]["travel"]
    now = timezone.now()
    Position.objects.create(
        mission=mission, member=member, phase=S.EN_ROUTE_OUT, latitude=46.3, longitude=15.2,
        recorded_at=now, received_at=now, destination_code=mission.referring_hospital.code,
        remaining_km=42.0, remaining_min=30.0, expected_arrival_at=now + timedelta(minutes=30),
    )

    after = presenters.mission_summaries([mission], with_travel=True, memo=memo)[mission.pk]["travel"]

    assert before["expected_arrival_basis"] == "estimate"
    assert (after["expected_arrival_basis"], after["remaining_km"]) == ("position", 42)


def test_a_failed_estimate_leaves_the_mission_without_travel():
    mission = factories.MissionFactory(status=S.TEAM_READY)

    with (
        mock.patch("dispatch.presenters.missions_travel", side_effect=RuntimeError("router down")),
        mock.patch("dispatch.presenters.mission_travel", side_effect=RuntimeError("router down")),
    ):
        summary = presenters.mission_summary(mission, with_travel=True)

    assert summary["travel"] is None and summary["code"] == mission.code


def test_a_referrals_timeline_reads_in_the_order_things_happened():
    """The first call opens the mission and the form follows it: never "received" before "submitted"."""
    referrer = factories.make_referrer(factories.regional_hospital())
    mission = refer(referrer, started=timezone.now() - timedelta(minutes=20))

    labels = [presenters.event_label(e) for e in MissionEvent.objects.filter(mission=mission).order_by("sequence")]

    assert labels == ["First contact with the centre", "Referral form sent"]
