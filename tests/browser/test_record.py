"""The mission record page in Chromium: it renders, prints with its own stylesheet, and passes axe."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login_cookie
from tests.support import axe, chromium, factories
from tests.support.records import completed_mission

pytestmark = [pytest.mark.browser]
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def mission(committed_db):
    """A handed-over mission and its coordinator (the services' broadcasts find their own thread:
    `broadcast.run_on_layer`)."""
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    coordinator = factories.make_coordinator()
    started = (timezone.now() - timedelta(hours=6)).replace(microsecond=0)
    return completed_mission(referrer, coordinator, started), coordinator


@pytest.fixture
def record_page(browser, server):
    """record_page(user, mission, language) -> (page, errors): console errors and failed loads, from the start."""
    contexts = []

    def _open(user, mission, language: str = "en", viewport: dict = DESKTOP):
        context = browser.new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
        contexts.append(context)
        context.add_cookies([login_cookie(user, server)])
        page = context.new_page()
        errors: list[str] = []
        # A failed load is named by its URL below; the browser's own favicon request is not the page's.
        page.on("console", lambda msg: errors.append(msg.text)
                if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.goto(f"{server}/missions/{mission.pk}/record/")
        return page, errors

    yield _open
    for context in contexts:
        chromium.close(context)


def test_the_record_page_renders_without_console_errors(mission, record_page):
    mission, coordinator = mission

    page, errors = record_page(coordinator, mission)

    expect(page.locator("#record-code")).to_have_text(mission.code)
    expect(page.locator("#record-outcome-label")).to_have_text("Cannulated on site and transported")
    expect(page.locator("#record-intervals [data-interval=referral_to_flow] td")).to_have_text("2 h 45 min")
    page.wait_for_load_state("networkidle")
    assert errors == []


def test_the_print_stylesheet_hides_the_screen_furniture(mission, record_page, server):
    mission, coordinator = mission
    page, _errors = record_page(coordinator, mission)
    link = page.locator('link[rel="stylesheet"][media="print"]')
    href = link.get_attribute("href")
    assert "records/record-print" in href
    assert page.request.get(server + href).ok
    expect(page.locator(".topbar")).to_be_visible()
    expect(page.locator("#follow-up-form")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("#follow-up-form")).to_be_hidden()
    expect(page.locator("#record-pdf")).to_be_hidden()
    expect(page.locator("#record-code")).to_be_visible()


@pytest.mark.parametrize("language", ["en", "sl"])
def test_the_record_page_has_no_serious_accessibility_violations(mission, record_page, language):
    mission, coordinator = mission
    page, _errors = record_page(coordinator, mission, language)
    expect(page.locator("#record-code")).to_be_visible()

    found = axe.violations(page)

    assert found == [], axe.describe(found)


@pytest.mark.skipif(not os.environ.get("H6_SHOTS"), reason="screenshots on demand")
def test_shots(mission, record_page):
    mission, coordinator = mission
    page, _errors = record_page(coordinator, mission, "sl")
    expect(page.locator("#record-code")).to_be_visible()
    page.screenshot(path=f"{os.environ['H6_SHOTS']}/record_desktop_sl.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=f"{os.environ['H6_SHOTS']}/record_print_sl.png", full_page=True)


def test_on_a_phone_the_record_never_scrolls_sideways(record_page, mission):
    mission, coordinator = mission
    page, _errors = record_page(coordinator, mission, "sl", viewport=PHONE)
    expect(page.locator("#record-scores")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # a wide table scrolls in its box
