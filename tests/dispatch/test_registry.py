"""The core announces; features subscribe. Order, atomicity and visibility of the registry."""

import pytest

from dispatch import registry, selectors
from dispatch.models import MissionEvent, MissionStatus
from dispatch.services.missions import transition_mission
from tests.support import factories

pytestmark = pytest.mark.django_db


def review(mission) -> None:
    coordinator = factories.make_coordinator()
    transition_mission(mission_id=mission.pk, to_status="under_review", actor=coordinator, source="web")


@pytest.fixture
def clean_registry(monkeypatch):
    """Subscribers of this test only, the apps' own put back afterwards."""
    monkeypatch.setattr(registry, "_transition_subscribers", {})
    monkeypatch.setattr(registry, "_visibility_contributors", {})


def test_transition_subscribers_run_in_declared_order_not_registration_order(clean_registry):
    calls = []

    def referrer_side(transition):
        calls.append(("referrer", transition.to_status))

    def team_side(transition):
        calls.append(("team", transition.to_status))

    registry.subscribe_to_transitions(referrer_side, order=registry.Order.REFERRER)
    registry.subscribe_to_transitions(team_side, order=registry.Order.TEAM)
    review(factories.MissionFactory(status=MissionStatus.REQUESTED))
    assert calls == [("team", "under_review"), ("referrer", "under_review")]


def test_subscribing_twice_calls_once(clean_registry):
    calls = []

    def side(transition):
        calls.append(transition.event.sequence)

    registry.subscribe_to_transitions(side, order=registry.Order.TEAM)
    registry.subscribe_to_transitions(side, order=registry.Order.TEAM)
    review(factories.MissionFactory(status=MissionStatus.REQUESTED))
    assert len(calls) == 1


def test_a_failing_subscriber_undoes_the_transition_and_its_event(clean_registry):
    def broken(transition):
        raise RuntimeError("subscriber failed")

    registry.subscribe_to_transitions(broken, order=registry.Order.TEAM)
    mission = factories.MissionFactory(status=MissionStatus.REQUESTED)
    with pytest.raises(RuntimeError):
        transition_mission(
            mission_id=mission.pk, to_status="under_review", actor=factories.make_coordinator(), source="web"
        )
    mission.refresh_from_db()
    assert mission.status == MissionStatus.REQUESTED
    assert not MissionEvent.objects.filter(mission=mission, kind="mission.status_changed").exists()


def test_a_feature_can_let_a_team_member_see_a_mission(clean_registry):
    member = factories.make_team_member()
    mission = factories.MissionFactory()
    assert not selectors.mission_visible_to(member, mission.pk)
    registry.contribute_visibility(lambda user: type(mission).objects.filter(pk=mission.pk).values("pk"))
    assert selectors.mission_visible_to(member, mission.pk)


def test_the_apps_subscribe_paging_before_the_decision_sms():
    names = [f"{h.__module__}.{h.__qualname__}" for h in registry.transition_subscribers()]
    known = [
        "dispatch.notifications.services.alerts.on_mission_transition",
        "dispatch.referrals.decision.on_mission_transition",
        # The referrer hears the decision before the expected arrival and the checklist's link.
        "dispatch.preparation.services.on_mission_transition",
    ]
    assert [name for name in names if name in known] == known
