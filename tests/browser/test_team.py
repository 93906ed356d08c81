"""The team phone page in a real browser at phone size: accept, advance, and taps made without signal."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import AdverseEvent, Mission, MissionEvent, MissionKind, MissionStatus, Support, TeamRole
from tests.browser.conftest import api
from tests.support import factories
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
    box = locator.bounding_box()
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
    context.close()
