"""The team phone page in a real browser at phone size: accept, advance, and taps made without signal."""

import pytest
from playwright.sync_api import expect

from dispatch.models import Mission, MissionEvent, MissionStatus, TeamRole
from tests.browser.conftest import api
from tests.support import factories
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.browser]
S = MissionStatus


@pytest.fixture
def member(committed_db):
    return factories.make_team_member(team_role=TeamRole.ECMO_PHYSICIAN)


@pytest.fixture
def mission(committed_db, member):
    mission = factories.MissionFactory(status=S.TEAM_READY, required_roles=[TeamRole.ECMO_PHYSICIAN])
    factories.assign(mission, member)
    return mission


def _status(mission) -> str:
    return Mission.objects.values_list("status", flat=True).get(pk=mission.pk)


def _arrivals(mission) -> int:
    return MissionEvent.objects.filter(mission=mission, to_status=S.ON_SITE).count()


def test_team_member_advances_a_phase_on_the_phone(open_page, mission, member):
    page = open_page(member, "/team/", phone=True)
    button = page.locator("#next-phase")
    expect(button).to_have_text("Departed")
    box = button.bounding_box()
    assert box["width"] > 300 and box["height"] >= 60  # one big thumb-sized button

    button.click()

    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)
    expect(button).to_have_text("Arrived at bedside")
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")


def test_tap_without_signal_is_queued_and_lands_exactly_once(open_page, mission, member):
    page = open_page(member, "/team/", phone=True)
    button = page.locator("#next-phase")
    button.click()
    wait_until(lambda: _status(mission) == S.EN_ROUTE_OUT)
    expect(page.locator("#outbox")).to_have_attribute("data-count", "0")  # the first tap's answer is in
    expect(button).to_have_text("Arrived at bedside")
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
    page.wait_for_timeout(500)
    assert _status(mission) == S.EN_ROUTE_OUT and _arrivals(mission) == 0

    signal["on"] = True
    page.context.set_offline(False)

    expect(page.locator("#outbox")).to_have_attribute("data-count", "0", timeout=8000)
    assert lost_answers == [200]
    assert _status(mission) == S.ON_SITE
    assert _arrivals(mission) == 1
    assert MissionEvent.objects.filter(mission=mission).count() == 2  # departed + arrived, nothing more


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
    page.locator("#next-phase").click(timeout=12000)
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
