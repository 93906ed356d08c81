"""Corrections and undo: the record is put right by new events, never by editing old ones."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dispatch.errors import Conflict, NotAllowed, ValidationFailed
from dispatch.models import EventSource, Mission, MissionEvent, MissionStatus
from dispatch.services.missions import correct_mission, transition_mission, undo_last_phase
from tests.support import factories
from tests.support.missions import facts_for

pytestmark = pytest.mark.django_db


def _move(mission, to, actor, **kwargs):
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    kwargs = {**facts_for(current, to), **kwargs}
    return transition_mission(mission_id=mission.pk, to_status=to, actor=actor, source=EventSource.API, **kwargs)


def _raw_row(event_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM dispatch_missionevent WHERE id = %s", [event_id])
        return cursor.fetchone()


def _correct(mission, actor, field, value, reason="wrong button on the phone"):
    return correct_mission(mission_id=mission.pk, actor=actor, field=field, value=value, reason=reason,
                           source=EventSource.WEB)


def test_a_correction_leaves_the_original_event_byte_for_byte_unchanged(coordinator):
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT,
        requested_at=timezone.now() - timedelta(hours=2),
        status_changed_at=timezone.now() - timedelta(minutes=30),
    )
    original = _move(mission, MissionStatus.ON_SITE, coordinator).event
    before = _raw_row(original.pk)
    corrected_time = timezone.now() - timedelta(minutes=5)

    event = _correct(mission, coordinator, "on_site_at", corrected_time.isoformat())

    assert _raw_row(original.pk) == before
    mission.refresh_from_db()
    assert mission.on_site_at == corrected_time
    assert mission.status_changed_at == corrected_time
    assert event.kind == "mission.corrected"
    assert event.payload["field"] == "on_site_at"
    assert event.payload["old"] == original.occurred_at.isoformat()
    assert event.payload["new"] == corrected_time.isoformat()


def test_the_time_of_the_first_call_can_be_corrected(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    earlier = mission.requested_at - timedelta(minutes=20)

    _correct(mission, coordinator, "requested_at", earlier.isoformat())

    assert Mission.objects.get(pk=mission.pk).requested_at == earlier


def test_the_outcome_can_be_corrected(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ABORTED, outcome="other")

    event = _correct(mission, coordinator, "outcome", "died_during_cannulation")

    assert Mission.objects.get(pk=mission.pk).outcome == "died_during_cannulation"
    assert (event.payload["old"], event.payload["new"]) == ("other", "died_during_cannulation")


def test_a_corrected_time_must_keep_the_phases_in_order(coordinator):
    now = timezone.now()
    mission = factories.MissionFactory(
        status=MissionStatus.ON_SITE, departed_at=now - timedelta(minutes=50), on_site_at=now - timedelta(minutes=10)
    )

    with pytest.raises(ValidationFailed) as excinfo:
        _correct(mission, coordinator, "on_site_at", (now - timedelta(minutes=60)).isoformat())

    assert "value" in excinfo.value.errors
    assert not MissionEvent.objects.filter(mission=mission, kind="mission.corrected").exists()


def test_an_unknown_field_is_a_400_naming_the_correctable_ones(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    with pytest.raises(ValidationFailed) as excinfo:
        _correct(mission, coordinator, "status", "completed")

    assert "on_site_at" in excinfo.value.errors["field"][0]


def test_a_team_member_may_not_correct_the_record(team_member):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, on_site_at=timezone.now())
    factories.assign(mission, team_member)

    with pytest.raises(NotAllowed):
        _correct(mission, team_member, "on_site_at", timezone.now().isoformat())


# --- undo -------------------------------------------------------------------------------------


def _undo(mission, actor, reason="double tap"):
    return undo_last_phase(mission_id=mission.pk, actor=actor, reason=reason, source=EventSource.API)


def test_the_tapper_may_undo_within_the_window(team_member):
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, status_changed_at=timezone.now() - timedelta(minutes=30)
    )
    factories.assign(mission, team_member)
    tap = _move(mission, MissionStatus.ON_SITE, team_member).event

    result = _undo(mission, team_member)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.EN_ROUTE_OUT
    assert mission.on_site_at is None
    assert result.event.kind == "mission.undone"
    assert result.event.payload["undone_sequence"] == tap.sequence
    assert (result.event.from_status, result.event.to_status) == ("on_site", "en_route_out")


def test_the_tapper_may_not_undo_after_the_window(team_member, settings):
    settings.UNDO_WINDOW_S = 0
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    _move(mission, MissionStatus.ON_SITE, team_member)

    with pytest.raises(NotAllowed):
        _undo(mission, team_member)

    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.ON_SITE


def test_another_member_may_not_undo_my_tap(team_member):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    colleague = factories.make_team_member()
    factories.assign(mission, colleague)
    _move(mission, MissionStatus.ON_SITE, team_member)

    with pytest.raises(NotAllowed):
        _undo(mission, colleague)


def test_a_coordinator_may_undo_at_any_time_before_hand_over(team_member, coordinator, settings):
    settings.UNDO_WINDOW_S = 0
    mission = factories.MissionFactory(status=MissionStatus.CANNULATING)
    factories.assign(mission, team_member)
    _move(mission, MissionStatus.ON_ECMO, team_member)

    _undo(mission, coordinator)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.CANNULATING
    assert mission.support_mode == "" and mission.flow_established_at is None


def test_a_double_tap_is_undone_one_step_at_a_time(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    _move(mission, MissionStatus.ON_SITE, coordinator)
    _move(mission, MissionStatus.CANNULATING, coordinator)

    _undo(mission, coordinator)
    _undo(mission, coordinator)

    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.EN_ROUTE_OUT


def test_hand_over_cannot_be_undone(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ARRIVED)
    _move(mission, MissionStatus.COMPLETED, coordinator)

    with pytest.raises(Conflict):
        _undo(mission, coordinator)


def test_undo_needs_a_reason(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    _move(mission, MissionStatus.ON_SITE, coordinator)

    with pytest.raises(ValidationFailed) as excinfo:
        _undo(mission, coordinator, reason=" ")

    assert "reason" in excinfo.value.errors


def test_an_undo_sent_twice_takes_back_one_step(team_member):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    _move(mission, MissionStatus.ON_SITE, team_member)
    _move(mission, MissionStatus.CANNULATING, team_member)

    undo_last_phase(mission_id=mission.pk, actor=team_member, reason="x", source=EventSource.API,
                    expected_status=MissionStatus.CANNULATING)
    with pytest.raises(Conflict):
        undo_last_phase(mission_id=mission.pk, actor=team_member, reason="x", source=EventSource.API,
                        expected_status=MissionStatus.CANNULATING)

    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.ON_SITE


def test_an_outcome_of_another_ending_cannot_be_corrected_in(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ABORTED, outcome="other")

    with pytest.raises(ValidationFailed) as excinfo:
        _correct(mission, coordinator, "outcome", "patient_died")  # a cancellation's outcome

    assert "died_during_cannulation" in excinfo.value.errors["value"][0]


def test_a_running_mission_has_no_outcome_to_correct(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    with pytest.raises(ValidationFailed) as excinfo:
        _correct(mission, coordinator, "outcome", "cannulated_transported")

    assert "field" in excinfo.value.errors


def test_correcting_the_first_call_of_a_waiting_referral_moves_its_since(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    earlier = mission.requested_at - timedelta(minutes=30)

    _correct(mission, coordinator, "requested_at", earlier.isoformat())

    assert Mission.objects.get(pk=mission.pk).status_changed_at == earlier
