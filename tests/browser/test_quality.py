"""/quality/ in Chromium: the charts are drawn with data, under the CSP, with no console errors or
serious accessibility violations."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from dispatch.models import AdverseEvent, EventSource, MissionEvent, TeamRole
from dispatch.notifications.models import Alert, AlertRecipient, AlertState, Response
from tests.browser.conftest import login_cookie
from tests.dispatch.quality.conftest import JUNE, aborted_before_flow, completed_mission
from tests.support import axe, chromium, factories
from tests.support.chromium import box_of

pytestmark = [pytest.mark.browser]

CHARTS = ["chart-medians", "chart-histogram", "chart-outcomes", "chart-adverse", "chart-paging"]
# Records violations the page itself sees (console text alone can be missed).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def coordinator(committed_db):
    user = factories.make_coordinator()
    nurse = factories.make_team_member(TeamRole.NURSE)
    for day in range(0, 70, 7):
        mission = completed_mission(JUNE + timedelta(days=day), code=f"Q-{day}", shift={"flow_established_at": day})
        alert = Alert.objects.create(mission=mission, team_role=TeamRole.NURSE, message="x",
                                     state=AlertState.ACCEPTED, step_index=1)
        recipient = AlertRecipient.objects.create(alert=alert, member=nurse, tier="primary")
        AlertRecipient.objects.filter(pk=recipient.pk).update(
            response=Response.ACCEPTED, responded_at=recipient.first_paged_at + timedelta(minutes=2 + day / 10)
        )
    aborted = aborted_before_flow(JUNE + timedelta(days=3), code="Q-ABORTED")
    event = MissionEvent.objects.create(mission=aborted, sequence=10_000, kind="adverse_event.recorded",
                                        source=EventSource.WEB)
    AdverseEvent.objects.create(mission=aborted, category="patient", code="hypotension", severity="major",
                                phase="on_site", occurred_at=aborted.on_site_at, reported_by=user, event=event)
    return user


def _open(browser, server, user, *, language: str = "en"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, extra_http_headers={
        "Accept-Language": language})
    context.add_cookies([login_cookie(user, server)])
    context.add_init_script(LISTEN)
    page = context.new_page()
    errors: list[str] = []
    # A failed load shows as a console error without its address: record the address instead. The
    # browser's own /favicon.ico request is not the page's (no icon is served yet).
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
            and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    response = page.goto(server + "/quality/")
    assert response is not None and response.status == 200
    return context, page, errors


@pytest.mark.parametrize("language", ["en", "sl"])
def test_the_charts_are_drawn_with_data_without_errors_or_csp_violations(browser, server, coordinator, language):
    context, page, errors = _open(browser, server, coordinator, language=language)
    try:
        for chart in CHARTS:
            expect(page.locator(f"#{chart}")).to_have_attribute("data-points", re.compile(r"^[1-9]\d*$"))
        # Chart.js sized each canvas to its box: it really drew.
        box = box_of(page.locator("#chart-histogram"))
        assert box["width"] > 200 and box["height"] > 200
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__csp") == []
        assert errors == []
    finally:
        chromium.close(context)


def test_the_page_has_no_serious_accessibility_violations(browser, server, coordinator):
    context, page, _errors = _open(browser, server, coordinator)
    try:
        expect(page.locator("#chart-paging")).to_have_attribute("data-points", re.compile(r"^[1-9]"))
        found = axe.violations(page)
        assert found == [], axe.describe(found)
    finally:
        chromium.close(context)


def test_a_slovene_page_writes_chart_numbers_with_a_decimal_comma_in_any_browser(browser, server, coordinator):
    context, page, _errors = _open(browser, server, coordinator, language="sl")  # the browser itself is en-US
    try:
        expect(page.locator("#chart-medians")).to_have_attribute("data-points", re.compile(r"^[1-9]"))

        label = page.evaluate("Chart.getChart('chart-medians').scales.y.getLabelForValue(12.5)")

        assert label == "12,5"  # the axis and its tooltips, as the tables below write it
    finally:
        chromium.close(context)
