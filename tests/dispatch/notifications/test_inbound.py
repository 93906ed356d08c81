"""Inbound SMS replies that name a mission answer that mission's page or nothing at all."""

import pytest
from django.utils import timezone

from dispatch.models import TeamRole
from dispatch.notifications.models import Alert, AlertState
from dispatch.notifications.services.escalation import run_due_step
from dispatch.notifications.services.inbound import handle_inbound_sms
from tests.support.paging import activate, end_mission, on_call, phone_of

pytestmark = pytest.mark.django_db


def _page(mission) -> Alert:
    alert = Alert.objects.get(mission=mission)
    Alert.objects.filter(pk=alert.pk).update(next_step_due_at=timezone.now())
    run_due_step(alert_id=alert.pk, token=str(alert.active_token))
    return Alert.objects.get(pk=alert.pk)


def test_accepting_a_closed_mission_by_code_never_accepts_another_open_page(console):
    primary = on_call(TeamRole.ECMO_PHYSICIAN)
    closed, open_one = activate(), activate()
    _page(closed), _page(open_one)
    end_mission(closed)

    answer = handle_inbound_sms(from_number=phone_of(primary), body=f"1 {closed.code}")

    assert closed.code in answer and "Nothing was changed" in answer
    assert Alert.objects.get(mission=open_one).state == AlertState.PAGING


def test_a_code_the_member_was_never_paged_for_is_a_clear_reply(console):
    primary = on_call(TeamRole.ECMO_PHYSICIAN)
    open_one = activate()
    _page(open_one)

    answer = handle_inbound_sms(from_number=phone_of(primary), body="1 ECMO-2026-9999")

    assert "no page for ECMO-2026-9999" in answer
    assert Alert.objects.get(mission=open_one).state == AlertState.PAGING


def test_a_reply_without_a_code_still_answers_the_newest_page(console):
    primary = on_call(TeamRole.ECMO_PHYSICIAN)
    mission = activate()
    _page(mission)

    answer = handle_inbound_sms(from_number=phone_of(primary), body="1")

    assert f"Confirmed: you are the ECMO physician for {mission.code}" in answer


@pytest.mark.parametrize("spelling", ["1 ECMO 2026 {n}", "1 #{n}", "DA {n}"])
def test_a_loosely_spelt_code_of_a_closed_mission_never_accepts_another_page(console, spelling):
    primary = on_call(TeamRole.ECMO_PHYSICIAN)
    closed, open_one = activate(), activate()
    _page(closed), _page(open_one)
    end_mission(closed)

    answer = handle_inbound_sms(
        from_number=phone_of(primary), body=spelling.format(n=closed.code.rsplit("-", 1)[-1])
    )

    assert "Nothing was changed" in answer
    assert Alert.objects.get(mission=open_one).state == AlertState.PAGING


def test_a_loosely_spelt_code_answers_that_missions_page(console):
    primary = on_call(TeamRole.ECMO_PHYSICIAN)
    first, second = activate(), activate()
    _page(first), _page(second)

    answer = handle_inbound_sms(from_number=phone_of(primary), body="1 #" + first.code.rsplit("-", 1)[-1])

    assert first.code in answer and "Confirmed" in answer
    assert Alert.objects.get(mission=first).state == AlertState.ACCEPTED
    assert Alert.objects.get(mission=second).state == AlertState.PAGING
