"""The referring ICU's checklist in Chromium: ticked on a phone, seen live by the coordinator and the board."""

import pytest
from playwright.sync_api import expect

from dispatch.preparation.defaults import load_default_items
from dispatch.preparation.models import PreparationItem, PreparationTick
from tests.dispatch.preparation.conftest import activated_mission
from tests.support import axe, factories

pytestmark = [pytest.mark.browser]


@pytest.fixture
def coordinator(committed_db):
    return factories.make_coordinator(first_name="Cora", last_name="Coordinator")


@pytest.fixture
def mission(committed_db, coordinator):
    load_default_items(PreparationItem)
    return activated_mission(coordinator)


@pytest.fixture
def referrer(mission):
    return factories.make_referrer(mission.referring_hospital, first_name="Rok", last_name="Referrer")


def _path(mission) -> str:
    return f"/missions/{mission.pk}/preparation/"


def _line(page, key: str):
    return page.locator(f'.prep-item[data-key="{key}"]')


def _live(page):
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    return page


def test_the_referrer_ticks_on_a_phone_and_the_coordinator_and_the_board_see_it_live(
    open_page, mission, referrer, coordinator
):
    watching = _live(open_page(coordinator, _path(mission)))
    board = _live(open_page(coordinator, "/board/"))
    card = board.locator(f'.mission-card[data-mission-id="{mission.pk}"] .preparation')
    expect(card).to_have_attribute("data-done", "0")
    phone = _live(open_page(referrer, _path(mission), phone=True))

    _line(phone, "chest_xray").locator(".prep-done").check()

    expect(_line(watching, "chest_xray").locator(".prep-done")).to_be_checked(timeout=3000)
    expect(_line(watching, "chest_xray")).to_have_attribute("data-done", "true")
    expect(watching.locator("#prep-progress-text")).to_have_text("1 of 8 ready")
    expect(_line(watching, "chest_xray").locator(".prep-by")).to_contain_text("Rok Referrer")
    expect(card).to_have_attribute("data-done", "1", timeout=3000)


def test_blood_is_ticked_with_its_units(open_page, mission, referrer):
    phone = _live(open_page(referrer, _path(mission), phone=True))
    blood = _line(phone, "blood")

    # click, not check(): the server refuses the tick, and the page may undo it before check() looks.
    blood.locator(".prep-done").click()

    expect(blood.locator(".prep-error")).not_to_be_empty()  # the number of units is missing
    expect(blood.locator(".prep-done")).not_to_be_checked()
    blood.locator(".prep-number").fill("3")
    blood.locator(".prep-done").check()
    expect(blood).to_have_attribute("data-done", "true")
    expect(blood.locator(".prep-error")).to_be_empty()
    tick = PreparationTick.objects.get(mission=mission, item__key="blood")
    assert (tick.done, tick.value, tick.ticked_by_id) == (True, 3, referrer.pk)


def test_the_team_sees_the_checklist_without_ticking_it(open_page, mission):
    member = factories.make_team_member()
    factories.assign(mission, member)

    page = _live(open_page(member, _path(mission), phone=True))

    expect(_line(page, "labs").locator(".prep-done")).to_be_disabled()
    expect(page.locator("#prep-readonly")).to_be_visible()


def test_the_checklist_page_has_no_serious_accessibility_violations(open_page, mission, referrer):
    page = _live(open_page(referrer, _path(mission), phone=True))
    expect(page.locator("#prep-eta-time")).not_to_be_empty()

    found = axe.violations(page)

    assert not found, axe.describe(found)
