"""The referring doctor's page of a referral (/referrals/<id>/) in a real browser: values as typed,
the centre's decision apart from the mission's phase, the centre's phone, the team's expected
arrival, updated values, and the preparation checklist."""

import re

import pytest
from playwright.sync_api import expect

from dispatch.models import MissionEvent
from dispatch.preparation.defaults import load_default_items
from dispatch.preparation.models import PreparationItem
from dispatch.referrals.models import Referral
from tests.browser.conftest import CLOCK_TIME, api
from tests.support import axe, factories
from tests.support.missions import transition_body

pytestmark = [pytest.mark.browser]

REFERRAL = {
    "support": "vv",
    "patient_age": 45,
    "patient_sex": "male",
    "patient_weight_kg": "80",
    "referring_physician": "Dr. Novak",
    "callback_phone": "+38641555111",
    "gas_unit": "kPa",
    "pao2": 7,
    "fio2": 60,
    "peep_cmh2o": 14,
    "compliance_ml_cmh2o": 25,
    "cxr_quadrants": 4,
    "ventilation_days": 2,
    "ventilation_hours": 5,
}


@pytest.fixture
def people(committed_db):
    return {
        "referrer": factories.make_referrer(factories.regional_hospital("SBMS")),
        "coordinator": factories.make_coordinator(),
    }


@pytest.fixture
def mission_id(server, people) -> int:
    status, body = api(server, people["referrer"], "POST", "/api/v1/referrals/", REFERRAL)
    assert status == 201, body
    return body["mission_id"]


def _walk(server, coordinator, mission_id: int, *steps: str, note: str = "") -> None:
    _walk_on(server, coordinator, mission_id, "requested", *steps, note=note)


def _walk_on(server, coordinator, mission_id: int, current: str, *steps: str, note: str = "") -> None:
    """From `current` through `steps`, each with the facts it must carry."""
    for to in steps:
        status, body = api(
            server,
            coordinator,
            "POST",
            f"/api/v1/missions/{mission_id}/transitions/",
            transition_body(current, to, **({"note": note} if note and current == "requested" else {})),
        )
        assert status in (200, 201), body
        current = to


def test_values_are_shown_as_typed_with_the_unit_typed(open_page, people, mission_id):
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)

    expect(page.locator('tr[data-field="pao2_mmhg"] td')).to_have_text("7 kPa")
    expect(page.locator('tr[data-field="fio2"] td')).to_have_text("60 %")
    expect(page.locator('tr[data-field="ventilation_hours"] td')).to_have_text("2 d 5 h")
    expect(page.locator("table.values")).not_to_contain_text("52.5")


def test_the_coordinators_note_is_there_after_a_reload(open_page, server, people, mission_id):
    _walk(server, people["coordinator"], mission_id, "team_activated", note="Prepare 4 units of blood.")
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    expect(page.locator("#decision-note")).to_have_text("Prepare 4 units of blood.")

    page.reload()

    expect(page.locator("#decision-note")).to_have_text("Prepare 4 units of blood.")
    expect(page.locator("#referral-decision")).to_have_text("Accepted: the mobile ECMO team comes to you")


def test_the_decision_is_not_the_missions_phase(open_page, server, people, mission_id):
    _walk(
        server,
        people["coordinator"],
        mission_id,
        "team_activated",
        "team_ready",
        "en_route_out",
        "on_site",
        "cannulating",
        "on_ecmo",
        "en_route_back",
        "arrived",
        "completed",
    )
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)

    expect(page.locator("#referral-decision")).to_have_text("Accepted: the mobile ECMO team comes to you")
    expect(page.locator("#referral-phase")).to_have_text("The patient was handed over at the centre")
    expect(page.locator("#decision")).not_to_contain_text("Decision of the ECMO centre: Handed over")


def test_the_centres_phone_is_a_tap_to_call_link(open_page, people, mission_id, settings):
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)

    link = page.locator("#centre-phone")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", "tel:+38615225050")


def test_the_teams_expected_arrival_shows_while_it_travels(open_page, server, people, mission_id):
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    expect(page.locator("#expected-arrival")).to_be_hidden()

    _walk(server, people["coordinator"], mission_id, "team_activated", "team_ready", "en_route_out")

    eta = page.locator("#expected-arrival")
    expect(eta).to_contain_text("The team is expected with you at about")
    expect(eta).to_contain_text(re.compile(CLOCK_TIME))
    expect(page.locator("#referral-phase")).to_have_text("The team is on its way to you")


def test_the_planned_arrival_shows_as_soon_as_the_team_is_activated(open_page, server, people, mission_id):
    """Before the team leaves, the time the activation SMS gave; the referrer plans the bedside by it."""
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)

    _walk(server, people["coordinator"], mission_id, "team_activated")

    eta = page.locator("#expected-arrival")
    expect(eta).to_contain_text(re.compile(r"The team is expected with you at about " + CLOCK_TIME))
    page.reload()
    expect(eta).to_contain_text(re.compile(r"at about " + CLOCK_TIME))


def test_updated_values_are_sent_from_the_page_and_reach_the_mission_page(open_page, people, mission_id):
    mission_page = open_page(people["coordinator"], f"/missions/{mission_id}/")
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    page.locator("#update-details summary").click()
    expect(page.locator("#u-f-pao2")).to_have_value("7")  # as typed, in kPa

    page.locator("#u-f-pao2").fill("")
    page.locator("#u-f-pao2").press_sequentially("8,5")
    page.click("#send-update")

    expect(page.locator("#update-sent")).to_be_visible()
    expect(page.locator('tr[data-field="pao2_mmhg"] td')).to_have_text("8.5 kPa")
    referral = Referral.objects.get(mission_id=mission_id)
    assert referral.pao2_mmhg == pytest.approx(8.5 * 7.50062)
    assert MissionEvent.objects.get(mission_id=mission_id, kind="referral.updated").payload["fields"] == ["pao2_mmhg"]
    expect(mission_page.get_by_text("Clinical values updated").first).to_be_visible()


def test_the_preparation_checklist_is_linked_once_the_team_is_activated(open_page, server, people, mission_id):
    load_default_items(PreparationItem)  # the migration's items, emptied by committed_db
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    expect(page.locator("#preparation")).to_be_hidden()

    _walk(server, people["coordinator"], mission_id, "team_activated")

    link = page.locator("#preparation-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"/missions/{mission_id}/preparation/")


def test_the_page_has_no_serious_accessibility_violations(open_page, people, mission_id):
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    page.locator("#update-details summary").click()

    found = axe.violations(page)
    assert not found, axe.describe(found)


def test_a_mission_called_off_after_activation_says_nobody_is_coming(open_page, server, people, mission_id):
    load_default_items(PreparationItem)
    _walk(server, people["coordinator"], mission_id, "team_activated")
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    expect(page.locator("#preparation-link")).to_be_visible()

    _walk_on(server, people["coordinator"], mission_id, "team_activated", "cancelled")

    decision = page.locator("#referral-decision")
    expect(decision).to_have_text("Called off: the mission was cancelled, nobody is coming")  # live
    expect(page.locator("#decision-note")).to_have_text("clinical reason")
    expect(page.locator("#preparation")).to_be_hidden()  # nothing to prepare for
    page.reload()
    expect(decision).to_have_text("Called off: the mission was cancelled, nobody is coming")
    expect(page.locator("#decision-note")).to_have_text("clinical reason")
    expect(page.locator("#decision")).not_to_contain_text("comes to you")


def test_a_team_that_turns_back_on_the_road_says_nobody_is_coming(open_page, server, people, mission_id):
    _walk(server, people["coordinator"], mission_id, "team_activated", "team_ready", "en_route_out")
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    decision = page.locator("#referral-decision")
    expect(decision).to_have_text("Accepted: the mobile ECMO team comes to you")

    _walk_on(server, people["coordinator"], mission_id, "en_route_out", "aborted")

    expect(decision).to_have_text("Called off: the team turned back, nobody is coming")  # live
    expect(page.locator("#decision-note")).to_have_text("clinical reason")
    page.reload()
    expect(decision).to_have_text("Called off: the team turned back, nobody is coming")
    expect(page.locator("#decision")).not_to_contain_text("comes to you")


def test_a_mission_aborted_at_the_bedside_says_it_ended_there(open_page, server, people, mission_id):
    _walk(server, people["coordinator"], mission_id, "team_activated", "team_ready", "en_route_out", "on_site")
    page = open_page(people["referrer"], f"/referrals/{mission_id}/", phone=True)
    decision = page.locator("#referral-decision")
    expect(decision).to_have_text("Accepted: the mobile ECMO team comes to you")

    _walk_on(server, people["coordinator"], mission_id, "on_site", "aborted")

    expect(decision).to_have_text("Ended: the mission ended without a hand-over at the centre")  # live
    page.reload()
    expect(decision).to_have_text("Ended: the mission ended without a hand-over at the centre")
