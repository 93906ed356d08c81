"""Opening a mission: the first call's time, the mission kind and possible duplicates."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.errors import PossibleDuplicate, ValidationFailed
from dispatch.models import Mission, MissionKind, MissionStatus, Sex, Support
from dispatch.services.missions import create_mission
from tests.support import factories

pytestmark = pytest.mark.django_db


def _refer(actor, **overrides):
    fields = dict(
        created_by=actor,
        referring_hospital=factories.regional_hospital("SBMS"),
        support=Support.VV,
        patient_age=50,
        patient_sex=Sex.FEMALE,
        patient_weight_kg=70,
        referring_physician="Dr. Novak",
        callback_phone="+38641222333",
    )
    return create_mission(**{**fields, **overrides})


def test_the_first_call_becomes_requested_at(referrer):
    called = timezone.now() - timedelta(minutes=25)

    mission = _refer(referrer, occurred_at=called)

    assert mission.requested_at == called
    assert mission.events.get().occurred_at == called
    assert mission.created_at - called >= timedelta(minutes=25)


def test_a_first_call_in_the_future_is_a_400(referrer):
    with pytest.raises(ValidationFailed) as excinfo:
        _refer(referrer, occurred_at=timezone.now() + timedelta(hours=1))

    assert "occurred_at" in excinfo.value.errors
    assert not Mission.objects.exists()


def test_a_coordinator_refers_a_secondary_transfer_from_a_satellite_unit(coordinator):
    celje = factories.regional_hospital("SBCE")

    mission = _refer(coordinator, referring_hospital=celje, kind=MissionKind.SECONDARY, support=Support.VA)

    assert mission.kind == MissionKind.SECONDARY
    assert mission.referring_hospital.kind == "ecmo_unit"


def test_same_reference_at_the_same_hospital_is_a_possible_duplicate(referrer):
    first = _refer(referrer, patient_reference="MRN 4471")

    with pytest.raises(PossibleDuplicate) as excinfo:
        _refer(referrer, patient_reference="mrn 4471", patient_age=33, patient_weight_kg=90)

    assert excinfo.value.extra["duplicates"] == [{"id": first.pk, "code": first.code, "status": "requested"}]
    assert Mission.objects.count() == 1


def test_same_age_sex_and_weight_within_six_hours_is_a_possible_duplicate(referrer):
    _refer(referrer)

    with pytest.raises(PossibleDuplicate):
        _refer(referrer)


def test_the_referrer_may_confirm_it_is_another_patient(referrer):
    _refer(referrer)

    second = _refer(referrer, confirm_not_duplicate=True)

    assert Mission.objects.count() == 2
    assert second.events.get().payload["confirmed_not_duplicate"] is True


def test_a_closed_mission_or_an_old_one_is_no_duplicate(referrer):
    closed = _refer(referrer)
    Mission.objects.filter(pk=closed.pk).update(status=MissionStatus.COMPLETED)
    old = _refer(referrer, patient_age=70)
    Mission.objects.filter(pk=old.pk).update(requested_at=timezone.now() - timedelta(hours=7))

    _refer(referrer)
    _refer(referrer, patient_age=70)

    assert Mission.objects.count() == 4


def test_another_hospital_with_the_same_patient_data_is_no_duplicate(coordinator, referrer):
    _refer(referrer)

    _refer(coordinator, referring_hospital=factories.regional_hospital("SBIZ"))

    assert Mission.objects.count() == 2
