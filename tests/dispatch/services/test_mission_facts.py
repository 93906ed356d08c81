"""Missions as they really happen: outcomes, modes, true times, re-opened advice, derived outcomes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import statuses
from dispatch.errors import InvalidTransition, ValidationFailed
from dispatch.models import EventSource, Mission, MissionEvent, MissionKind, MissionStatus, Outcome
from dispatch.services.missions import transition_mission
from tests.support import factories
from tests.support.missions import facts_for

pytestmark = pytest.mark.django_db

OUTCOME_CASES = [
    (a, b) for a, targets in statuses.TRANSITIONS.items() for b in targets if statuses.outcomes_for(a, b)
]


def _move(mission, to, actor, **kwargs):
    current = Mission.objects.values_list("status", flat=True).get(pk=mission.pk)
    kwargs = {**facts_for(current, to), **kwargs}
    return transition_mission(mission_id=mission.pk, to_status=to, actor=actor, source=EventSource.API, **kwargs)


@pytest.mark.parametrize(("from_status", "to_status"), OUTCOME_CASES)
def test_a_change_that_needs_an_outcome_without_one_is_a_400_naming_the_allowed_codes(
    from_status, to_status, coordinator
):
    mission = factories.MissionFactory(status=from_status)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, to_status, coordinator, outcome="")

    message = excinfo.value.errors["outcome"][0]
    assert all(code in message for code in statuses.outcomes_for(from_status, to_status))
    assert Mission.objects.get(pk=mission.pk).status == from_status


@pytest.mark.parametrize(("from_status", "to_status"), OUTCOME_CASES)
def test_each_allowed_outcome_is_recorded_on_the_mission_and_the_event(from_status, to_status, coordinator):
    for code in statuses.outcomes_for(from_status, to_status):
        mission = factories.MissionFactory(status=from_status)

        event = _move(mission, to_status, coordinator, outcome=code).event

        assert Mission.objects.get(pk=mission.pk).outcome == code
        assert event.payload["outcome"] == code


def test_an_outcome_of_the_other_ending_is_refused(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.CANCELLED, coordinator, outcome=Outcome.DIED_DURING_CANNULATION)

    assert "outcome" in excinfo.value.errors


def test_an_outcome_on_a_plain_phase_is_refused(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.ON_SITE, coordinator, outcome=Outcome.OTHER)

    assert "outcome" in excinfo.value.errors


def test_flow_without_a_support_mode_is_a_400_naming_the_modes(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.CANNULATING)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.ON_ECMO, coordinator, support_mode="")

    assert all(mode in excinfo.value.errors["support_mode"][0] for mode in ("vv", "va", "vav"))


@pytest.mark.parametrize(("from_status", "to_status", "field"), [
    (MissionStatus.TEAM_READY, MissionStatus.EN_ROUTE_OUT, "outbound_transport_mode"),
    (MissionStatus.ON_ECMO, MissionStatus.EN_ROUTE_BACK, "return_transport_mode"),
])
def test_each_departure_records_the_transport_mode_used(from_status, to_status, field, coordinator):
    mission = factories.MissionFactory(status=from_status)

    _move(mission, to_status, coordinator, transport_mode="helicopter")

    assert getattr(Mission.objects.get(pk=mission.pk), field) == "helicopter"


def test_a_departure_without_a_transport_mode_is_a_400_naming_the_modes(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.TEAM_READY)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.EN_ROUTE_OUT, coordinator, transport_mode="")

    assert "road" in excinfo.value.errors["transport_mode"][0]
    assert "helicopter" in excinfo.value.errors["transport_mode"][0]


def test_a_primary_mission_may_not_take_over_a_circuit(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, kind=MissionKind.PRIMARY)

    with pytest.raises(InvalidTransition):
        _move(mission, MissionStatus.ON_ECMO, coordinator)


def test_a_secondary_mission_may_not_cannulate(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, kind=MissionKind.SECONDARY)

    with pytest.raises(InvalidTransition) as excinfo:
        _move(mission, MissionStatus.CANNULATING, coordinator)

    assert MissionStatus.CANNULATING not in excinfo.value.extra["allowed"]
    assert MissionStatus.ON_ECMO in excinfo.value.extra["allowed"]


@pytest.mark.parametrize(("kind", "path", "expected"), [
    (MissionKind.PRIMARY, ["cannulating", "on_ecmo", "en_route_back"], Outcome.CANNULATED_TRANSPORTED),
    (MissionKind.SECONDARY, ["on_ecmo", "en_route_back"], Outcome.TRANSFERRED_ON_ECMO),
    (MissionKind.PRIMARY, ["en_route_back"], Outcome.TRANSPORTED_WITHOUT_ECMO),
])
def test_completion_derives_the_outcome_from_the_path(kind, path, expected, coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_SITE, kind=kind, team_activated_at=timezone.now())
    for to in [*path, "arrived", "completed"]:
        _move(mission, to, coordinator)

    assert Mission.objects.get(pk=mission.pk).outcome == expected


def test_a_conventional_transfer_is_followed_to_hand_over(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    for to in ["conventional_transfer", "arrived", "completed"]:
        _move(mission, to, coordinator)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.COMPLETED
    assert mission.outcome == Outcome.TRANSPORTED_CONVENTIONALLY
    assert mission.arrived_at is not None and mission.handed_over_at is not None


def test_a_conventional_transfer_is_an_active_mission():
    assert MissionStatus.CONVENTIONAL_TRANSFER in statuses.ACTIVE


def test_advice_re_opens_the_same_mission_keeping_its_history(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    _move(mission, "under_review", coordinator)
    first_review = Mission.objects.get(pk=mission.pk).review_started_at
    _move(mission, "advice_given", coordinator, review_at=timezone.now() + timedelta(hours=4))

    _move(mission, "under_review", coordinator)

    mission.refresh_from_db()
    assert mission.status == MissionStatus.UNDER_REVIEW
    assert mission.review_started_at == first_review
    assert mission.closed_at is None and mission.review_at is None
    kinds = list(mission.events.values_list("to_status", flat=True))
    assert kinds == ["under_review", "advice_given", "under_review"]


def test_advice_records_its_review_time(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)
    review_at = timezone.now() + timedelta(hours=6)

    event = _move(mission, "advice_given", coordinator, review_at=review_at).event

    assert Mission.objects.get(pk=mission.pk).review_at == review_at
    assert event.payload["review_at"] == review_at.isoformat()


def test_a_review_time_in_the_past_is_a_400(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.UNDER_REVIEW)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, "advice_given", coordinator, review_at=timezone.now() - timedelta(minutes=5))

    assert "review_at" in excinfo.value.errors


# --- true times -----------------------------------------------------------------------------


def test_a_tap_replayed_eight_minutes_late_is_stamped_with_its_own_time(coordinator):
    mission = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT, status_changed_at=timezone.now() - timedelta(minutes=40)
    )
    tapped = timezone.now() - timedelta(minutes=8)

    event = _move(mission, MissionStatus.ON_SITE, coordinator, occurred_at=tapped).event

    mission.refresh_from_db()
    assert mission.on_site_at == tapped
    assert mission.status_changed_at == tapped
    assert event.occurred_at == tapped
    assert event.created_at - tapped >= timedelta(minutes=8)


def test_a_time_in_the_future_is_a_400(coordinator, settings):
    settings.TRACKING_CLOCK_SKEW_S = 30
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.ON_SITE, coordinator, occurred_at=timezone.now() + timedelta(minutes=2))

    assert "occurred_at" in excinfo.value.errors
    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.EN_ROUTE_OUT


def test_a_time_before_the_previous_phase_is_a_400(coordinator):
    departed = timezone.now() - timedelta(minutes=10)
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT, status_changed_at=departed)

    with pytest.raises(ValidationFailed) as excinfo:
        _move(mission, MissionStatus.ON_SITE, coordinator, occurred_at=departed - timedelta(minutes=1))

    assert "occurred_at" in excinfo.value.errors


def test_a_clock_a_few_seconds_ahead_is_taken_as_now(coordinator, settings):
    settings.TRACKING_CLOCK_SKEW_S = 30
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    before = timezone.now()

    _move(mission, MissionStatus.ON_SITE, coordinator, occurred_at=before + timedelta(seconds=10))

    assert Mission.objects.get(pk=mission.pk).on_site_at <= timezone.now()


def test_without_a_time_the_event_happened_when_it_was_recorded(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)

    event = _move(mission, MissionStatus.ON_SITE, coordinator).event

    assert abs((event.occurred_at - event.created_at).total_seconds()) < 1


def test_a_double_tap_with_the_same_expected_status_writes_one_event(team_member):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_OUT)
    factories.assign(mission, team_member)
    _move(mission, MissionStatus.ON_SITE, team_member, expected_status=MissionStatus.EN_ROUTE_OUT)

    with pytest.raises(InvalidTransition):
        _move(mission, MissionStatus.CANNULATING, team_member, expected_status=MissionStatus.EN_ROUTE_OUT)

    assert Mission.objects.get(pk=mission.pk).status == MissionStatus.ON_SITE
    assert MissionEvent.objects.filter(mission=mission, kind="mission.status_changed").count() == 1


def test_activating_straight_from_the_referral_records_the_review_in_the_same_step(coordinator):
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)

    event = _move(mission, MissionStatus.TEAM_ACTIVATED, coordinator).event

    mission.refresh_from_db()
    assert (event.from_status, event.to_status) == ("requested", "team_activated")
    assert mission.review_started_at == mission.decided_at == mission.team_activated_at == event.occurred_at
