"""The referral form in a real browser: mission kind, patient reference, first call, duplicates."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from dispatch.models import Mission, MissionEvent, MissionKind, MissionStatus
from dispatch.referrals.models import Referral
from tests.support import axe, factories

pytestmark = [pytest.mark.browser]


def _fill_patient(page, *, reference: str = "") -> None:
    page.fill("[name=referring_physician]", "Dr. Novak")
    page.fill("[name=callback_phone]", "+38641555111")
    page.select_option("[name=support]", "vv")
    page.fill("[name=patient_age]", "45")
    page.select_option("[name=patient_sex]", "male")
    page.fill("[name=patient_weight_kg]", "80")
    if reference:
        page.fill("[name=patient_reference]", reference)


def _minutes_ago(page, minutes: int) -> tuple[str, datetime]:
    """A time `minutes` ago as the datetime-local picker takes it (the browser's local time), and as UTC."""
    local, utc = page.evaluate(
        """(minutes) => {
            const at = new Date(Date.now() - minutes * 60000); at.setSeconds(0, 0);
            const local = new Date(at.getTime() - at.getTimezoneOffset() * 60000);
            return [local.toISOString().slice(0, 16), at.toISOString()];
        }""",
        minutes,
    )
    return local, datetime.fromisoformat(utc.replace("Z", "+00:00"))


@pytest.fixture
def referrer(committed_db):
    return factories.make_referrer(factories.regional_hospital("SBMS"))


def test_duplicate_warning_names_the_open_mission_then_send_anyway_opens_a_second(open_page, referrer):
    existing = factories.MissionFactory(
        referring_hospital=factories.regional_hospital("SBMS"), patient_reference="MRN-4711", patient_age=70
    )
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_patient(page, reference="MRN-4711")

    page.click("#submit-referral")

    warning = page.locator("#duplicate-warning")
    expect(warning).to_be_visible()
    link = warning.locator(f'a[data-mission-id="{existing.pk}"]')
    expect(link).to_contain_text(existing.code)
    expect(link).to_have_attribute("href", f"/referrals/{existing.pk}/")  # the referrer's page of it
    expect(page.locator("[name=patient_reference]")).to_have_value("MRN-4711")  # nothing typed is lost
    expect(page.locator("[name=referring_physician]")).to_have_value("Dr. Novak")
    assert Mission.objects.count() == 1

    page.click("#send-anyway")

    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    second = Mission.objects.exclude(pk=existing.pk).get()
    assert second.patient_reference == "MRN-4711"
    assert MissionEvent.objects.get(mission=second, kind="mission.requested").payload["confirmed_not_duplicate"]
    expect(page.locator("#patient-reference")).to_contain_text("MRN-4711")


def test_the_referring_doctor_is_filled_in_as_the_logged_in_referrer(open_page, committed_db):
    referrer = factories.make_referrer(factories.regional_hospital("SBMS"), first_name="Maja", last_name="Zupan")

    page = open_page(referrer, "/referrals/new/", phone=True)

    expect(page.locator("#f-referring_physician")).to_have_value("Maja Zupan")


def test_coordinator_refers_a_secondary_transfer_from_sb_celje(open_page, committed_db):
    coordinator = factories.make_coordinator()
    page = open_page(coordinator, "/referrals/new/", phone=True)
    page.select_option("[name=referring_hospital]", label="SB Celje")
    page.check('[name=kind][value="secondary"]')
    _fill_patient(page, reference="CE-2024-118")
    first_call, first_call_utc = _minutes_ago(page, 20)
    page.fill("[name=occurred_at]", first_call)

    page.click("#submit-referral")

    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    mission = Mission.objects.get()
    assert mission.referring_hospital.code == "SBCE"
    assert mission.kind == MissionKind.SECONDARY
    assert mission.patient_reference == "CE-2024-118"
    assert mission.requested_at == first_call_utc
    assert mission.status == MissionStatus.REQUESTED
    expect(page.locator("#referral-kind")).to_have_text("Secondary: the patient is already on ECMO")


def test_a_first_call_in_the_future_is_refused_next_to_the_field(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_patient(page)
    later, _utc = _minutes_ago(page, -90)
    page.fill("[name=occurred_at]", later)

    page.click("#submit-referral")

    expect(page.locator('.field-error[data-for="occurred_at"]')).to_have_text("This time is in the future.")
    expect(page.locator("[name=occurred_at]")).to_have_attribute("aria-invalid", "true")
    assert Mission.objects.count() == 0


# --- issue 14: errors, numbers, scores in sight, what the form asks ---------------------------

ASSESS = "/api/v1/referrals/assess/"


def _fill_vv(page, **over) -> None:
    """A complete VV referral as a doctor types it; `over` replaces fields (name → text)."""
    values = {
        "referring_physician": "Dr. Novak",
        "callback_phone": "+38641555111",
        "patient_age": "45",
        "patient_weight_kg": "80",
        "pao2": "7,2",
        "fio2": "60",
        "peep_cmh2o": "14",
        "compliance_ml_cmh2o": "25",
        "cxr_quadrants": "4",
    } | over
    page.select_option("[name=support]", "vv")
    page.select_option("[name=patient_sex]", "male")
    page.select_option("[name=gas_unit]", "kPa")
    for name, text in values.items():
        field = page.locator(f"[name={name}]")
        field.fill("")
        field.press_sequentially(text)  # key by key, as typed (fill() would skip the browser's own parsing)


def test_a_server_error_stays_at_its_field_when_the_scores_recompute(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, callback_phone="+49301234567")  # only the server knows the allowed countries

    page.click("#submit-referral")

    error = page.locator('.field-error[data-for="callback_phone"]')
    expect(error).to_contain_text("+386")
    # A later change elsewhere re-runs the live scoring: the send's mistake must stay where it is.
    with page.expect_response(lambda r: r.url.endswith(ASSESS)):
        page.locator("[name=peep_cmh2o]").fill("10")
        page.locator("[name=peep_cmh2o]").blur()
    page.locator('[data-score="murray"] .score-value').filter(has_text="3.25").wait_for()
    expect(error).to_contain_text("+386")
    expect(page.locator("[name=callback_phone]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-summary")).to_contain_text("Callback phone")
    assert Mission.objects.count() == 0


def test_every_mistake_is_marked_at_once_with_a_summary_and_the_first_field_focused(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, referring_physician="", patient_age="300", fio2="5", ph="9,1", paco2="40", cxr_quadrants="6")

    page.click("#submit-referral")

    for name in ("referring_physician", "patient_age", "fio2", "ph", "paco2", "cxr_quadrants"):
        expect(page.locator(f'.field-error[data-for="{name}"]')).not_to_be_empty()
        expect(page.locator(f"[name={name}]")).to_have_attribute("aria-invalid", "true")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(6)
    expect(page.locator("[name=referring_physician]")).to_be_focused()
    expect(page.locator("[name=referring_physician]")).to_be_in_viewport()
    assert Mission.objects.count() == 0


def test_a_decimal_comma_is_read_as_a_decimal_point(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, pao2="7,5", fio2="0,8", ph="7,21")

    page.click("#submit-referral")

    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert referral.pao2_mmhg == pytest.approx(7.5 * 7.50062)
    assert referral.fio2 == pytest.approx(0.8)
    assert referral.ph == pytest.approx(7.21)


def test_a_pao2_of_70_in_kpa_is_refused_at_its_field(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, pao2="70", fio2="60")

    page.click("#submit-referral")

    expect(page.locator('.field-error[data-for="pao2"]')).to_contain_text("impossible")
    assert Mission.objects.count() == 0


def test_the_scores_are_in_sight_while_typing_on_a_phone(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page)
    page.locator("[name=cxr_quadrants]").focus()

    bar = page.locator("#score-bar")
    expect(bar).to_contain_text("Murray 3.5")
    expect(bar).to_be_in_viewport()
    expect(page.locator("[name=cxr_quadrants]")).to_be_in_viewport()


def test_the_scores_stay_beside_the_fields_on_a_desktop(open_page, referrer):
    page = open_page(referrer, "/referrals/new/")
    _fill_vv(page)
    page.locator("[name=cxr_quadrants]").scroll_into_view_if_needed()

    expect(page.locator('[data-score="murray"] .score-value')).to_have_text("3.5")
    expect(page.locator("#assessment h2")).to_be_in_viewport()


def test_one_invalid_value_is_named_and_the_scores_go_on_from_the_others(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page)
    page.locator('[data-score="murray"] .score-value').filter(has_text="3.5").wait_for()

    page.locator("[name=ph]").press_sequentially("9,9")
    page.locator("[name=peep_cmh2o]").fill("10")  # Murray: P/F 90 (4), PEEP 10 (2), compliance 25 (3), 4 quadrants (4)

    expect(page.locator('[data-score="murray"] .score-value')).to_have_text("3.25")
    expect(page.locator("#assessment-invalid")).to_contain_text("pH")
    expect(page.locator("#score-bar")).to_contain_text("pH")


def test_required_fields_are_marked_for_eyes_and_screen_readers(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)

    for name in ("referring_physician", "callback_phone", "support", "patient_age", "patient_sex", "patient_weight_kg"):
        field = page.locator(f"[name={name}]")
        expect(field).to_have_attribute("aria-required", "true")
        expect(page.locator(f'label[for="{field.get_attribute("id")}"] .req')).to_be_visible()
    expect(page.locator("[name=pao2]")).not_to_have_attribute("aria-required", "true")


def test_ventilation_is_given_in_days_and_hours(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, ventilation_days="2", ventilation_hours="5")

    page.click("#submit-referral")

    page.wait_for_url(re.compile(r"/referrals/\d+/$"))
    assert Referral.objects.get().ventilation_hours == 53  # RESP: 48 h–7 d → +1


def test_a_vv_referral_is_not_asked_about_the_arrest_rhythm_or_the_circulation(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)

    page.select_option("[name=support]", "vv")
    expect(page.locator("#section-circulation")).to_be_hidden()
    expect(page.locator("[name=initial_rhythm]")).to_be_hidden()
    expect(page.locator("[name=va_cause]")).to_be_hidden()
    expect(page.locator("[name=vv_cause]")).to_be_visible()

    page.select_option("[name=support]", "va")
    expect(page.locator("#section-circulation")).to_be_visible()
    expect(page.locator("[name=va_cause]")).to_be_visible()

    page.select_option("[name=support]", "ecpr")
    expect(page.locator("[name=initial_rhythm]")).to_be_visible()
    expect(page.locator("[name=no_flow_min]")).to_be_visible()


def test_a_45_year_old_is_not_put_up_for_advanced_age_but_a_65_year_old_is(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page)
    contraindications = page.locator("#contraindications")
    expect(contraindications).to_contain_text("None flagged so far.")
    expect(contraindications).not_to_contain_text("age")

    page.locator("[name=patient_age]").fill("65")

    expect(contraindications.locator('[data-id="advanced_age"]')).to_have_text(
        "To judge: Advanced age (60 years or older) (65 years)"
    )


def test_the_form_has_no_serious_accessibility_violations(open_page, referrer):
    page = open_page(referrer, "/referrals/new/", phone=True)
    _fill_vv(page, patient_age="300")
    page.click("#submit-referral")
    expect(page.locator("#error-summary")).to_be_visible()

    found = axe.violations(page)
    assert not found, axe.describe(found)
