"""The coordinators' board in a real browser: live updates, and no lost update across a dropped socket."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import EventSource, MissionStatus
from dispatch.services.missions import transition_mission
from tests.browser.conftest import api, login_cookie
from tests.support import axe, chromium, factories, paging
from tests.support.chromium import box_of
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
    page.click("main button[type=submit]")  # the top bar has the language switch
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
    expect(card.locator(".travel")).to_contain_text("Expected at the bedside")  # counted from the departure
    chromium.close(context)


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


# --- alerting the humans, the card's words and times, recently closed, drills --------------------

LJUBLJANA = ZoneInfo("Europe/Ljubljana")

# Counts the browser notifications the page creates (the real constructor still runs).
COUNT_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notifications = [];
  class Counted extends Real {
    constructor(title, options) { super(title, options); window.__notifications.push(title); }
  }
  Object.defineProperty(Counted, "permission", { get: () => Real.permission });
  Counted.requestPermission = (...args) => Real.requestPermission(...args);
  window.Notification = Counted;
})();
"""


def _board_with_alerts(browser, server, coordinator):
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=server)
    context.add_init_script(COUNT_NOTIFICATIONS)
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(server + "/board/")
    expect(page.locator("#alerts-state")).to_have_attribute("data-sound", "off")
    page.click("#alerts-enable")
    expect(page.locator("#alerts-state")).to_have_attribute("data-sound", "on")
    expect(page.locator("#alerts-state")).to_have_attribute("data-notifications", "on")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    return context, page


def test_a_new_referral_sounds_and_shows_a_notification_once_alerts_are_on(browser, server, coordinator):
    context, page = _board_with_alerts(browser, server, coordinator)
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    body = {"support": "ecpr", "patient_age": 52, "patient_sex": "male", "patient_weight_kg": "90",
            "referring_physician": "Dr. Horvat", "callback_phone": "+38641000002"}

    status, answer = api(server, referrer, "POST", "/api/v1/missions/", body)

    assert status == 201
    raised = page.locator(f'#alert-log li[data-kind="new-referral"][data-mission-id="{answer["id"]}"]')
    expect(raised).to_have_attribute("data-sound", "true", timeout=3000)
    expect(raised).to_have_attribute("data-notified", "true")
    assert page.evaluate("() => window.__notifications") == [f"New referral {answer['code']}"]
    chromium.close(context)


def test_a_phase_turning_overdue_sounds_and_shows_a_notification(browser, server, coordinator):
    mission = factories.MissionFactory(status=S.REQUESTED, requested_at=timezone.now() - timedelta(hours=2),
                                       status_changed_at=timezone.now() - timedelta(hours=2))
    context, page = _board_with_alerts(browser, server, coordinator)
    expect(_card(page, mission)).to_have_attribute("data-overdue", "true")
    expect(page.locator("#alert-log li")).to_have_count(0)  # late when the board opened: the red card says so

    # The review was started an hour ago (recorded late): 15 minutes are allowed for it.
    body = {"to": S.UNDER_REVIEW, "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat()}
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)

    assert status == 200
    expect(_card(page, mission)).to_have_attribute("data-overdue", "true", timeout=3000)
    raised = page.locator(f'#alert-log li[data-kind="overdue"][data-mission-id="{mission.pk}"]')
    expect(raised).to_have_attribute("data-notified", "true")
    expect(raised).to_have_attribute("data-sound", "true")
    assert page.evaluate("() => window.__notifications") == [f"{mission.code} is overdue"]
    chromium.close(context)


def test_nothing_sounds_for_a_mission_already_late_when_the_board_opens(browser, server, coordinator):
    late = factories.MissionFactory(status=S.REQUESTED, status_changed_at=timezone.now() - timedelta(hours=2))
    context, page = _board_with_alerts(browser, server, coordinator)

    expect(_card(page, late)).to_have_attribute("data-overdue", "true")
    expect(page.locator("#alert-log li")).to_have_count(0)
    chromium.close(context)


def test_a_travelling_team_card_shows_the_expected_arrival_in_the_centres_time(browser, server, coordinator):
    now = timezone.now()
    left = now - timedelta(minutes=20)
    mission = factories.MissionFactory(status=S.EN_ROUTE_OUT, outbound_transport_mode="road", departed_at=left,
                                       status_changed_at=left)
    context = browser.new_context(timezone_id="America/New_York")  # the browser's zone is not the centre's
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(server + "/board/")

    travel = _card(page, mission).locator(".travel")
    expect(travel).to_have_attribute("data-expected-arrival", re.compile(r"\d{4}-"))
    arrival = datetime.fromisoformat(travel.get_attribute("data-expected-arrival")).astimezone(LJUBLJANA)
    today = datetime.now(LJUBLJANA).date()
    day = "" if arrival.date() == today else f"{arrival.day} {arrival:%b} "   # after midnight: "3 Dec 00:27"
    expect(travel).to_contain_text(f"Expected at the bedside {day}{arrival:%H:%M}")
    expect(travel).not_to_contain_text("Team out by")
    chromium.close(context)


def test_team_out_by_is_not_shown_once_the_team_is_at_the_bedside(open_page, coordinator):
    mission = factories.MissionFactory(status=S.ON_SITE, on_site_at=timezone.now(), outbound_transport_mode="road")
    page = open_page(coordinator, "/board/")

    card = _card(page, mission)
    expect(card.locator(".phase .status")).to_have_text("Team at bedside")
    expect(card).not_to_contain_text("Team out by")
    # The way back: the mode the estimate recommends now (the helicopter by day, the road by night).
    expect(card.locator(".travel")).to_have_text(re.compile(r"^Back by (Road|Helicopter): "))


def test_phase_durations_are_written_with_units_never_as_a_clock(open_page, coordinator):
    now = timezone.now()
    long = factories.MissionFactory(status=S.TEAM_ACTIVATED,
                                    status_changed_at=now - timedelta(hours=1, minutes=4, seconds=10))
    short = factories.MissionFactory(status=S.REQUESTED, requested_at=now - timedelta(minutes=3, seconds=4),
                                     status_changed_at=now - timedelta(minutes=3, seconds=4))
    page = open_page(coordinator, "/board/")

    expect(_card(page, long).locator(".phase-duration")).to_have_text(re.compile(r"^1 h 0[45] min"))
    expect(_card(page, short).locator(".phase-duration")).to_have_text(re.compile(r"^3 min"))
    expect(_card(page, short).locator(".requested")).to_have_text(re.compile(r"^Requested 3 min ago$"))


def test_the_first_minute_reads_under_1_min_never_0_min(open_page, coordinator):
    fresh = factories.MissionFactory(status=S.REQUESTED, requested_at=timezone.now(), status_changed_at=timezone.now())
    page = open_page(coordinator, "/board/")

    expect(_card(page, fresh).locator(".requested")).to_have_text("Requested under 1 min ago")
    expect(_card(page, fresh).locator(".phase-duration")).to_have_text(re.compile(r"^under 1 min"))


def test_accepted_and_declined_roles_differ_in_words_and_sign_not_only_colour(open_page, coordinator):
    from dispatch.notifications.models import Alert, AlertRecipient

    mission = factories.MissionFactory(status=S.TEAM_ACTIVATED, required_roles=["ecmo_physician", "perfusionist"])
    factories.assign(mission, factories.make_team_member("ecmo_physician", first_name="Ana", last_name="Kos"))
    alert = Alert.objects.create(mission=mission, team_role="perfusionist", message="page")
    pia = factories.make_team_member("perfusionist", first_name="Pia", last_name="Pump")
    AlertRecipient.objects.create(alert=alert, member=pia, tier="primary", response="declined",
                                  responded_at=timezone.now())
    page = open_page(coordinator, "/board/")

    accepted = _card(page, mission).locator('.coverage [data-role="ecmo_physician"]')
    declined = _card(page, mission).locator('.coverage [data-role="perfusionist"]')
    expect(accepted).to_have_text(re.compile(r"^✓ ECMO physician: Ana Kos · accepted$"))
    expect(declined).to_have_text(re.compile(r"^✗ Perfusionist: Pia Pump · declined, still paging$"))


def test_a_completed_mission_stays_under_recently_closed_with_its_outcome(open_page, server, coordinator):
    now = timezone.now()
    arrived = factories.MissionFactory(status=S.ARRIVED, arrived_at=now - timedelta(minutes=5))
    long_ago = factories.MissionFactory(status=S.COMPLETED, outcome="cannulated_transported",
                                        closed_at=now - timedelta(hours=13),
                                        status_changed_at=now - timedelta(hours=13))
    earlier = factories.MissionFactory(status=S.COMPLETED, outcome="cannulated_transported",
                                       closed_at=now - timedelta(hours=2), status_changed_at=now - timedelta(hours=2))
    page = open_page(coordinator, "/board/")
    closed_cards = page.locator("#board-closed .mission-card")
    expect(closed_cards).to_have_count(1)
    expect(closed_cards.first).to_have_attribute("data-mission-id", str(earlier.pk))
    expect(closed_cards.first.locator(".facts .outcome")).to_contain_text("Outcome:")
    expect(page.locator(f'.mission-card[data-mission-id="{long_ago.pk}"]')).to_have_count(0)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    body = transition_body(S.ARRIVED, S.COMPLETED)
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{arrived.pk}/transitions/", body)

    assert status == 200
    expect(closed_cards.first).to_have_attribute("data-mission-id", str(arrived.pk), timeout=3000)  # newest first
    expect(page.locator(f'#board .mission-card[data-mission-id="{arrived.pk}"]')).to_have_count(0)
    page.reload()
    reloaded = page.locator(f'#board-closed .mission-card[data-mission-id="{arrived.pk}"] .status')
    expect(reloaded).to_have_text("Handed over")


def test_a_drill_card_is_marked_unmistakably(open_page, coordinator):
    drill = factories.MissionFactory(status=S.TEAM_ACTIVATED, is_drill=True)
    real = factories.MissionFactory(status=S.TEAM_ACTIVATED)
    page = open_page(coordinator, "/board/")

    expect(_card(page, drill).locator(".drill-band")).to_have_text("DRILL · not a real patient")
    expect(_card(page, drill)).to_have_attribute("data-drill", "true")
    expect(_card(page, real).locator(".drill-band")).to_have_count(0)


def test_a_drill_is_started_from_the_board_only_after_confirming(open_page, coordinator):
    from dispatch.models import Mission

    page = open_page(coordinator, "/board/")
    page.click("#drill-start")
    expect(page.locator("#drill-confirm")).to_be_visible()
    page.click("#drill-no")
    expect(page.locator("#drill-confirm")).to_be_hidden()
    assert not Mission.objects.filter(is_drill=True).exists()

    page.click("#drill-start")
    page.click("#drill-yes")

    expect(page.locator("#drill-result")).to_contain_text("Drill started", timeout=5000)
    drill = Mission.objects.get(is_drill=True)
    expect(_card(page, drill).locator(".drill-band")).to_be_visible(timeout=3000)


def test_debriefs_due_are_listed_on_the_board(open_page, coordinator):
    ended = factories.MissionFactory(status=S.COMPLETED, outcome="cannulated_transported",
                                     closed_at=timezone.now() - timedelta(hours=1),
                                     status_changed_at=timezone.now() - timedelta(hours=1))
    page = open_page(coordinator, "/board/")

    expect(page.locator("#debriefs")).to_be_visible(timeout=5000)
    expect(page.locator(f'#debrief-list [data-mission-id="{ended.pk}"]')).to_contain_text(ended.code)


def test_the_preparation_at_the_referring_icu_shows_on_the_card(open_page, coordinator):
    from dispatch.preparation.defaults import load_default_items
    from dispatch.preparation.models import PreparationItem

    total = load_default_items(PreparationItem)  # committed_db emptied the shipped items
    mission = paging.activate(coordinator=coordinator)  # the checklist opens on activation
    page = open_page(coordinator, "/board/")

    preparation = _card(page, mission).locator(".preparation")
    expect(preparation).to_have_text(f"Preparation at the referring ICU: 0/{total}")
    expect(preparation.locator("a")).to_have_attribute("href", f"/missions/{mission.pk}/preparation/")


def test_a_called_off_mission_drops_its_preparation_from_the_card(open_page, server, coordinator):
    from dispatch.preparation.defaults import load_default_items
    from dispatch.preparation.models import PreparationItem

    load_default_items(PreparationItem)
    mission = paging.activate(coordinator=coordinator)
    page = open_page(coordinator, "/board/")
    expect(_card(page, mission).locator(".preparation")).to_have_count(1)

    body = {"to": S.CANCELLED, "outcome": "patient_died", "reason": "Died before departure"}
    status, answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)
    assert status == 200, answer

    closed_card = page.locator(f'#board-closed .mission-card[data-mission-id="{mission.pk}"]')
    expect(closed_card).to_be_visible()
    expect(closed_card.locator(".preparation")).to_have_count(0)  # nothing left to prepare for


def test_board_and_its_cards_follow_dark_mode(browser, server, coordinator):
    mission = factories.MissionFactory(status=S.REQUESTED)
    context = browser.new_context(color_scheme="dark")
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(server + "/board/")

    card = _card(page, mission)
    expect(card).to_be_visible()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(22, 28, 35)"
    assert card.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(36, 45, 56)"
    found = axe.violations(page)
    assert not found, axe.describe(found)
    chromium.close(context)


def test_the_referral_line_on_a_card_is_in_words_not_codes(open_page, server, coordinator):
    referrer = factories.make_referrer(factories.regional_hospital("SBCE"))
    referral = {"support": "vv", "patient_age": 45, "patient_sex": "male", "patient_weight_kg": "80.0",
                "referring_physician": "Dr. Novak", "callback_phone": "+38641555111", "gas_unit": "mmHg",
                "pao2": 54, "fio2": 0.6}  # no PEEP, compliance or X-ray yet: Murray cannot be counted
    status, body = api(server, referrer, "POST", "/api/v1/referrals/", referral)
    assert status == 201, body
    page = open_page(coordinator, "/board/")

    line = page.locator(f'.mission-card[data-mission-id="{body["mission_id"]}"] .referral')
    expect(line).to_contain_text("MURRAY —")
    expect(line).to_contain_text("EOLIA: cannot be decided yet")
    expect(line).not_to_contain_text("undeterminable")


def test_on_a_phone_the_first_mission_is_on_the_first_screen_below_the_readiness_alarm(open_page, coordinator, mission):
    page = open_page(coordinator, "/board/", phone=True)
    card = _card(page, mission)
    expect(card).to_be_visible()

    readiness, first, tools = (box_of(page.locator(s)) for s in ("#readiness", ".mission-card", "#alerts"))

    assert readiness["y"] < first["y"] < tools["y"]  # the alarm first, then the missions, then the desk's tools
    assert first["y"] + 120 < 844  # the card's head is on the first screen, not a scroll away
