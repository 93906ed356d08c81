"""The referral form in a real browser: mission kind, patient reference, first call, duplicates."""

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from dispatch.models import Mission, MissionEvent, MissionKind, MissionStatus
from tests.support import factories

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
