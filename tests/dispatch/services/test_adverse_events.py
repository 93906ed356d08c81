"""Adverse events: who may report them and what a report must name."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.errors import NotAllowed, NotVisible, ValidationFailed
from dispatch.models import ADVERSE_EVENT_CODES, AdverseEvent, EventSource, MissionStatus
from dispatch.services.missions import record_adverse_event
from tests.support import factories

pytestmark = pytest.mark.django_db


def _report(mission, actor, **overrides):
    fields = {"category": "circuit", "code": "oxygenator_failure", "severity": "major", **overrides}
    return record_adverse_event(mission_id=mission.pk, actor=actor, source=EventSource.API, **fields)


def test_a_team_member_on_the_mission_reports_one_with_its_timeline_event(team_member):
    mission = factories.MissionFactory(status=MissionStatus.EN_ROUTE_BACK)
    factories.assign(mission, team_member)

    adverse = _report(mission, team_member, note="changed oxygenator at 40 km")

    assert adverse.phase == MissionStatus.EN_ROUTE_BACK
    assert adverse.event.kind == "adverse_event.recorded"
    assert adverse.event.payload == {
        "category": "circuit", "code": "oxygenator_failure", "severity": "major", "phase": "en_route_back"
    }


def test_the_documented_codes_cover_the_issue_list():
    codes = {code for per_category in ADVERSE_EVENT_CODES.values() for code in per_category}
    for code in ("desaturation", "hypotension", "arrhythmia", "cardiac_arrest", "bleeding", "cannula_dislodgement",
                 "oxygenator_failure", "pump_failure", "power_failure", "gas_supply", "air_in_circuit",
                 "vehicle_breakdown", "traffic_delay", "communication_failure"):
        assert code in codes


@pytest.mark.parametrize(("overrides", "field"), [
    ({"category": "weather"}, "category"),
    ({"code": "desaturation"}, "code"),  # a patient code under "circuit"
    ({"severity": "catastrophic"}, "severity"),
    ({"phase": "flying"}, "phase"),
    ({"occurred_at": (timezone.now() + timedelta(hours=1)).isoformat()}, "occurred_at"),
])
def test_a_wrong_field_is_a_400_naming_it(overrides, field, coordinator):
    mission = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    with pytest.raises(ValidationFailed) as excinfo:
        _report(mission, coordinator, **overrides)

    assert field in excinfo.value.errors
    assert not AdverseEvent.objects.exists()


def test_a_member_not_on_the_mission_cannot_see_it(team_member):
    mission = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    with pytest.raises(NotVisible):
        _report(mission, team_member)


def test_the_referrer_may_not_report(referrer):
    mission = factories.MissionFactory(status=MissionStatus.ON_ECMO)

    with pytest.raises(NotAllowed):
        _report(mission, referrer)
