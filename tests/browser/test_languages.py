"""One page per role in each language, in real Chromium: no string of ours left untranslated.

The page's visible text (and its labels, titles and placeholders) is compared with the Slovene
catalogue: in Slovene, no msgid of ours may appear as written (unless its translation is the
same word, e.g. "ECMO", "VV"); in English, no Slovene translation may appear. A Slovene page
also may not contain common English words: a string never wrapped in gettext is in no catalogue.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import Mission, MissionStatus, TeamRole
from tests.browser.conftest import PHONE, Daphne, api, login_cookie
from tests.i18n.catalogue import slovene
from tests.support import chromium, factories
from tests.support.missions import transition_body
from tests.support.processes import base_env

pytestmark = [pytest.mark.browser]

REFERRAL = {
    "support": "vv",
    "patient_age": 52,
    "patient_sex": "female",
    "patient_weight_kg": "70",
    "referring_physician": "Dr. Kovač",
    "callback_phone": "+38641555111",
    "gas_unit": "kPa",
    "pao2": 7,
    "fio2": 90,
    "peep_cmh2o": 14,
    "cxr_quadrants": 4,
}
# English words that are also Slovene words ("to" = "this"), so may stand in a Slovene page.
ALSO_SLOVENE = {"to", "No"}
# Words of English sentences that Slovene never uses: a string that bypassed the catalogue.
ENGLISH_WORDS = re.compile(
    r"(?<!\w)(the|and|of|is|are|was|has|have|ago|your|you|with|for|from|this|that|not|nobody|please|"
    r"unavailable|busy|within|never|last|will)(?!\w)",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def pattern(text: str) -> re.Pattern | None:
    """The text as it would stand in a page: whole words, placeholders filled with anything short."""
    parts = PLACEHOLDER.split(text)
    if sum(len(p.strip()) for p in parts) < 3:
        return None  # nothing but a placeholder and punctuation
    body = r".{1,60}?".join(re.escape(p) for p in parts)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _untranslated(text: str, *, in_slovene: bool) -> list[str]:
    """Ours as written in the wrong language: English msgids in a Slovene page, or the reverse."""
    found = []
    for msgid, msgstr in slovene().items():
        if msgid == msgstr or not msgstr:
            continue
        shown = msgid if in_slovene else msgstr
        if in_slovene and msgid in ALSO_SLOVENE or not in_slovene and len(msgstr) < 4:
            continue
        wanted = pattern(shown)
        if wanted is not None and wanted.search(text):
            found.append(shown)
    return found


def _english_in(text: str) -> list[str]:
    """Lines of a Slovene page that read as English."""
    return [line.strip() for line in text.splitlines() if ENGLISH_WORDS.search(line)]


def _visible_text(page) -> str:
    """What a person reads: the text, plus labels, titles and placeholders of the page."""
    texts = [page.title(), page.locator("body").inner_text()]
    for element in page.locator("[aria-label], [title], [placeholder]").all():
        texts += [element.get_attribute(name) or "" for name in ("aria-label", "title", "placeholder")]
    return "\n".join(texts)


@pytest.fixture(scope="module")
def daphne(django_db_setup, tmp_path_factory):
    """The server, where it is always night for the helicopter (the sun is never 90° up), so the
    walk reads the same by day and by night and the travel model's reason ("night at take-off …
    and night flights are not allowed") is always on the pages, in the page's language."""
    server = Daphne(
        base_env(DEBUG="false", LOG_LEVEL="WARNING", TRAVEL_NIGHT_SUN_ELEVATION_DEG="90"),
        tmp_path_factory.mktemp("daphne") / "daphne.log",
    )
    server.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def people(committed_db):
    name = {"first_name": "Ana", "last_name": "Kralj"}
    return {
        "coordinator": factories.make_coordinator(**name),
        "referrer": factories.make_referrer(factories.regional_hospital("SBMS"), first_name="Maja", last_name="Zupan"),
        "member": factories.make_team_member(TeamRole.NURSE, first_name="Tina", last_name="Kos"),
    }


@pytest.fixture
def missions(server, people) -> dict[str, Mission]:
    """A referral under review (coordinator, referrer) and a mission on the road with the member."""
    status, body = api(server, people["referrer"], "POST", "/api/v1/referrals/", REFERRAL)
    assert status == 201, body
    referral = Mission.objects.get(pk=body["mission_id"])
    status, body = api(
        server, people["coordinator"], "POST", f"/api/v1/missions/{referral.pk}/transitions/",
        transition_body(MissionStatus.REQUESTED, MissionStatus.UNDER_REVIEW),
    )
    assert status in (200, 201), body
    earlier = timezone.now() - timedelta(minutes=40)
    on_the_road = factories.MissionFactory(
        status=MissionStatus.EN_ROUTE_OUT,
        status_changed_at=earlier,
        departed_at=earlier,
        outbound_transport_mode="road",
        required_roles=[TeamRole.NURSE],
        referring_hospital=factories.regional_hospital("SBCE"),
        referring_physician="Dr. Horvat",
    )
    factories.assign(on_the_road, people["member"])
    return {"referral": referral, "on_the_road": on_the_road}


WALK = [
    ("coordinator", "/board/", "referral"),
    ("coordinator", "/missions/{referral}/", "referral"),
    ("referrer", "/referrals/new/", None),
    ("referrer", "/referrals/{referral}/", "referral"),
    ("member", "/team/", "on_the_road"),
]


@pytest.mark.parametrize("language", ["sl", "en"])
@pytest.mark.parametrize(("role", "path", "shows"), WALK)
def test_every_string_of_ours_is_in_the_pages_language(browser, server, people, missions, language, role, path, shows):
    phone = role == "member"
    context = browser.new_context(
        locale={"sl": "sl-SI", "en": "en-GB"}[language],
        extra_http_headers={"Accept-Language": language},
        **({"viewport": PHONE, "is_mobile": True, "has_touch": True} if phone else {}),
    )
    try:
        context.add_cookies([login_cookie(people[role], server)])
        page = context.new_page()
        page.goto(server + path.format(**{name: m.pk for name, m in missions.items()}))
        expect(page.locator("html")).to_have_attribute("lang", language)
        if shows:
            expect(page.locator("main")).to_contain_text(missions[shows].code, timeout=10_000)
        page.wait_for_load_state("networkidle")
        text = _visible_text(page)
    finally:
        chromium.close(context)
    untranslated = _untranslated(text, in_slovene=language == "sl")
    if language == "sl":
        untranslated += _english_in(text)
    assert untranslated == [], f"{untranslated}\n--- the page read:\n{text}"


@pytest.mark.parametrize(("role", "path", "shows"), WALK)
def test_every_page_fits_a_phone_in_slovene(browser, server, people, missions, role, path, shows):
    """Slovene words are longer: the top bar wraps instead of pushing the page sideways."""
    context = browser.new_context(
        locale="sl-SI", extra_http_headers={"Accept-Language": "sl"}, viewport=PHONE, is_mobile=True, has_touch=True
    )
    try:
        context.add_cookies([login_cookie(people[role], server)])
        page = context.new_page()
        page.goto(server + path.format(**{name: m.pk for name, m in missions.items()}))
        if shows:
            expect(page.locator("main")).to_contain_text(missions[shows].code, timeout=10_000)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
    finally:
        chromium.close(context)
    assert width <= PHONE["width"]
