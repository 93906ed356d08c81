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
    status, _body = api(server, coordinator, "POST", path, {"to": S.EN_ROUTE_OUT})

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
            transition_mission(mission_id=mission.pk, to_status=to, actor=coordinator, source=EventSource.API)
            .event.sequence
            for to in (S.EN_ROUTE_OUT, S.ON_SITE)
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


def test_coordinator_decides_on_the_mission_page_and_a_decline_needs_a_reason(open_page, coordinator):
    mission = factories.MissionFactory(status=S.UNDER_REVIEW, referring_hospital=factories.regional_hospital("SBMS"))
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.click('#coordinator-actions button[data-to="declined"]')
    expect(page.locator("#action-result")).to_contain_text("reason")
    reason = "Irreversible multiorgan failure; discussed with the referring ICU"
    page.fill("#action-note", reason)
    page.click('#coordinator-actions button[data-to="declined"]')

    expect(page.locator("#mission-status")).to_have_attribute("data-status", "declined", timeout=5000)
    mission.refresh_from_db()
    assert (mission.status, mission.close_reason) == (S.DECLINED, reason)
