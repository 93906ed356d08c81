"""Roster writes: the role is checked before the input, and local times must exist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import TeamRole
from dispatch.notifications.models import Shift
from dispatch.notifications.services.roster import warn_of_roster_gaps
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_shift_create_by_a_non_coordinator_is_403_even_when_the_input_is_invalid(client_for):
    nurse = factories.make_team_member(TeamRole.NURSE)

    response = client_for(nurse).post("/api/v1/shifts/", {"team_role": "nobody"}, format="json")

    assert response.status_code == 403


def test_shift_patch_by_a_non_coordinator_is_403_even_when_the_input_is_invalid(client_for):
    nurse = factories.make_team_member(TeamRole.NURSE)
    now = timezone.now()
    shift = Shift.objects.create(member=nurse, team_role="nurse", starts_at=now, ends_at=now + timedelta(hours=8))

    response = client_for(nurse).patch(f"/api/v1/shifts/{shift.pk}/", {"starts_at": "nonsense"}, format="json")

    assert response.status_code == 403


def test_shift_delete_by_a_non_coordinator_is_403(client_for):
    nurse = factories.make_team_member(TeamRole.NURSE)
    now = timezone.now()
    shift = Shift.objects.create(member=nurse, team_role="nurse", starts_at=now, ends_at=now + timedelta(hours=8))

    response = client_for(nurse).delete(f"/api/v1/shifts/{shift.pk}/")

    assert response.status_code == 403


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_a_local_time_that_does_not_exist_is_a_400(client_for, field, settings):
    settings.TIME_ZONE = "Europe/Ljubljana"
    coordinator, nurse = factories.make_coordinator(), factories.make_team_member(TeamRole.NURSE)
    body = {"member_id": nurse.pk, "team_role": "nurse", "starts_at": "2026-03-28T20:00:00",
            "ends_at": "2026-03-29T08:00:00"}
    body[field] = "2026-03-29T02:30:00"  # clocks jump from 02:00 to 03:00 that night

    response = client_for(coordinator).post("/api/v1/shifts/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("sl", "Vrzel v razporedu ECMO: zdaj ni dosegljivega dežurnega za vlogo Medicinska sestra"),
        ("en", "ECMO roster gap: no reachable Nurse on call NOW. Please fix the roster."),
    ],
)
def test_a_roster_gap_is_texted_to_each_coordinator_in_their_language(twilio, settings, language, expected):
    settings.DEFAULT_REQUIRED_TEAM_ROLES = [TeamRole.NURSE]
    coordinator = factories.make_coordinator(phone="+38640777111", language=language)

    assert warn_of_roster_gaps() == [TeamRole.NURSE]

    body = twilio.phone(str(coordinator.profile.phone)).expect_sms(contains="ECMO").last_sms.body
    assert body.startswith(expected)
