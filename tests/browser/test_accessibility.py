"""axe-core on the front-line pages, in Slovene and in English: no serious or critical violation.

Each page is filled the way it is used at night: the board with an ECPR referral, a team on the
road, a drill and a closed mission; the mission page with paging under way; the phone with an
active mission. The page's language follows Accept-Language, as a Slovene phone sends it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import MissionStatus, Profile
from tests.browser.conftest import PHONE, api, login_cookie
from tests.support import axe, chromium, factories, paging

pytestmark = [pytest.mark.browser]
S = MissionStatus
LANGUAGES = ["sl", "en"]
REFERRAL = {"support": "vv", "patient_age": 45, "patient_sex": "male", "patient_weight_kg": "80.0",
            "referring_physician": "Dr. Novak", "callback_phone": "+38641555111", "vv_cause": "viral_pneumonia",
            "gas_unit": "mmHg", "pao2": 54, "fio2": 0.6}


def _speaks(user, language: str):
    Profile.objects.filter(user=user).update(language=language)
    return user


def _open(browser, server, user, path: str, language: str, *, phone: bool = False):
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language}, **options)
    context.add_cookies([login_cookie(_speaks(user, language), server)])
    page = context.new_page()
    page.goto(server + path)
    return context, page


def _assert_no_serious_violations(page) -> None:
    found = axe.violations(page)
    assert not found, axe.describe(found)


@pytest.mark.parametrize("language", LANGUAGES)
def test_referral_form(browser, server, committed_db, language):
    referrer = factories.make_referrer(factories.regional_hospital("SBCE"))
    context, page = _open(browser, server, referrer, "/referrals/new/", language, phone=True)

    expect(page.locator("form").first).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    _assert_no_serious_violations(page)
    chromium.close(context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_board(browser, server, committed_db, language):
    now = timezone.now()
    coordinator = factories.make_coordinator()
    referrer = factories.make_referrer(factories.regional_hospital("SBCE"))
    status, body = api(server, referrer, "POST", "/api/v1/referrals/", REFERRAL)  # scores, missing inputs
    assert status == 201, body
    factories.MissionFactory(support="ecpr", status=S.REQUESTED, requested_at=now - timedelta(minutes=20),
                             status_changed_at=now - timedelta(minutes=20))
    factories.MissionFactory(status=S.EN_ROUTE_OUT, outbound_transport_mode="road",
                             departed_at=now - timedelta(minutes=20), status_changed_at=now - timedelta(minutes=20))
    factories.MissionFactory(status=S.COMPLETED, outcome="cannulated_transported",
                             closed_at=now - timedelta(hours=1), status_changed_at=now - timedelta(hours=1))
    factories.MissionFactory(status=S.TEAM_ACTIVATED, is_drill=True)
    accepted = factories.MissionFactory(status=S.TEAM_READY)
    factories.assign(accepted, factories.make_team_member())
    context, page = _open(browser, server, coordinator, "/board/", language)

    expect(page.locator("#board .mission-card")).to_have_count(5)
    expect(page.locator("#board-closed .mission-card")).to_have_count(1)
    _assert_no_serious_violations(page)
    chromium.close(context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_mission_page(browser, server, committed_db, language):
    coordinator = factories.make_coordinator()
    paging.on_call("perfusionist")
    mission = paging.activate(roles=("ecmo_physician", "perfusionist"), coordinator=coordinator)
    context, page = _open(browser, server, coordinator, f"/missions/{mission.pk}/", language)

    expect(page.locator('#coverage > li[data-role="perfusionist"] button.repage')).to_be_visible()
    _assert_no_serious_violations(page)
    chromium.close(context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_team_phone(browser, server, committed_db, language):
    member = paging.on_call("ecmo_physician")
    mission = factories.MissionFactory(status=S.EN_ROUTE_OUT, departed_at=timezone.now(),
                                       outbound_transport_mode="road", required_roles=["ecmo_physician"])
    factories.assign(mission, member)
    context, page = _open(browser, server, member, "/team/", language, phone=True)

    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(page.get_by_text(mission.code).first).to_be_visible()
    _assert_no_serious_violations(page)
    chromium.close(context)
