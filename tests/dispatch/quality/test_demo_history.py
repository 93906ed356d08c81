"""The run command's demo history: every ending, realistic figures, written once."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F

from dispatch import statuses
from dispatch.models import AdverseEvent, Mission, MissionEvent, Outcome
from dispatch.notifications.models import Alert
from dispatch.records.models import Debrief, PatientFollowUp

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(600)]


def test_the_demo_history_has_every_ending_and_a_second_run_adds_nothing():
    call_command("load_demo", stdout=StringIO())
    counts = (Mission.objects.count(), MissionEvent.objects.count(), Alert.objects.count())

    call_command("load_demo", stdout=StringIO())

    assert (Mission.objects.count(), MissionEvent.objects.count(), Alert.objects.count()) == counts
    real = Mission.objects.filter(is_drill=False)
    endings = set(real.values_list("outcome", flat=True)) | set(real.values_list("status", flat=True))
    expected = {*statuses.ABORT_OUTCOMES, *statuses.CANCEL_OUTCOMES, *statuses.COMPLETION_OUTCOMES,
                "declined", "advice_given"} - {Outcome.OTHER}
    assert expected <= endings
    assert real.count() >= 36 and not real.exclude(status__in=statuses.CLOSED).exists()
    assert Mission.objects.filter(is_drill=True).exists()
    out = real.exclude(departed_at=None)
    with_event = out.filter(adverse_events__isnull=False).distinct().count()
    assert 0.12 <= with_event / out.count() <= 0.35  # the series: 19–27 %
    assert AdverseEvent.objects.filter(mission__is_drill=True).count() == 0
    assert PatientFollowUp.objects.exists() and Debrief.objects.exists()
    assert not Alert.objects.exclude(opened_at=F("mission__team_activated_at")).exists()  # paged at activation
    assert real.filter(flow_established_at__isnull=False, cannulation_started_at__isnull=True).exists()  # secondary
