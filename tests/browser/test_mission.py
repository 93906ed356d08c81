"""The mission page in a real browser: the coordinator's steps carry the facts they must, undo,
corrections and adverse events, each shown on the page and in the timeline."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import EventSource, Mission, MissionKind, MissionStatus, Support
from dispatch.notifications.models import Shift
from dispatch.services.missions import transition_mission
from tests.browser.conftest import CLOCK_DAY, api, login_cookie
from tests.support import axe, chromium, factories, paging

pytestmark = [pytest.mark.browser]
S = MissionStatus


@pytest.fixture
def coordinator(committed_db):
    return factories.make_coordinator(first_name="Cora", last_name="Coordinator")


def _mission(**fields):
    return factories.MissionFactory(referring_hospital=factories.regional_hospital("SBCE"), **fields)


def _step(page, to):
    return page.locator(f'#action-buttons button[data-to="{to}"]')


def _field_error(page, form, field):
    return page.locator(f'{form} [data-field="{field}"] .field-error')


def _local_input(at: datetime) -> str:
    """A datetime-local value for `at` in the browser's time zone (the machine's, as this process's)."""
    return at.astimezone().strftime("%Y-%m-%dT%H:%M")


def test_coordinator_aborts_choosing_an_outcome_and_the_timeline_shows_its_label(open_page, coordinator):
    mission = _mission(status=S.EN_ROUTE_OUT, departed_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    _step(page, S.ABORTED).click()
    page.fill("#action-form textarea[name=reason]", "Asystole on arrival, resuscitation stopped")
    page.select_option("#action-form select[name=outcome]", "died_before_team_arrival")
    page.click("#action-submit")
    expect(page.locator("#action-confirm")).to_be_visible()
    page.click("#action-submit")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.ABORTED, timeout=5000)
    expect(page.locator("#timeline")).to_contain_text("Aborted (Died before the team arrived)")
    expect(page.locator('#mission-facts [data-fact="outcome"] dd')).to_have_text("Died before the team arrived")


def test_an_abort_is_not_sent_until_confirmed(open_page, coordinator):
    mission = _mission(status=S.EN_ROUTE_OUT, departed_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    _step(page, S.ABORTED).click()
    page.fill("#action-form textarea[name=reason]", "Vehicle broke down")
    page.select_option("#action-form select[name=outcome]", "vehicle_or_equipment_failure")
    page.click("#action-submit")
    expect(page.locator("#action-confirm")).to_be_visible()
    page.click("#action-cancel")  # "No, go back"

    expect(page.locator("#action-confirm")).to_be_hidden()
    mission.refresh_from_db()
    assert mission.status == S.EN_ROUTE_OUT


def test_departure_needs_the_transport_mode_chosen(open_page, coordinator):
    mission = _mission(status=S.TEAM_READY)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    _step(page, S.EN_ROUTE_OUT).click()
    page.click("#action-submit")
    expect(_field_error(page, "#action-form", "transport_mode")).not_to_be_empty()
    mission.refresh_from_db()
    assert mission.status == S.TEAM_READY

    page.check('#action-form input[name=transport_mode][value="helicopter"]')
    page.click("#action-submit")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.EN_ROUTE_OUT, timeout=5000)
    expect(page.locator('#mission-facts [data-fact="outbound_transport_mode"] dd')).to_have_text("Helicopter")
    mission.refresh_from_db()
    assert mission.outbound_transport_mode == "helicopter"


def test_secondary_mission_at_the_bedside_offers_the_circuit_take_over_not_cannulation(open_page, coordinator):
    mission = _mission(status=S.ON_SITE, kind=MissionKind.SECONDARY, support=Support.ECPR)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    expect(page.locator("#mission-kind")).to_have_text("Secondary: on ECMO")
    expect(_step(page, S.ON_ECMO)).to_have_text("Circuit taken over")
    expect(_step(page, S.EN_ROUTE_BACK)).to_contain_text("Transported without ECMO")
    expect(_step(page, S.CANNULATING)).to_have_count(0)

    _step(page, S.ON_ECMO).click()
    expect(page.locator('#action-form input[name=support_mode][value="va"]')).to_be_checked()  # from ECPR
    page.click("#action-submit")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.ON_ECMO, timeout=5000)
    expect(page.locator('#mission-facts [data-fact="support_mode"] dd')).to_have_text("VA")


def test_a_rejected_time_is_shown_next_to_the_happened_at_field(open_page, coordinator):
    mission = _mission(status=S.TEAM_READY)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    _step(page, S.EN_ROUTE_OUT).click()
    page.check('#action-form input[name=transport_mode][value="road"]')
    page.fill("#action-form input[name=occurred_at]", _local_input(timezone.now() + timedelta(hours=3)))
    page.click("#action-submit")

    expect(_field_error(page, "#action-form", "occurred_at")).not_to_be_empty(timeout=5000)
    mission.refresh_from_db()
    assert mission.status == S.TEAM_READY


def test_a_step_already_taken_elsewhere_is_a_clear_conflict_and_the_page_catches_up(browser, server, coordinator):
    mission = _mission(status=S.UNDER_REVIEW)
    context = browser.new_context()
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.route_web_socket("**/ws/**", lambda ws: None)  # no live stream: the page cannot know
    page.goto(f"{server}/missions/{mission.pk}/")
    Mission.objects.filter(pk=mission.pk).update(status=S.TEAM_ACTIVATED, status_changed_at=timezone.now())

    _step(page, S.CONVENTIONAL_TRANSFER).click()
    page.click("#action-submit")

    expect(page.locator("#action-result")).to_contain_text("someone changed this mission first", timeout=5000)
    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.TEAM_ACTIVATED)
    expect(_step(page, S.TEAM_READY)).to_be_visible()
    mission.refresh_from_db()
    assert mission.status == S.TEAM_ACTIVATED
    chromium.close(context)


def test_coordinator_undoes_the_last_step_and_the_status_goes_back(open_page, coordinator):
    mission = _mission(status=S.TEAM_READY)
    transition_mission(
        mission_id=mission.pk, to_status=S.EN_ROUTE_OUT, actor=coordinator, source=EventSource.API,
        transport_mode="road",
    )
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.fill("#undo-form input[name=reason]", "Tapped departure twice")
    page.click("#undo-button")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.TEAM_READY, timeout=5000)
    expect(page.locator('#timeline [data-kind="mission.undone"]')).to_contain_text("Step taken back")
    expect(page.locator('#timeline [data-kind="mission.undone"]')).to_contain_text("Road")
    mission.refresh_from_db()
    assert (mission.status, mission.outbound_transport_mode) == (S.TEAM_READY, "")


def test_an_adverse_event_reported_on_the_page_is_listed_and_in_the_timeline(open_page, coordinator):
    mission = _mission(status=S.EN_ROUTE_BACK, departed_with_patient_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.click("#adverse-details summary")
    page.select_option("#adverse-form select[name=category]", "circuit")
    page.select_option("#adverse-form select[name=code]", "oxygenator_failure")
    page.check('#adverse-form input[name=severity][value="major"]')
    page.fill("#adverse-form textarea[name=note]", "Oxygenator changed in the ambulance")
    page.click("#adverse-submit")

    row = page.locator("#adverse-list tbody tr")
    expect(row).to_have_count(1, timeout=5000)
    expect(row).to_contain_text("Oxygenator failure")
    expect(row).to_contain_text("Oxygenator changed in the ambulance")
    expect(row).to_contain_text("Cora Coordinator")
    expect(page.locator('#timeline [data-kind="adverse_event.recorded"]')).to_contain_text("Adverse event")


def test_a_correction_shows_old_and_new_in_the_timeline(open_page, coordinator):
    mission = _mission(status=S.ON_ECMO, support=Support.VA, support_mode="va", flow_established_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.click("#correction-details summary")
    page.select_option("#correction-form select[name=field]", "support_mode")
    page.select_option("#correction-form select[name=value-choice]", "vav")
    page.fill("#correction-form input[name=reason]", "Third cannula placed before departure")
    page.click("#correction-submit")

    corrected = page.locator('#timeline [data-kind="mission.corrected"]')
    expect(corrected).to_contain_text("Support mode: VA → VAV", timeout=5000)
    expect(page.locator('#mission-facts [data-fact="support_mode"] dd')).to_have_text("VAV")


def test_paging_panel_names_who_is_busy_on_another_mission(open_page, coordinator):
    perfusionist = factories.make_team_member("perfusionist", first_name="Pia", last_name="Pump")
    now = timezone.now()
    Shift.objects.create(
        member=perfusionist, team_role="perfusionist", tier="primary",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8),
    )
    elsewhere = _mission(status=S.EN_ROUTE_OUT, departed_at=now)
    factories.assign(elsewhere, perfusionist)
    mission = _mission(status=S.TEAM_ACTIVATED)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    expect(page.locator('#coverage [data-role="perfusionist"]')).to_contain_text(f"Pia Pump: busy on {elsewhere.code}")


def test_standby_is_offered_under_review_and_reports_who_was_told(open_page, coordinator):
    mission = _mission(status=S.UNDER_REVIEW)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    page.click("#standby-button")

    # Whoever is on call (nobody here) the answer is shown, never a silent click.
    expect(page.locator("#action-result")).not_to_be_empty(timeout=5000)
    expect(page.locator("#action-result")).not_to_contain_text("Sending")


def test_a_late_recorded_step_shows_when_it_happened_and_when_it_was_recorded(open_page, coordinator):
    mission = _mission(status=S.TEAM_READY, requested_at=timezone.now() - timedelta(hours=1))
    happened = timezone.now() - timedelta(minutes=10)
    transition_mission(
        mission_id=mission.pk, to_status=S.EN_ROUTE_OUT, actor=coordinator, source=EventSource.API,
        transport_mode="road", occurred_at=happened,
    )
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    step = page.locator('#timeline [data-kind="mission.status_changed"]')
    expect(step.locator("time")).to_have_text(re.compile(f"^{CLOCK_DAY}{happened.astimezone():%H:%M}$"))
    expect(step.locator(".recorded")).to_contain_text("recorded")
    expect(step.locator(".what")).to_have_text("Team en route to patient (Road)")


def test_an_adverse_event_reported_elsewhere_appears_live_with_its_label(open_page, server, coordinator):
    mission = _mission(status=S.ON_SITE, on_site_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    body = {"category": "patient", "code": "cardiac_arrest", "severity": "fatal", "note": "VF on the trolley"}
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/adverse-events/", body)

    assert status == 201
    live = page.locator('#timeline [data-kind="adverse_event.recorded"] .what')
    expect(live).to_have_text("Adverse event: Cardiac arrest (Fatal)", timeout=3000)
    expect(page.locator("#adverse-list tbody tr")).to_contain_text("VF on the trolley")


def test_news_that_leaves_the_steps_as_they_were_leaves_the_buttons_under_the_pointer(open_page, server, coordinator):
    mission = _mission(status=S.ON_SITE, on_site_at=timezone.now())
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    under_pointer = _step(page, S.CANNULATING).element_handle()

    body = {"category": "equipment", "code": "monitor_failure", "severity": "minor", "note": "spare monitor used"}
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/adverse-events/", body)

    assert status == 201
    expect(page.locator("#adverse-list tbody tr")).to_contain_text("spare monitor used")  # the page took the news in
    # A button replaced mid-click loses the click: press and release would land on two elements.
    assert under_pointer.evaluate("button => button.isConnected")


def test_a_new_referral_is_activated_in_one_step_from_the_mission_page(open_page, coordinator):
    mission = _mission(status=S.REQUESTED)
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    # The snapshot redraws the step buttons: click once it is in, as a person who sees the page settle.
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    _step(page, S.TEAM_ACTIVATED).click()
    expect(page.locator("#action-form")).to_be_visible()
    page.click("#action-submit")

    expect(page.locator("#mission-status")).to_have_attribute("data-status", S.TEAM_ACTIVATED, timeout=5000)
    mission.refresh_from_db()
    assert mission.review_started_at is not None and mission.team_activated_at is not None


# --- scores inline, the primary step, paging controls, elapsed and overdue, one time zone --------

LJUBLJANA = ZoneInfo("Europe/Ljubljana")
VV_REFERRAL = {"support": "vv", "patient_age": 45, "patient_sex": "male", "patient_weight_kg": "80.0",
               "referring_physician": "Dr. Novak", "callback_phone": "+38641555111", "height_cm": 180,
               "vv_cause": "viral_pneumonia", "gas_unit": "mmHg", "pao2": 54, "fio2": 0.6, "peep_cmh2o": 14,
               "compliance_ml_cmh2o": 25, "cxr_quadrants": 4}


def _referred_mission_page(open_page, server, coordinator):
    """The coordinator's mission page of a VV referral sent by SB Celje's doctor."""
    referrer = factories.make_referrer(factories.regional_hospital("SBCE"))
    status, body = api(server, referrer, "POST", "/api/v1/referrals/", VV_REFERRAL)
    assert status == 201, body
    return open_page(coordinator, f"/missions/{body['mission_id']}/")


def test_scores_and_what_is_missing_are_on_the_mission_page(open_page, server, coordinator):
    page = _referred_mission_page(open_page, server, coordinator)

    murray = page.locator('#assessment [data-score="murray"]')
    expect(murray.locator(".score-value")).to_have_text("3.5")
    expect(page.locator("#assessment #missing-for-decision li").first).to_be_visible()


def test_once_the_team_is_activated_who_is_coming_stands_above_the_scores(open_page, server, coordinator):
    page = _referred_mission_page(open_page, server, coordinator)
    sections = page.locator("#paging, #assessment")
    expect(sections.first).to_have_attribute("id", "assessment")  # deciding: the scores first

    _step(page, S.TEAM_ACTIVATED).click()
    page.click("#action-submit")

    expect(sections.first).to_have_attribute("id", "paging")  # live, without a reload
    page.reload()
    expect(sections.first).to_have_attribute("id", "paging")


def test_the_primary_step_comes_first_and_the_endings_last(open_page, coordinator):
    mission = _mission(status=S.UNDER_REVIEW)
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    buttons = page.locator("#action-buttons button")
    expect(buttons.first).to_have_attribute("data-to", S.TEAM_ACTIVATED)
    expect(buttons.first).to_have_class(re.compile(r"\bprimary\b"))
    expect(buttons.last).to_have_class(re.compile(r"\bdanger\b"))
    expect(page.locator("#action-buttons button.primary")).to_have_count(1)


def _paging_role(page, role):
    return page.locator(f'#coverage > li[data-role="{role}"]')


def test_a_role_is_paged_again_and_then_covered_by_phone_from_the_page(open_page, coordinator):
    paging.on_call("perfusionist", first_name="Pia", last_name="Pump")
    mission = paging.activate(roles=("perfusionist",), coordinator=coordinator)
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    row = _paging_role(page, "perfusionist")
    expect(row).to_have_attribute("data-state", "paging")

    row.locator("button.repage").click()

    expect(row.locator(".result")).to_have_text("Perfusionist: paging started again.", timeout=5000)
    expect(page.locator('#timeline [data-kind="alert.repaged"]')).to_have_count(1)

    row.locator("summary").click()
    row.locator("select[name=member]").select_option(label="Pia Pump")
    row.locator("input[name=note]").fill("Reached on her mobile, on her way")
    row.locator("button.cover").click()

    expect(row).to_have_attribute("data-state", "covered_by_phone", timeout=5000)
    expect(row.locator(".role-state")).to_contain_text("Pia Pump")
    expect(row.locator("button.repage")).to_be_hidden()


def test_a_page_called_off_with_the_mission_reads_withdrawn_live(open_page, server, coordinator):
    paging.on_call("perfusionist")
    mission = paging.activate(roles=("perfusionist",), coordinator=coordinator)
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    row = _paging_role(page, "perfusionist")
    expect(row).to_have_attribute("data-state", "paging")

    body = {"to": "cancelled", "outcome": "patient_improved", "reason": "Better on prone position"}
    status, answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/transitions/", body)
    assert status == 200, answer

    expect(row).to_have_attribute("data-state", "withdrawn")
    expect(row.locator(".role-state")).to_contain_text("page withdrawn")  # paged, then called off: not "not paged yet"


def test_news_while_the_coordinator_types_a_cover_note_keeps_the_cursor_in_it(open_page, server, coordinator):
    paging.on_call("perfusionist")
    mission = paging.activate(roles=("perfusionist",), coordinator=coordinator)
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    row = _paging_role(page, "perfusionist")
    row.locator("summary").click()
    note = row.locator("input[name=note]")
    note.click()
    page.keyboard.type("Dosegli po ")

    body = {"category": "team", "code": "communication_failure", "severity": "minor", "note": "radio down"}
    status, _answer = api(server, coordinator, "POST", f"/api/v1/missions/{mission.pk}/adverse-events/", body)
    assert status == 201
    expect(page.locator("#adverse-list tbody tr")).to_contain_text("radio down")  # the page took the news in
    page.keyboard.type("telefonu")

    expect(note).to_be_focused()
    expect(note).to_have_value("Dosegli po telefonu")


def test_a_refused_paging_control_says_why(open_page, coordinator):
    paging.on_call("perfusionist")
    nurse = factories.make_team_member("nurse", first_name="Nina", last_name="Nurse")
    mission = paging.activate(roles=("perfusionist", "nurse"), coordinator=coordinator)
    factories.assign(mission, nurse, team_role="nurse")
    page = open_page(coordinator, f"/missions/{mission.pk}/")
    row = _paging_role(page, "perfusionist")
    row.locator("summary").click()

    row.locator("button.page-person").click()
    expect(row.locator(".result")).to_have_text("Choose a person first.")

    # Nina covers the nurse role already: she cannot be noted as the perfusionist as well.
    page.evaluate("([sel, id]) => { const s = document.querySelector(sel); s.append(new Option('Nina', id)); }",
                  ['#coverage > li[data-role="perfusionist"] select[name=member]', str(nurse.pk)])
    row.locator("select[name=member]").select_option(str(nurse.pk))
    row.locator("button.cover").click()

    expect(row.locator(".result")).to_have_text("This person is already on the mission.", timeout=5000)
    expect(row.locator(".result")).to_have_class(re.compile(r"\berror\b"))
    expect(row).to_have_attribute("data-state", "paging")


def test_the_phase_shows_how_long_it_has_run_and_by_how_much_it_is_overdue(open_page, coordinator):
    mission = _mission(status=S.UNDER_REVIEW, status_changed_at=timezone.now() - timedelta(minutes=40, seconds=5))
    page = open_page(coordinator, f"/missions/{mission.pk}/")

    elapsed = page.locator("#mission-elapsed")
    expect(elapsed).to_have_attribute("data-overdue", "true")
    expect(elapsed).to_contain_text("· 40 min in this phase")  # apart from "since 10:39", not run on
    expect(elapsed).to_contain_text("overdue by 25 min (expected within 15 min)")


def test_times_are_in_the_centres_time_zone_whatever_the_browsers(browser, server, coordinator):
    mission = _mission(status=S.TEAM_READY, requested_at=timezone.now() - timedelta(hours=1))
    happened = timezone.now() - timedelta(minutes=10)
    transition_mission(
        mission_id=mission.pk, to_status=S.EN_ROUTE_OUT, actor=coordinator, source=EventSource.API,
        transport_mode="road", occurred_at=happened,
    )
    context = browser.new_context(timezone_id="America/New_York")
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(f"{server}/missions/{mission.pk}/")

    local = re.compile(f"^{CLOCK_DAY}{happened.astimezone(LJUBLJANA):%H:%M}$")  # just after midnight: the date too
    expect(page.locator('#timeline [data-kind="mission.status_changed"] time')).to_have_text(local)
    expect(page.locator("#mission-since")).to_have_text(local)
    chromium.close(context)


def test_the_helicopter_note_gives_its_time_in_the_centres_zone_not_utc():
    from django.utils import translation

    from dispatch import pages

    note = "night at take-off (UKC Ljubljana, 2026-07-01 20:30 UTC) and night flights are not allowed"

    with translation.override("sl"):
        local = pages.local_times(note)

    assert local == (
        "night at take-off (UKC Ljubljana, 1. 7. 22:30) and night flights are not allowed"
    )


def test_the_mission_page_follows_dark_mode(browser, server, coordinator):
    mission = _mission(status=S.UNDER_REVIEW)
    context = browser.new_context(color_scheme="dark")
    context.add_cookies([login_cookie(coordinator, server)])
    page = context.new_page()
    page.goto(f"{server}/missions/{mission.pk}/")

    expect(page.locator("#action-buttons button").first).to_be_visible()
    assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(22, 28, 35)"
    found = axe.violations(page)
    assert not found, axe.describe(found)
    chromium.close(context)
