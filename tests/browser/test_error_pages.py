"""Error pages in a real browser: on a phone, a lost user finds the way back, within the CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login_cookie
from tests.browser.test_csp import LISTEN
from tests.support import chromium, factories
from tests.support.chromium import box_of

pytestmark = [pytest.mark.browser]


@pytest.fixture
def coordinator(committed_db):
    return factories.make_coordinator()


def test_404_page_on_a_phone_shows_the_way_back_and_passes_the_csp(browser, server, coordinator):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([login_cookie(coordinator, server)])
    context.add_init_script(LISTEN)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(server + "/board/")
    with page.expect_navigation() as navigation:  # followed from a page of ours, as a stale link would be
        page.evaluate("window.location.assign('/missions/no-such-mission/')")

    response = navigation.value
    assert response is not None and response.status == 404
    home = page.locator("#error-home")
    expect(home).to_be_visible()
    expect(home).to_have_attribute("href", "/")
    box = box_of(home)
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 44  # a thumb can hit it
    expect(page.locator("#error-back")).to_be_visible()  # the board came before it
    page.wait_for_load_state("networkidle")
    assert console + page.evaluate("window.__csp") == []

    home.click()
    page.wait_for_url(server + "/board/")
    chromium.close(context)


def test_404_page_opened_directly_offers_only_the_start_page(browser, server, coordinator):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(server + "/no-such-page/")

    expect(page.locator("#error-home")).to_be_visible()
    expect(page.locator("#error-back")).to_be_hidden()
    chromium.close(context)
