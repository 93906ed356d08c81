"""Swaps: a member asks, a coordinator approves or declines; the on-call lookup follows the approval."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.errors import Conflict, NotAllowed, ValidationFailed
from dispatch.models import TeamRole
from dispatch.notifications import selectors as paging_selectors
from dispatch.notifications import texts
from dispatch.notifications.models import Notification, Purpose
from dispatch.roles import display_name
from dispatch.roster import services
from dispatch.roster.models import ShiftSwap, SwapState
from tests.dispatch.roster.conftest import page_client, shift
from tests.support import factories
from tests.support.paging import activate, phone_of


def running_shift(member, **kwargs):
    return shift(member, timezone.now() - timedelta(hours=1), 12, **kwargs)


@pytest.fixture
def nurses(db):
    return factories.make_team_member(TeamRole.NURSE), factories.make_team_member(TeamRole.NURSE)


@pytest.mark.django_db
def test_an_approved_swap_changes_who_is_on_call(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)
    assert paging_selectors.on_call(team_role=TeamRole.NURSE) == [mine]  # nothing changes before approval

    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)

    assert paging_selectors.on_call(team_role=TeamRole.NURSE) == [colleague]
    swap.refresh_from_db()
    assert (swap.state, swap.decided_by) == (SwapState.APPROVED, coordinator)


@pytest.mark.django_db
def test_an_exchange_moves_both_shifts(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    theirs = shift(colleague, timezone.now() + timedelta(days=2), 12)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk, their_shift_id=theirs.pk)

    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)

    held.refresh_from_db(), theirs.refresh_from_db()
    assert (held.member, theirs.member) == (colleague, mine)


@pytest.mark.django_db
def test_a_declined_swap_changes_nothing(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)

    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=False)

    held.refresh_from_db()
    assert held.member == mine
    with pytest.raises(Conflict):
        services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)


@pytest.mark.django_db
def test_only_a_coordinator_approves(nurses):
    mine, colleague = nurses
    swap = services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=colleague.pk)
    with pytest.raises(NotAllowed):
        services.decide_swap(actor=colleague, swap_id=swap.pk, approve=True)
    response = page_client(colleague).post(f"/roster/swaps/{swap.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    swap.refresh_from_db()
    assert swap.state == SwapState.REQUESTED


@pytest.mark.django_db
def test_a_member_swaps_only_their_own_shift_with_a_colleague_of_the_same_role(nurses):
    mine, colleague = nurses
    driver = factories.make_team_member(TeamRole.DRIVER)
    with pytest.raises(ValidationFailed) as other_shift:
        services.request_swap(actor=mine, shift_id=running_shift(colleague).pk, colleague_id=colleague.pk)
    assert "shift" in other_shift.value.errors
    with pytest.raises(ValidationFailed) as other_role:
        services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=driver.pk)
    assert "colleague" in other_role.value.errors
    assert not ShiftSwap.objects.exists()


@pytest.mark.django_db
def test_a_second_request_for_the_same_shift_is_a_conflict(nurses):
    mine, colleague = nurses
    held = running_shift(mine)
    services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)
    with pytest.raises(Conflict):
        services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)


@pytest.mark.django_db
def test_a_swap_that_would_put_the_colleague_on_call_twice_is_refused_when_asked(nurses):
    mine, colleague = nurses
    held = running_shift(mine)
    shift(colleague, timezone.now(), 4, tier="backup")  # the colleague is backup during that time

    with pytest.raises(ValidationFailed) as refused:
        services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)

    assert list(refused.value.errors) == ["colleague"]
    assert display_name(colleague) in refused.value.errors["colleague"][0]
    assert not ShiftSwap.objects.exists()


@pytest.mark.django_db
def test_taking_the_colleagues_overlapping_shift_in_exchange_makes_the_swap_possible(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    theirs = shift(colleague, timezone.now(), 4, tier="backup")

    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk, their_shift_id=theirs.pk)
    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)

    held.refresh_from_db()
    theirs.refresh_from_db()
    assert (held.member, theirs.member) == (colleague, mine)


@pytest.mark.django_db
def test_a_swap_that_became_double_duty_after_it_was_asked_is_refused_at_approval(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)
    shift(colleague, timezone.now(), 4, tier="backup")  # the roster moved meanwhile

    with pytest.raises(Conflict):
        services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)
    held.refresh_from_db()
    assert held.member == mine


@pytest.mark.django_db
def test_the_swap_form_and_the_approval_on_the_pages(nurses, coordinator):
    mine, colleague = nurses
    held = running_shift(mine)
    response = page_client(mine).post("/roster/me/swaps/", {"shift": held.pk, "colleague": colleague.pk, "note": "x"})
    assert response.status_code == 302
    swap = ShiftSwap.objects.get()
    assert f'data-swap="{swap.pk}"' in page_client(coordinator).get("/roster/").content.decode()

    response = page_client(coordinator).post(f"/roster/swaps/{swap.pk}/decide/", {"decision": "approve"})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.member == colleague


@pytest.mark.django_db
def test_the_swap_form_shows_errors_per_field(nurses):
    mine, _colleague = nurses
    response = page_client(mine).post("/roster/me/swaps/", {"shift": "", "colleague": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_shift_error"' in html and 'id="id_colleague_error"' in html


def test_an_approved_swap_changes_who_is_paged_at_the_fake_twilio(twilio):
    mine = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    colleague = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    coordinator = factories.make_coordinator()
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)
    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)
    twilio.phone(phone_of(colleague)).expect_sms(contains="swap approved")  # told they hold it now
    twilio.phone(phone_of(mine)).expect_sms(contains="swap approved")

    mission = activate(coordinator=coordinator)

    twilio.phone(phone_of(colleague)).expect_sms(contains=mission.code)
    twilio.phone(phone_of(mine)).expect_no_sms(within=0.5)


def test_an_approved_swap_tells_each_member_by_sms_in_their_own_language(twilio):
    mine = factories.make_team_member(TeamRole.NURSE, first_name="Nina", last_name="Novak")
    colleague = factories.make_team_member(TeamRole.NURSE, first_name="Petra", last_name="Zupan", language="sl")
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)

    services.decide_swap(actor=factories.make_coordinator(), swap_id=swap.pk, approve=True)

    span = texts.shift_span(held.starts_at, held.ends_at)
    taken = twilio.phone(phone_of(colleague)).expect_sms(contains="menjava odobrena").last_sms.body
    assert span in taken and "Nina Novak" in taken and "ta telefon" in taken
    given = twilio.phone(phone_of(mine)).expect_sms(contains="swap approved").last_sms.body
    assert span in given and "Petra Zupan" in given and "no longer come to you" in given


def test_an_exchange_tells_each_member_what_they_gave_and_what_they_took(twilio):
    mine, colleague = factories.make_team_member(TeamRole.NURSE), factories.make_team_member(TeamRole.NURSE)
    held = running_shift(mine)
    theirs = shift(colleague, timezone.now() + timedelta(days=2), 12)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk, their_shift_id=theirs.pk)

    services.decide_swap(actor=factories.make_coordinator(), swap_id=swap.pk, approve=True)

    for member, gave, took in ((mine, held, theirs), (colleague, theirs, held)):
        phone = twilio.phone(phone_of(member))
        given, taken = (phone.expect_sms(contains=words).last_sms.body for words in ("now belongs to", "is now yours"))
        assert texts.shift_span(gave.starts_at, gave.ends_at) in given
        assert texts.shift_span(took.starts_at, took.ends_at) in taken


@pytest.mark.django_db
def test_a_declined_swap_tells_both_members_the_shift_stays(nurses, coordinator):
    mine, colleague = nurses
    swap = services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=colleague.pk)

    services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=False)

    told = Notification.objects.filter(purpose=Purpose.ROSTER)
    assert sorted(n.recipient_id for n in told) == sorted([mine.pk, colleague.pk])
    assert all("swap not approved" in n.body and display_name(mine) in n.body for n in told)


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["deactivated", "new_role"])
def test_a_swap_to_someone_who_can_no_longer_be_paged_is_a_409(nurses, coordinator, change):
    mine, colleague = nurses
    held = running_shift(mine)
    swap = services.request_swap(actor=mine, shift_id=held.pk, colleague_id=colleague.pk)
    if change == "deactivated":
        colleague.is_active = False
        colleague.save(update_fields=["is_active"])
    else:
        colleague.profile.team_role = TeamRole.PERFUSIONIST
        colleague.profile.save(update_fields=["team_role"])

    with pytest.raises(Conflict):
        services.decide_swap(actor=coordinator, swap_id=swap.pk, approve=True)

    held.refresh_from_db()
    assert held.member == mine


@pytest.mark.django_db
def test_the_decision_page_never_sends_the_coordinator_off_site(nurses, coordinator):
    mine, colleague = nurses
    swap = services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=colleague.pk)

    response = page_client(coordinator).post(
        f"/roster/swaps/{swap.pk}/decide/", {"decision": "decline", "next": "https://evil.example/phish"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/roster/"


@pytest.mark.django_db
def test_the_coordinator_reads_that_both_members_are_told_by_sms(nurses, coordinator):
    mine, colleague = nurses
    swap = services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=colleague.pk)

    response = page_client(coordinator).post(f"/roster/swaps/{swap.pk}/decide/", {"decision": "approve"}, follow=True)

    assert "Both members are told by SMS." in response.content.decode()


@pytest.mark.django_db
def test_the_coordinator_reads_whom_to_tell_in_person_when_a_member_has_no_phone(nurses, coordinator):
    mine, colleague = nurses
    colleague.profile.phone = ""
    colleague.profile.save(update_fields=["phone"])
    swap = services.request_swap(actor=mine, shift_id=running_shift(mine).pk, colleague_id=colleague.pk)

    response = page_client(coordinator).post(f"/roster/swaps/{swap.pk}/decide/", {"decision": "decline"}, follow=True)

    page = response.content.decode()
    assert f"No phone number for {display_name(colleague)}: tell them yourself." in page
    assert "Both members" not in page
