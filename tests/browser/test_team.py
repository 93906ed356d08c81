"""The team phone page in a real browser at phone size: accept, advance, and taps made without signal."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import (
    AdverseEvent,
    EventSource,
    Mission,
    MissionEvent,
    MissionKind,
    MissionStatus,
    Support,
    TeamRole,
)
from dispatch.notifications.models import Alert
from dispatch.notifications.services.alerts import decline_alert
from dispatch.referrals.models import Referral
from tests.browser.conftest import CLOCK_TIME, api
from tests.support import chromium, factories
from tests.support.chromium import box_of
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.browser]
S = MissionStatus


@pytest.fixture
def member(committed_db):
    return factories.make_team_member(team_role=TeamRole.ECMO_PHYSICIAN)


def _on_mission(member, status: str, **fields) -> Mission:
    """A mission the member is on, in `status`, that entered it half an hour ago."""
    earlier = timezone.now() - timedelta(minutes=30)
    fields.setdefault("required_roles", [TeamRole.ECMO_PHYSICIAN])
    mission = factories.MissionFactory(status=status, status_changed_at=earlier, **fields)
    Mission.objects.filter(pk=mission.pk).update(requested_at=earlier - timedelta(minutes=30))
    factories.assign(mission, member)
    return mission


@pytest.fixture
def mission(committed_db, member):
    return _on_mission(member, S.TEAM_READY)


def _mission(mission) -> Mission:
    return Mission.objects.get(pk=mission.pk)


def _status(mission) -> str:
    return Mission.objects.values_list("status", flat=True).get(pk=mission.pk)


def _entered(mission, status: str) -> int:
    return MissionEvent.objects.filter(mission=mission, kind="mission.status_changed", to_status=status).count()


def _arrivals(mission) -> int:
    return _entered(mission, S.ON_SITE)


def _big(locator) -> bool:
    box = box_of(locator)
    return box["width"] > 300 and box["height"] >= 60


def test_departure_asks_road_or_helicopter_and_records_it(open_page, mission, member):
    page = open_page(member, "/team/", phone=True)
    road, helicopter = page.locator("#depart-road"), page.locator("#depart-helicopter")
    expect(road).to_have_text("Departed by road")
    expect(helicopter).to_have_text("Departed by helicopter")
    assert _big(road) and _big(helicopter)  # two thumb-sized buttons, not a small toggle

    helicopter.click()

    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)
    assert _mission(mission).outbound_transport_mode == "helicopter"
    expect(page.locator("#next-phase")).to_have_text("Arrived at bedside")
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")


def test_tap_without_signal_is_queued_and_lands_exactly_once(open_page, mission, member):
    page = open_page(member, "/team/", phone=True)
    page.locator("#depart-road").click()
    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")  # the first tap's answer is in
    button = page.locator("#next-phase")
    expect(button).to_have_text("Arrived at bedside")
    expect(button).to_be_enabled()
    # The first send after the signal returns reaches the server but its answer is lost, so
    # the phone retries the same tap (same Idempotency-Key): it must not advance twice.
    lost_answers, signal = [], {"on": False}

    def lose_first_answer(route):
        if not signal["on"]:
            route.abort("internetdisconnected")  # Playwright would otherwise send it for us
            return
        response = route.fetch()
        if not lost_answers:
            lost_answers.append(response.status)
            route.abort()
        else:
            route.fulfill(response=response)

    page.route("**/transitions/", lose_first_answer)
    page.context.set_offline(True)

    button.click()

    expect(page.locator("#outbox")).to_have_attribute("data-count", "1")
    expect(page.locator("#mm-status")).to_have_attribute("data-status", S.ON_SITE)  # shown at once
    assert _status(mission) == S.EN_ROUTE_OUT and _arrivals(mission) == 0

    signal["on"] = True
    page.context.set_offline(False)

    expect(page.locator("#outbox")).to_have_attribute("data-count", "0", timeout=8000)
    assert lost_answers == [200]
    assert _status(mission) == S.ON_SITE
    assert _arrivals(mission) == 1
    assert MissionEvent.objects.filter(mission=mission).count() == 2  # departed + arrived, nothing more


def test_tap_sent_eight_minutes_late_keeps_the_time_of_the_tap(open_page, member, committed_db):
    mission = _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    # The phone's clock starts eight minutes back; the tap is made then and sent eight minutes later.
    page.clock.install(time=timezone.now() - timedelta(minutes=8))
    page.reload()
    button = page.locator("#next-phase")
    expect(button).to_have_text("Arrived at bedside")
    page.context.set_offline(True)

    button.click()

    expect(page.locator("#outbox")).to_have_attribute("data-count", "1")
    tapped_at = page.evaluate(f"JSON.parse(localStorage.getItem('ecmo.outbox.{member.pk}'))[0].body.occurred_at")
    page.clock.fast_forward("08:00")
    assert _arrivals(mission) == 0
    page.context.set_offline(False)

    expect(page.locator("#outbox")).to_have_attribute("data-count", "0", timeout=8000)
    event = MissionEvent.objects.get(mission=mission, to_status=S.ON_SITE)
    tapped = datetime.fromisoformat(tapped_at.replace("Z", "+00:00"))
    assert event.occurred_at == tapped
    assert _mission(mission).on_site_at == tapped
    assert event.created_at - event.occurred_at > timedelta(minutes=7)


def test_a_double_tap_advances_one_phase(open_page, member, committed_db):
    mission = _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    button = page.locator("#next-phase")
    expect(button).to_have_text("Arrived at bedside")

    button.dblclick()

    wait_until(lambda: _status(mission) == S.ON_SITE)
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")  # nothing else waiting to go
    expect(page.locator("#next-phase")).to_have_text("Cannulation started")
    expect(page.locator("#next-phase")).to_be_enabled()
    assert _status(mission) == S.ON_SITE
    assert _arrivals(mission) == 1 and _entered(mission, S.CANNULATING) == 0


def test_a_stale_tap_of_a_step_already_recorded_is_dropped_quietly(open_page, mission, member):
    """The same step tapped on a second phone without signal: the server refuses it (expected
    status), the phone drops it without an alarm and shows the mission as it is."""
    second = open_page(member, "/team/", phone=True)
    expect(second.locator("#depart-road")).to_be_visible()
    second.context.set_offline(True)
    first = open_page(member, "/team/", phone=True)
    first.locator("#depart-road").click()
    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)

    second.locator("#depart-road").click()
    expect(second.locator("#outbox")).to_have_attribute("data-count", "1")
    second.context.set_offline(False)

    expect(second.locator("#outbox")).to_have_attribute("data-count", "0", timeout=8000)
    expect(second.locator("#mm-note")).to_have_text("Already recorded. Showing the mission as it is now.")
    expect(second.locator("#outbox")).to_be_hidden()  # no error shown
    expect(second.locator("#next-phase")).to_have_text("Arrived at bedside")
    assert _entered(mission, S.EN_ROUTE_OUT) == 1


def test_undo_within_the_window_moves_the_status_back(open_page, member, committed_db):
    mission = _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    page.locator("#next-phase").click()
    wait_until(lambda: _status(mission) == S.ON_SITE)
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")  # sent: the server takes it back
    undo = page.locator("#undo")
    expect(undo).to_contain_text("Undo “Arrived at bedside”")

    undo.click()
    page.get_by_role("button", name="Tapped by mistake").click()

    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)
    undone = MissionEvent.objects.get(mission=mission, kind="mission.undone")
    assert undone.payload["reason"] == "Tapped by mistake"
    assert _mission(mission).on_site_at is None
    expect(page.locator("#next-phase")).to_have_text("Arrived at bedside")
    expect(undo).to_be_hidden()


def test_adverse_event_is_reported_in_two_taps(open_page, server, member, committed_db):
    mission = _on_mission(member, S.ON_SITE)
    page = open_page(member, "/team/", phone=True)
    page.locator("#report-problem").click()

    page.locator('button[data-category="patient"][data-code="hypotension"]').click()
    page.locator('button[data-severity="major"]').click()

    expect(page.locator("#mm-note")).to_have_text("Problem reported: Hypotension (Major).")
    status, body = api(server, factories.make_coordinator(), "GET", f"/api/v1/missions/{mission.pk}/adverse-events/")
    assert status == 200
    assert [(a["category"], a["code"], a["severity"], a["phase"]) for a in body] == [
        ("patient", "hypotension", "major", S.ON_SITE)
    ]
    assert AdverseEvent.objects.get(mission=mission).reported_by == member


def test_leaving_without_ecmo_records_the_outcome_and_the_vehicle(open_page, member, committed_db):
    mission = _on_mission(member, S.ON_SITE)
    page = open_page(member, "/team/", phone=True)
    expect(page.locator("#next-phase")).to_have_text("Cannulation started")

    page.locator("#without-ecmo").click()
    page.get_by_role("button", name="Without ECMO, by road").click()

    wait_until(lambda: _status(mission) == S.EN_ROUTE_BACK)
    done = _mission(mission)
    assert (done.outcome, done.return_transport_mode) == ("transported_without_ecmo", "road")


def test_secondary_mission_takes_over_the_circuit_with_the_mode_chosen(open_page, member, committed_db):
    mission = _on_mission(member, S.ON_SITE, kind=MissionKind.SECONDARY, support=Support.ECPR)
    page = open_page(member, "/team/", phone=True)
    button = page.locator("#next-phase")
    expect(button).to_have_text("Circuit taken over · VA")  # ECPR runs VA: preselected
    expect(page.locator("#without-ecmo")).to_have_count(0)  # the patient is already on ECMO

    page.locator('button[data-mode="vav"]').click()
    expect(button).to_have_text("Circuit taken over · VAV")
    button.click()

    wait_until(lambda: _status(mission) == S.ON_ECMO)
    assert _mission(mission).support_mode == "vav"


def test_cancelled_mission_shows_the_stand_down_screen(open_page, server, mission, member):
    page = open_page(member, "/team/", phone=True)
    expect(page.locator("#depart-road")).to_be_visible()

    body = {"to": S.CANCELLED, "outcome": "patient_died", "reason": "Died before departure"}
    path = f"/api/v1/missions/{mission.pk}/transitions/"
    status, answer = api(server, factories.make_coordinator(), "POST", path, body)
    assert status == 200, answer

    stand_down = page.locator("#stand-down")
    expect(stand_down).to_be_visible(timeout=12000)
    expect(stand_down).to_contain_text("Stand down")
    expect(page.locator("#sd-code")).to_have_text(mission.code)
    expect(page.locator("#sd-outcome")).to_have_text("Patient died")
    expect(page.locator("#sd-reason")).to_have_text("Reason: Died before departure")
    expect(page.locator("#my-mission")).to_be_hidden()
    page.reload()
    expect(stand_down).to_be_visible()  # stays until dismissed
    page.locator("#sd-dismiss").click()
    expect(stand_down).to_be_hidden()
    expect(page.locator("#no-mission")).to_be_visible()


def test_team_member_accepts_the_alert_then_departs(open_page, server, member, committed_db):
    coordinator = factories.make_coordinator()
    mission = factories.MissionFactory(status=S.UNDER_REVIEW, required_roles=[TeamRole.ECMO_PHYSICIAN])
    path = f"/api/v1/missions/{mission.pk}/transitions/"
    status, body = api(server, coordinator, "POST", path, {"to": S.TEAM_ACTIVATED})
    assert status == 200, body
    path = f"/api/v1/missions/{mission.pk}/alerts/{TeamRole.ECMO_PHYSICIAN}/page/"
    status, body = api(server, coordinator, "POST", path, {"member_id": member.pk})
    assert status in (200, 201), body
    page = open_page(member, "/team/", phone=True)
    alert = page.locator(".alert")
    expect(alert).to_contain_text(mission.code)

    alert.locator("button[data-action=accept]").click()

    wait_until(lambda: _status(mission) == S.TEAM_READY)
    expect(page.locator(".alert")).to_have_count(0)
    page.locator("#depart-road").click(timeout=12000)
    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)


def test_member_who_consents_shares_position_while_travelling(browser, server, member, committed_db):
    from dispatch.tracking.models import Position
    from tests.browser.conftest import PHONE, login_cookie

    travelling = factories.MissionFactory(status=S.EN_ROUTE_OUT, required_roles=[TeamRole.ECMO_PHYSICIAN])
    factories.assign(travelling, member)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["geolocation"], origin=server)
    context.set_geolocation({"latitude": 46.30, "longitude": 15.20})
    context.add_cookies([login_cookie(member, server)])
    page = context.new_page()
    page.goto(server + "/team/")
    consent = page.locator("#share-position-consent")
    expect(page.locator("#share-position")).to_be_visible()
    assert Position.objects.filter(mission=travelling).count() == 0  # nothing without consent

    consent.check()

    wait_until(lambda: Position.objects.filter(mission=travelling, member=member).exists())
    expect(page.locator("#position-state")).to_contain_text("expected arrival")
    chromium.close(context)


# --- the phone under stress: waiting, the alert card, the connection, stand-down ----------------


def _paged_mission(server, coordinator, paged: list, **fields) -> Mission:
    """A mission activated through the API, with each (role, member) paged by name."""
    fields.setdefault("required_roles", [role for role, _member in paged])
    mission = factories.MissionFactory(status=S.UNDER_REVIEW, **fields)
    status, body = api(
        server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", {"to": S.TEAM_ACTIVATED}
    )
    assert status == 200, body
    for role, person in paged:
        status, body = api(
            server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/alerts/{role}/page/", {"member_id": person.pk}
        )
        assert status in (200, 201), body
    return mission


def _answer(server, person, mission, action: str) -> None:
    status, alerts = api(server, person, "GET", "/api/v1/alerts/")
    alert = next(a for a in alerts if a["mission_id"] == mission.pk)
    status, body = api(server, person, "POST", f"/api/v1/alerts/{alert['id']}/{action}/", {})
    assert status == 200, body


def test_waiting_for_the_team_shows_no_empty_button(open_page, member, committed_db):
    """Accepted, the others not yet: nothing to tap but the problem report, and no blank button."""
    _on_mission(member, S.TEAM_ACTIVATED, required_roles=[TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST])
    page = open_page(member, "/team/", phone=True)

    expect(page.locator("#mm-wait")).to_be_visible()
    expect(page.locator("#mm-status")).to_have_attribute("data-status", S.TEAM_ACTIVATED)
    expect(page.locator("button.big:visible")).to_have_count(0)
    for button in page.locator("button:visible").all():
        assert button.inner_text().strip(), button.evaluate("b => b.outerHTML")
    # `hidden` beats `button.big { display:block }` wherever it is set.
    assert (
        page.locator("#phase-actions").evaluate(
            "box => { const b = document.createElement('button'); b.className = 'big phase'; b.hidden = true;"
            " box.append(b); const d = getComputedStyle(b).display; b.remove(); return d; }"
        )
        == "none"
    )


def test_a_second_tap_one_second_later_does_not_advance_again(open_page, member, committed_db):
    mission = _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    page.clock.install(time=timezone.now())
    page.reload()
    button = page.locator("#next-phase")
    expect(button).to_have_text("Arrived at bedside")
    page.clock.pause_at(timezone.now() + timedelta(seconds=5))  # the page's time moves only when told

    button.tap()
    wait_until(lambda: _status(mission) == S.ON_SITE)
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")
    expect(button).to_have_text("Cannulation started")  # the next step is already under the thumb
    page.clock.run_for(1000)
    # A read that lands now re-renders the button: take its box once it is on screen again.
    box = box_of(button)
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the same thumb, 1 s on

    page.clock.run_for(4000)  # past the tap lock and the next outbox round
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")
    expect(button).to_be_enabled()
    assert _status(mission) == S.ON_SITE
    assert _arrivals(mission) == 1 and _entered(mission, S.CANNULATING) == 0


def test_connection_pill_goes_offline_with_the_network(open_page, member, committed_db):
    _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    pill, banner = page.locator("#connection"), page.locator("#net-banner")
    expect(pill).to_have_attribute("data-state", "live")
    expect(banner).to_be_hidden()

    page.context.set_offline(True)

    expect(pill).to_have_attribute("data-state", "offline", timeout=4000)
    expect(pill).not_to_contain_text("Live")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("No network")
    page.context.set_offline(False)
    expect(pill).to_have_attribute("data-state", "live", timeout=10000)
    expect(banner).to_be_hidden()


def test_connection_pill_says_reconnecting_while_the_server_is_away(open_page, daphne, member, committed_db):
    _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    pill = page.locator("#connection")
    expect(pill).to_have_attribute("data-state", "live")

    daphne.stop()
    try:
        expect(pill).to_have_attribute("data-state", "reconnecting", timeout=8000)
        expect(pill).to_contain_text("Reconnecting")
        expect(page.locator("#net-banner")).to_contain_text("Reconnecting")
    finally:
        daphne.start()
    expect(pill).to_have_attribute("data-state", "live", timeout=20000)


def test_without_a_mission_the_page_says_it_waits_and_shows_the_real_connection(open_page, member, committed_db):
    page = open_page(member, "/team/", phone=True)
    pill = page.locator("#connection")

    expect(page.locator("#no-mission")).to_contain_text("No active mission — waiting for a page")
    expect(pill).to_have_attribute("data-state", "online")  # read the server just now; not "Connecting…"
    expect(pill).to_have_text("Online")
    page.context.set_offline(True)
    expect(pill).to_have_attribute("data-state", "offline")
    expect(page.locator("#net-banner")).to_be_visible()
    page.context.set_offline(False)
    expect(pill).to_have_attribute("data-state", "online", timeout=15000)


def test_alert_is_a_structured_card_with_the_team_and_who_is_missing(open_page, server, member, committed_db, settings):
    coordinator = factories.make_coordinator()
    perfusionist = factories.make_team_member(TeamRole.PERFUSIONIST, first_name="Petra", last_name="Kos")
    nurse = factories.make_team_member(TeamRole.NURSE, first_name="Jana", last_name="Zupan")
    mission = _paged_mission(
        server,
        coordinator,
        [(TeamRole.ECMO_PHYSICIAN, member), (TeamRole.PERFUSIONIST, perfusionist), (TeamRole.NURSE, nurse)],
        patient_age=52,
        patient_sex="female",
        patient_weight_kg=71.5,
        callback_phone="+38641222333",
    )
    _answer(server, perfusionist, mission, "accept")
    Referral.objects.create(mission=mission, submitted_by=coordinator, vv_cause="viral_pneumonia")
    page = open_page(member, "/team/", phone=True)
    card = page.locator(".alert")

    expect(card.locator("h1")).to_have_text(mission.code)
    expect(card).to_contain_text("You are paged as ECMO physician")
    expect(card).to_contain_text("SB Murska Sobota")
    expect(card).to_contain_text("Primary: the team cannulates on site")
    expect(card).to_contain_text("VV ECMO")
    expect(card).to_contain_text("CauseViral pneumonia")  # what the team is going for, from the referral
    expect(card).to_contain_text("52 years · female · 71.5 kg")
    expect(card).to_contain_text("Emergency entrance of the ECMO centre, ECMO ambulance")  # MEETING_POINT unset
    taken = card.locator('li[data-role="perfusionist"]')
    expect(taken).to_contain_text("✓")
    expect(taken).to_contain_text("Perfusionist: Petra Kos")
    expect(taken).to_contain_text("accepted")
    expect(card.locator('li[data-role="nurse"]')).to_contain_text("paging")
    # Their own role waits on them, in words that do not contradict "you".
    expect(card.locator('li[data-role="ecmo_physician"]')).to_have_text("◔ECMO physician: youwaiting for your answer")
    expect(card.locator(".missing")).to_have_text("Still missing: ECMO physician, Nurse")
    expect(card.locator('a[data-call="centre"]')).to_have_attribute("href", f"tel:{settings.CENTRE_PHONE}")
    expect(card.locator('a[data-call="referrer"]')).to_have_attribute("href", "tel:+38641222333")
    expect(card).not_to_contain_text("Reply 1")  # not the SMS
    expect(card.locator('a[href$="/team/"]')).to_have_count(0)  # no link to the page you are on


def test_decline_says_what_happens_next(open_page, server, member, committed_db):
    from dispatch.notifications.models import AlertRecipient

    coordinator = factories.make_coordinator()
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    page = open_page(member, "/team/", phone=True)
    card = page.locator(".alert")

    card.locator("button[data-action=decline]").click()

    expect(card.locator(".answer")).to_have_text("You declined. The centre is paging someone else. Nothing more to do.")
    expect(card.locator("button.decline")).to_be_hidden()
    expect(card.locator("button.accept")).to_be_hidden()
    expect(card.get_by_role("button", name="I can come after all: accept")).to_be_visible()
    wait_until(
        lambda: AlertRecipient.objects.filter(alert__mission=mission, member=member, response="declined").exists()
    )
    page.reload()
    expect(page.locator(".alert .answer")).to_contain_text("You declined.")  # still true after a reload


def test_a_page_declined_by_sms_shows_as_declined_on_the_phone(open_page, server, member, committed_db):
    coordinator = factories.make_coordinator()
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    alert = Alert.objects.get(mission=mission, team_role=TeamRole.ECMO_PHYSICIAN)
    decline_alert(alert_id=alert.pk, member=member, via=EventSource.SMS)  # "NE" from the phone's SMS app

    page = open_page(member, "/team/", phone=True)
    card = page.locator(".alert")

    expect(card).to_have_attribute("data-state", "declined")
    expect(card.locator(".answer")).to_contain_text("You declined.")
    expect(card.locator("button.accept")).to_be_hidden()
    expect(card.get_by_role("button", name="I can come after all: accept")).to_be_visible()
    expect(card.locator('li[data-role="ecmo_physician"]')).not_to_contain_text("waiting for your answer")


def test_page_taken_by_someone_else_shows_a_stand_down(open_page, server, member, committed_db):
    coordinator = factories.make_coordinator()
    other = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    status, body = api(
        server,
        coordinator,
        "POST",
        f"/api/v1/missions/{mission.pk}/alerts/{TeamRole.ECMO_PHYSICIAN}/page/",
        {"member_id": other.pk},
    )
    assert status in (200, 201), body
    page = open_page(member, "/team/", phone=True)
    expect(page.locator(".alert")).to_contain_text(mission.code)

    _answer(server, other, mission, "accept")

    stand_down = page.locator("#stand-down")
    expect(stand_down).to_be_visible(timeout=15000)
    expect(page.locator("#sd-code")).to_have_text(mission.code)
    expect(page.locator("#sd-taken")).to_have_text("Someone else accepted this page. You are not needed.")
    expect(page.locator(".alert")).to_have_count(0)
    expect(page.locator("#no-mission")).to_be_hidden()


def test_page_called_off_while_paging_shows_a_stand_down(open_page, server, member, committed_db):
    coordinator = factories.make_coordinator()
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    page = open_page(member, "/team/", phone=True)
    expect(page.locator(".alert")).to_contain_text(mission.code)

    body = {"to": S.CANCELLED, "outcome": "patient_improved", "reason": "Better on prone position"}
    status, answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)
    assert status == 200, answer

    expect(page.locator("#stand-down")).to_be_visible(timeout=15000)
    expect(page.locator("#sd-status")).to_have_text("Page withdrawn: the mission was called off")
    expect(page.locator("#no-mission")).to_be_hidden()
    page.locator("#sd-dismiss").click()
    expect(page.locator("#no-mission")).to_be_visible()


def test_a_phone_opened_after_the_call_off_still_shows_the_stand_down(open_page, server, member, committed_db):
    coordinator = factories.make_coordinator()
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    _answer(server, member, mission, "accept")  # by SMS, say: this phone never saw the page
    body = {"to": S.CANCELLED, "outcome": "patient_died", "reason": "Died before departure"}
    status, answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)
    assert status == 200, answer

    page = open_page(member, "/team/", phone=True)

    expect(page.locator("#stand-down")).to_be_visible()
    expect(page.locator("#sd-code")).to_have_text(mission.code)
    expect(page.locator("#sd-reason")).to_have_text("Reason: Died before departure")
    page.locator("#sd-dismiss").click()
    expect(page.locator("#no-mission")).to_be_visible()
    page.reload()
    expect(page.locator("#no-mission")).to_be_visible()  # dismissed stays dismissed
    expect(page.locator("#stand-down")).to_be_hidden()


def test_a_phone_opened_after_declining_a_page_that_was_called_off_shows_no_stand_down(
    open_page, server, member, committed_db
):
    coordinator = factories.make_coordinator()
    mission = _paged_mission(server, coordinator, [(TeamRole.ECMO_PHYSICIAN, member)])
    _answer(server, member, mission, "decline")
    body = {"to": S.CANCELLED, "outcome": "patient_improved", "reason": "Better on prone position"}
    status, answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)
    assert status == 200, answer

    page = open_page(member, "/team/", phone=True)

    expect(page.locator("#connection")).to_have_attribute("data-state", "online")  # its first read is done
    expect(page.locator("#no-mission")).to_be_visible()
    expect(page.locator("#stand-down")).to_be_hidden()  # they said no: nothing to stand down from


def test_drill_is_marked_and_preparation_progress_shown(open_page, member, committed_db):
    mission = _on_mission(member, S.EN_ROUTE_OUT, is_drill=True)
    preparation = {"done": 3, "total": 7, "url": f"/missions/{mission.pk}/preparation/"}

    def with_preparation(route):
        response = route.fetch()
        missions = response.json()
        for m in missions:
            m["preparation"] = preparation
        route.fulfill(response=response, json=missions)

    page = open_page(member, "/team/", phone=True)
    page.route("**/api/v1/missions/?active=true", with_preparation)
    page.reload()

    band = page.locator("#mm-drill")
    expect(band).to_be_visible()
    expect(band).to_have_text("DRILL · not a real patient")
    assert box_of(band)["y"] < box_of(page.locator("#mm-code"))["y"]  # above the mission code
    progress = page.locator("#my-mission .preparation")
    expect(progress).to_contain_text("Preparation at the referring ICU: 3 of 7 ready")
    expect(progress.get_by_role("link")).to_have_attribute("href", preparation["url"])
    expect(page.locator("#my-mission")).not_to_contain_text("null")  # every fact there or left out


def test_the_screen_is_kept_awake_on_a_mission_and_taken_again_on_return(open_page, member, committed_db):
    _on_mission(member, S.EN_ROUTE_OUT)
    page = open_page(member, "/team/", phone=True)
    # A recording stand-in for the Wake Lock API (headless Chromium has no screen to keep on).
    page.add_init_script("""
        window.__wake = [];
        Object.defineProperty(navigator, "wakeLock", { configurable: true, value: { request: async (type) => {
            const sentinel = new EventTarget();
            sentinel.release = async () => sentinel.dispatchEvent(new Event("release"));
            window.__wake.push({ type, sentinel });
            return sentinel;
        } } });
    """)
    page.reload()
    body = page.locator("body")

    expect(body).to_have_attribute("data-wake-lock", "held")
    assert page.evaluate("window.__wake.map(w => w.type)") == ["screen"]
    page.evaluate("window.__wake[0].sentinel.release()")  # the browser let go (the page was hidden)
    expect(body).to_have_attribute("data-wake-lock", "released")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(body).to_have_attribute("data-wake-lock", "held")
    assert page.evaluate("window.__wake.length") == 2


def test_web_app_manifest_is_linked_and_served(open_page, server, member, committed_db):
    import io
    import json

    from PIL import Image

    page = open_page(member, "/team/", phone=True)
    href = page.locator('head link[rel="manifest"]').get_attribute("href")
    response = page.request.get(server + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.body())
    assert manifest["start_url"] == "/team/" and manifest["display"] == "standalone"
    base = response.url.rsplit("/", 1)[0] + "/"
    for icon in manifest["icons"]:
        image = page.request.get(base + icon["src"])
        assert image.status == 200 and image.headers["content-type"] == "image/png"
        width, height = Image.open(io.BytesIO(image.body())).size
        assert f"{width}x{height}" == icon["sizes"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_page_follows_the_colour_scheme_without_serious_axe_violations(
    browser, server, member, committed_db, scheme
):
    from tests.browser.conftest import PHONE, login_cookie
    from tests.support import axe

    coordinator = factories.make_coordinator()
    _on_mission(member, S.TEAM_ACTIVATED, required_roles=[TeamRole.ECMO_PHYSICIAN, TeamRole.NURSE])
    nurse = factories.make_team_member(TeamRole.NURSE)
    _paged_mission(
        server,
        coordinator,
        [(TeamRole.NURSE, member), (TeamRole.PERFUSIONIST, nurse)],
        is_drill=True,
        required_roles=[TeamRole.NURSE, TeamRole.PERFUSIONIST],
    )
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, color_scheme=scheme)
    context.add_cookies([login_cookie(member, server)])
    page = context.new_page()
    page.goto(server + "/team/")
    expect(page.locator("#my-mission .team-list")).to_be_visible()
    expect(page.locator(".alert .team-list")).to_be_visible()

    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(c) for c in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
    assert (sum(channels) / 3 < 60) == (scheme == "dark"), background
    found = axe.violations(page)
    chromium.close(context)
    assert not found, axe.describe(found)


def test_before_departure_the_card_gives_both_ways_there_the_recommended_first(open_page, member, mission):
    page = open_page(member, "/team/", phone=True)

    travel = page.locator("#mm-travel")
    # Road always; the helicopter too by day: the team chooses at the door, so both are shown.
    expect(travel).to_have_text(re.compile(r"^Way there: \w+ (\d+ h )?\d+ min \(recommended\)"))
    expect(travel).to_contain_text("Road ")


def test_on_the_way_the_card_gives_the_planned_arrival_at_the_bedside(open_page, member, committed_db):
    _on_mission(
        member, S.EN_ROUTE_OUT, departed_at=timezone.now() - timedelta(minutes=10), outbound_transport_mode="road"
    )
    page = open_page(member, "/team/", phone=True)

    expect(page.locator("#mm-travel")).to_have_text(re.compile(r"^At the bedside about " + CLOCK_TIME + "$"))


def test_the_travel_line_arrives_below_the_buttons_never_moving_them_under_a_thumb(open_page, member, mission):
    page = open_page(member, "/team/", phone=True)
    travel = page.locator("#mm-travel")
    expect(travel).to_be_visible()

    buttons = box_of(page.locator("#phase-actions"))

    assert box_of(travel)["y"] >= buttons["y"] + buttons["height"]


def test_a_redraw_with_nothing_new_for_the_buttons_leaves_them_under_the_thumb(open_page, member, mission):
    page = open_page(member, "/team/", phone=True)
    road = page.locator("#depart-road")
    expect(road).to_be_visible()
    under_thumb = road.element_handle()

    def with_preparation(route):
        response = route.fetch()
        missions = response.json()
        for m in missions:
            m["preparation"] = {"done": 1, "total": 7, "url": f"/missions/{mission.pk}/preparation/"}
        route.fulfill(response=response, json=missions)

    page.route("**/api/v1/missions/?active=true", with_preparation)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # the page reads again, as it does every 10 s

    expect(page.locator("#my-mission .preparation")).to_contain_text("1 of 7")  # the card was drawn again
    # A button replaced mid-tap loses the tap: press and release would land on two elements.
    assert under_thumb.evaluate("button => button.isConnected")
