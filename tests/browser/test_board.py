"""The coordinators' board in a real browser: live updates, and no lost update across a dropped socket."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import EventSource, MissionStatus
from dispatch.services.missions import transition_mission
from tests.browser.conftest import api
from tests.support import factories
from tests.support.missions import facts_for, transition_body

pytestmark = [pytest.mark.browser]
S = MissionStatus


@pytest.fixture
def coordinator(committed_db):
    user = factories.make_coordinator(username="cora")
    # The server process keeps Django's default hashers, so store a hash it knows.
    user.password = make_password("board-pass-2026", hasher=PBKDF2PasswordHasher())
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def mission(committed_db):
    return factories.MissionFactory(status=S.TEAM_READY, referring_hospital=factories.regional_hospital("SBMS"))


def _card(page, mission):
    return page.locator(f'.mission-card[data-mission-id="{mission.pk}"]')


def test_coordinator_logs_in_and_sees_an_api_transition_within_2s(browser, server, coordinator, mission):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.fill("input[name=username]", "cora")
    page.fill("input[name=password]", "board-pass-2026")
    page.click("button[type=submit]")
    page.wait_for_url(server + "/board/")
    card = _card(page, mission)
    expect(card.locator(".status")).to_have_text("Team ready")
    expect(card.locator(".hospital")).to_contain_text("Murska Sobota")
    expect(card.locator(".travel")).to_contain_text("Team out by")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    path = f"/api/v1/missions/{mission.pk}/transitions/"
    status, _body = api(server, coordinator, "POST", path, transition_body(S.TEAM_READY, S.EN_ROUTE_OUT))

    assert status == 200
    expect(card.locator(".status")).to_have_text("Team en route to patient", timeout=2000)
    expect(card).to_have_attribute("data-status", S.EN_ROUTE_OUT, timeout=2000)
    expect(card.locator(".travel")).to_contain_text("expected arrival")  # counted from the departure
    context.close()


def test_board_reconnects_after_server_drop_and_shows_both_missed_transitions(open_page, daphne, coordinator, mission):
    page = open_page(coordinator, "/board/")
    card = _card(page, mission)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(card).to_have_attribute("data-status", S.TEAM_READY)

    daphne.stop()
    try:
        expect(page.locator("#connection")).not_to_have_attribute("data-state", "live", timeout=2000)
        sequences = [
            transition_mission(
                mission_id=mission.pk, to_status=to, actor=coordinator, source=EventSource.API, **facts_for(frm, to)
            ).event.sequence
            for frm, to in ((S.TEAM_READY, S.EN_ROUTE_OUT), (S.EN_ROUTE_OUT, S.ON_SITE))
        ]
    finally:
        daphne.start()

    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=8000)
    expect(card).to_have_attribute("data-status", S.ON_SITE, timeout=3000)
    for sequence in sequences:  # both events replayed onto the card, each once
        expect(card.locator(f'.log [data-sequence="{sequence}"]')).to_have_count(1)


def test_overdue_phase_is_highlighted(open_page, coordinator, committed_db):
    late = factories.MissionFactory(status=S.REQUESTED, status_changed_at=timezone.now() - timedelta(hours=2))
    page = open_page(coordinator, "/board/")

    expect(_card(page, late)).to_have_attribute("data-overdue", "true")


def test_board_raises_the_alarm_for_an_uncovered_role_and_a_silent_paging_engine(open_page, coordinator):
    from dispatch.models import TeamRole
    from dispatch.notifications.models import Shift

    now = timezone.now()
    for role in TeamRole.values:
        if role != TeamRole.PERFUSIONIST:
            member = factories.make_team_member(role)
            Shift.objects.create(
                member=member, team_role=role, tier="primary", starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=24),
            )

    page = open_page(coordinator, "/board/")

    expect(page.locator('.role-readiness[data-role="perfusionist"]')).to_have_attribute("data-state", "uncovered")
    expect(page.locator('.role-readiness[data-role="nurse"]')).to_have_attribute("data-state", "covered")
    expect(page.locator("#paging-heartbeat")).to_have_attribute("data-stale", "true")


def test_coordinator_declines_on_the_mission_page_with_a_reason_and_a_confirmation(open_page, coordinator):
    mission = factories.MissionFactory(status=S.UNDER_REVIEW, referring_hospital=factories.regional_hospital("SBMS"))
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.click('#action-buttons button[data-to="declined"]')
    page.click("#action-submit")
    expect(page.locator('#action-form [data-field="reason"] .field-error')).not_to_be_empty()
    reason = "Irreversible multiorgan failure; discussed with the referring ICU"
    page.fill("#action-form textarea[name=reason]", reason)
    page.click("#action-submit")
    expect(page.locator("#action-confirm")).to_be_visible()
    page.click("#action-submit")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", "declined", timeout=5000)
    mission.refresh_from_db()
    assert (mission.status, mission.close_reason) == (S.DECLINED, reason)


def test_secondary_card_shows_kind_modes_and_adverse_events(open_page, server, coordinator):
    from dispatch.models import MissionKind

    mission = factories.MissionFactory(
        status=S.EN_ROUTE_BACK, kind=MissionKind.SECONDARY, support_mode="va", outbound_transport_mode="road",
        return_transport_mode="helicopter", departed_with_patient_at=timezone.now(),
    )
    page = open_page(coordinator, "/board/")
    card = _card(page, mission)
    expect(card.locator(".kind-secondary")).to_have_text("Secondary: on ECMO")
    expect(card.locator(".facts")).to_contain_text("Support: VA")
    expect(card.locator(".facts")).to_contain_text("Back by: Helicopter")
    expect(card.locator(".adverse-count")).to_have_count(0)

    status, _body = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/adverse-events/",
                        {"category": "patient", "code": "hypotension", "severity": "minor"})

    assert status == 201
    expect(card.locator(".adverse-count")).to_have_text("Adverse events: 1", timeout=3000)
    expect(card.locator('.log [data-kind="adverse_event.recorded"]')).to_contain_text("Adverse event: Hypotension")


def test_conventional_transfer_card_shows_when_the_patient_is_expected(open_page, coordinator):
    mission = factories.MissionFactory(
        status=S.CONVENTIONAL_TRANSFER, decided_at=timezone.now(), status_changed_at=timezone.now()
    )
    page = open_page(coordinator, "/board/")

    expect(_card(page, mission).locator(".travel")).to_contain_text("Patient expected at the centre")


def test_a_cancelled_mission_stays_on_the_board_a_while_with_its_outcome(open_page, server, coordinator, mission):
    page = open_page(coordinator, "/board/")
    card = _card(page, mission)
    expect(card).to_have_attribute("data-status", S.TEAM_READY)

    body = {"to": S.CANCELLED, "reason": "Patient improved on the ventilator", "outcome": "patient_improved"}
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)

    assert status == 200

    expect(card.locator(".facts .outcome")).to_have_text("Outcome: Patient improved", timeout=3000)
    expect(card.locator(".log li").first).to_contain_text("Cancelled (Patient improved)")


def test_an_ecpr_referral_is_placed_before_an_older_vv_one(open_page, coordinator, committed_db):
    now = timezone.now()
    older_vv = factories.MissionFactory(support="vv", requested_at=now - timedelta(minutes=30))
    newer_ecpr = factories.MissionFactory(support="ecpr", requested_at=now - timedelta(minutes=5))
    page = open_page(coordinator, "/board/")

    cards = page.locator(".mission-card")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_attribute("data-mission-id", str(newer_ecpr.pk))
    expect(cards.nth(1)).to_have_attribute("data-mission-id", str(older_vv.pk))


def test_tab_title_counts_referrals_waiting_for_a_decision_and_follows_a_new_one(open_page, server, coordinator):
    factories.MissionFactory(status=S.REQUESTED)
    factories.MissionFactory(status=S.UNDER_REVIEW)
    factories.MissionFactory(status=S.TEAM_READY)  # decided: not counted
    page = open_page(coordinator, "/board/")
    expect(page).to_have_title("(2) Mission board · ECMO Dispatch")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    body = {"support": "vv", "patient_age": 61, "patient_sex": "female", "patient_weight_kg": "70",
            "referring_physician": "Dr. Novak", "callback_phone": "+38641000001"}
    status, _answer = api(server, referrer, "POST", "/api/v1/missions/", body)

    assert status == 201
    expect(page).to_have_title("(3) Mission board · ECMO Dispatch", timeout=3000)
