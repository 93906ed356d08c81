"""Every page passes the Content-Security-Policy in Chromium: no inline script or style is refused."""

import pytest
from playwright.sync_api import Page

from dispatch.models import MissionStatus, TeamRole
from dispatch.referrals.models import Referral
from tests.browser.conftest import login_cookie
from tests.support import chromium, factories

pytestmark = [pytest.mark.browser]

# Records violations the page itself sees (console text alone can be missed after navigation).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _violations(browser, server: str, user, path: str) -> list[str]:
    context = browser.new_context()
    try:
        if user is not None:
            context.add_cookies([login_cookie(user, server)])
        context.add_init_script(LISTEN)
        page: Page = context.new_page()
        console: list[str] = []
        page.on("console", lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None)
        response = page.goto(server + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        assert "script-src 'self'" in response.headers.get("content-security-policy", ""), "no CSP on " + path
        page.wait_for_load_state("networkidle")
        return console + page.evaluate("window.__csp")
    finally:
        chromium.close(context)


@pytest.fixture
def people(committed_db):
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"))
    hospital = referrer.profile.hospital
    mission = factories.MissionFactory(status=MissionStatus.TEAM_ACTIVATED, referring_hospital=hospital)
    Referral.objects.create(mission=mission, submitted_by=referrer)
    member = factories.make_team_member(TeamRole.ECMO_PHYSICIAN)
    factories.assign(mission, member)
    return {
        "coordinator": factories.make_coordinator(),
        "referrer": referrer,
        "member": member,
        "mission": mission,
    }


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, "/login/"),
        ("coordinator", "/board/"),
        ("coordinator", "/missions/{mission}/"),
        ("member", "/team/"),
        ("referrer", "/referrals/new/"),
        ("referrer", "/referrals/{mission}/"),
        ("coordinator", "/api/docs/"),
    ],
)
def test_the_page_reports_no_csp_violation(browser, server, people, who, path):
    user = people[who] if who else None

    violations = _violations(browser, server, user, path.format(mission=people["mission"].pk))

    assert violations == []
