import threading

import pytest
from django.db import DatabaseError, connection, transaction

from dispatch import statuses
from dispatch.errors import InvalidTransition, NotAllowed, NotVisible, ValidationFailed
from dispatch.models import (
    AppendOnlyError,
    EventSource,
    Mission,
    MissionEvent,
    MissionKind,
    MissionStatus,
    Outcome,
    Sex,
    Support,
)
from dispatch.services.missions import create_mission, transition_mission
from tests.support import factories
from tests.support.missions import facts_for

ALL = list(MissionStatus.values)
KINDS = list(MissionKind.values)
CASES = [(k, a, b) for k in KINDS for a in ALL for b in ALL]
LEGAL = [(k, a, b) for k, a, b in CASES if b in statuses.allowed_next(a, k)]
ILLEGAL = [(k, a, b) for k, a, b in CASES if b not in statuses.allowed_next(a, k)]


def _move(mission, to, actor, **kwargs):
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    kwargs = {**facts_for(current, to), **kwargs}
    return transition_mission(mission_id=mission.pk, to_status=to, actor=actor, source=EventSource.API, **kwargs)


def test_the_table_has_kind_only_edges_both_ways():
    assert ("primary", "on_site", "cannulating") in LEGAL
    assert ("secondary", "on_site", "cannulating") in ILLEGAL
    assert ("secondary", "on_site", "on_ecmo") in LEGAL
    assert ("primary", "on_site", "on_ecmo") in ILLEGAL


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "from_status", "to_status"), LEGAL)
def test_legal_transition_changes_status_and_writes_one_event(kind, from_status, to_status, coordinator):
    mission = factories.MissionFactory(status=from_status, kind=kind)

    result = _move(mission, to_status, coordinator)

    mission.refresh_from_db()
    assert mission.status == to_status
    events = list(MissionEvent.objects.filter(mission=mission, kind="mission.status_changed"))
    assert [(e.from_status, e.to_status) for e in events] == [(from_status, to_status)]
    assert result.event == events[0]
    for field in statuses.PHASE_TIMESTAMPS.get(to_status, ()):
        assert getattr(mission, field) is not None, field


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "from_status", "to_status"), ILLEGAL)
def test_illegal_transition_is_refused_naming_allowed_states(kind, from_status, to_status, coordinator):
    mission = factories.MissionFactory(status=from_status, kind=kind)

    with pytest.raises(InvalidTransition) as excinfo:
        _move(mission, to_status, coordinator)

    assert excinfo.value.extra["allowed"] == sorted(statuses.allowed_next(from_status, kind))
    mission.refresh_from_db()
    assert mission.status == from_status
    assert not MissionEvent.objects.filter(mission=mission).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("to_status", sorted(statuses.REASON_REQUIRED))
def test_closing_without_reason_is_refused(to_status, coordinator):
    start = next(a for _k, a, b in LEGAL if b == to_status)
    mission = factories.MissionFactory(status=start)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, to_status, coordinator, reason="  ")

    assert "reason" in excinfo.value.errors
    mission.refresh_from_db()
    assert mission.status == start


@pytest.mark.django_db
def test_phase_timestamp_is_stamped_on_entry(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    result = _move(mission, MissionStatus.CANNULATING, coordinator)

    mission.refresh_from_db()
    assert mission.cannulation_started_at is not None
    assert mission.status_changed_at == mission.cannulation_started_at
    assert abs((mission.cannulation_started_at - result.event.created_at).total_seconds()) < 1


@pytest.mark.django_db
def test_stale_expected_status_is_a_conflict(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    with pytest.raises(InvalidTransition):
        _move(mission, MissionStatus.CANNULATING, coordinator, expected_status=MissionStatus.EN_ROUTE_OUT)


@pytest.mark.django_db
def test_team_member_not_on_mission_may_not_advance_it(team_member):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    with pytest.raises(NotVisible):
        _move(mission, MissionStatus.CANNULATING, team_member)


@pytest.mark.django_db
def test_team_member_on_mission_may_advance_a_team_phase(team_member):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)
    factories.assign(mission, team_member)

    _move(mission, MissionStatus.CANNULATING, team_member)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.CANNULATING


@pytest.mark.django_db
def test_team_member_may_not_take_the_centre_decision(team_member):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    factories.assign(mission, team_member)

    with pytest.raises(NotAllowed):
        _move(mission, MissionStatus.TEAM_ACTIVATED, team_member)


@pytest.mark.django_db
def test_referrer_may_withdraw_own_request(referrer):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)

    _move(mission, MissionStatus.CANCELLED, referrer, reason="patient improved", outcome=Outcome.PATIENT_IMPROVED)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.CANCELLED
    assert mission.close_reason == "patient improved"


@pytest.mark.django_db
def test_referrer_may_not_cancel_once_team_is_activated(referrer):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED)

    with pytest.raises(NotAllowed):
        _move(mission, MissionStatus.CANCELLED, referrer)


@pytest.mark.django_db
def test_system_may_only_declare_team_ready():
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    with pytest.raises(NotAllowed):
        _move(mission, MissionStatus.EN_ROUTE_OUT, None)


@pytest.mark.django_db
def test_same_idempotency_key_acts_once(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE)

    first = _move(mission, MissionStatus.CANNULATING, coordinator, idempotency_key="tap-1")
    second = _move(mission, MissionStatus.CANNULATING, coordinator, idempotency_key="tap-1")

    assert second.replayed and second.event == first.event
    assert MissionEvent.objects.filter(mission=mission).count() == 1


@pytest.mark.django_db
def test_event_sequence_increases_across_missions(coordinator):
    a = factories.MissionFactory(status=MissionStatus.REQUESTED)
    b = factories.MissionFactory(status=MissionStatus.REQUESTED)

    e1 = _move(a, MissionStatus.UNDER_REVIEW, coordinator).event
    e2 = _move(b, MissionStatus.UNDER_REVIEW, coordinator).event
    e3 = _move(a, MissionStatus.TEAM_ACTIVATED, coordinator).event

    assert e1.sequence < e2.sequence < e3.sequence


@pytest.mark.django_db
def test_create_mission_numbers_codes_per_year_and_writes_request_event(referrer):
    kwargs = dict(
        created_by=referrer,
        referring_hospital=factories.regional_hospital("SBMS"),
        support=Support.VV,
        patient_age=50,
        patient_sex=Sex.FEMALE,
        patient_weight_kg=70,
        referring_physician="Dr. Novak",
        callback_phone="+38641222333",
    )
    first = create_mission(**kwargs)
    second = create_mission(**{**kwargs, "patient_age": 61})

    assert first.code.endswith("-0001") and second.code.endswith("-0002")
    assert first.code.startswith("ECMO-20")
    assert list(first.events.values_list("kind", "to_status")) == [("mission.requested", "requested")]


@pytest.mark.django_db
def test_referrer_cannot_refer_from_another_hospital(referrer):
    with pytest.raises(NotAllowed):
        create_mission(
            created_by=referrer,
            referring_hospital=factories.regional_hospital("SBIZ"),
            support=Support.VA,
            patient_age=50,
            patient_sex=Sex.FEMALE,
            patient_weight_kg=70,
            referring_physician="Dr. Novak",
            callback_phone="+38641222333",
        )


@pytest.mark.django_db
def test_event_refuses_update_through_the_orm(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    event = _move(mission, MissionStatus.UNDER_REVIEW, coordinator).event

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        MissionEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.django_db
def test_database_refuses_raw_update_of_an_event(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    event = _move(mission, MissionStatus.UNDER_REVIEW, coordinator).event

    with pytest.raises(DatabaseError) as excinfo:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE dispatch_missionevent SET note = 'x' WHERE id = %s", [event.pk])

    assert "append-only" in str(excinfo.value)


def test_two_concurrent_identical_transitions_one_wins_one_event(committed_db):
    coordinator = factories.make_coordinator()
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        try:
            barrier.wait()
            _move(mission, MissionStatus.ON_SITE, coordinator)
            outcomes.append("won")
        except InvalidTransition:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "won"]
    assert MissionEvent.objects.filter(mission=mission, to_status=MissionStatus.ON_SITE).count() == 1
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.ON_SITE
