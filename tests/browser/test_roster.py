"""The roster pages in Chromium: the week view (make a shift there, gaps marked), the member's page
(test page status follows live), and no serious accessibility violations."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.models import TeamRole
from dispatch.notifications.models import Notification, Purpose, Shift
from dispatch.roster.models import ShiftSwap
from tests.support import axe, factories
from tests.support.waiting import wait_until

pytestmark = [pytest.mark.browser]


@pytest.fixture
def monday():
    """Next week's Monday: every hour of that week is still ahead, whatever day the test runs."""
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(days=7)


def _cell(page, role: str, tier: str, day):
    return page.locator(f'tr[data-role="{role}"][data-tier="{tier}"] td[data-day="{day:%Y-%m-%d}"]')


def test_a_coordinator_makes_a_shift_in_the_week_view_and_the_gap_closes(committed_db, open_page, monday):
    coordinator = factories.make_coordinator()
    factories.make_team_member(TeamRole.NURSE, first_name="Ana", last_name="Novak")
    page = open_page(coordinator, f"/roster/?week={monday:%Y-%m-%d}")
    monday_cell = _cell(page, TeamRole.NURSE, "primary", monday)
    expect(monday_cell).to_have_class("gap")
    expect(monday_cell).to_contain_text("uncovered 00:00–24:00")

    monday_cell.locator("a.add").click()
    expect(page.locator("#id_team_role")).to_have_value("nurse")
    expect(page.locator("#id_tier")).to_have_value("primary")
    page.locator("#id_member").select_option(label="Ana Novak (Nurse)")
    page.locator("#id_starts_at").fill(f"{monday:%Y-%m-%d}T00:00")
    page.locator("#id_ends_at").fill(f"{monday + timedelta(days=1):%Y-%m-%d}T06:00")
    page.locator("#save-shift").click()

    monday_cell = _cell(page, TeamRole.NURSE, "primary", monday)
    expect(monday_cell).to_have_class("covered")
    expect(monday_cell).to_contain_text("Ana Novak")
    tuesday = _cell(page, TeamRole.NURSE, "primary", monday + timedelta(days=1))
    expect(tuesday).to_have_class("gap")
    expect(tuesday).to_contain_text("uncovered 06:00–24:00")
    assert Shift.objects.filter(team_role="nurse", member__last_name="Novak").count() == 1


def test_a_wrong_shift_shows_the_error_beside_its_field(committed_db, open_page, monday):
    coordinator = factories.make_coordinator()
    factories.make_team_member(TeamRole.NURSE, first_name="Ana", last_name="Novak")
    page = open_page(coordinator, "/roster/shifts/new/")
    page.locator("#id_member").select_option(label="Ana Novak (Nurse)")
    page.locator("#id_team_role").select_option("nurse")
    page.locator("#id_starts_at").fill(f"{monday:%Y-%m-%d}T20:00")
    page.locator("#id_ends_at").fill(f"{monday:%Y-%m-%d}T08:00")
    page.locator("#save-shift").click()

    expect(page.locator("#id_ends_at_error")).to_contain_text("must end after it starts")
    assert not Shift.objects.exists()
    found = axe.violations(page)
    assert not found, axe.describe(found)


def test_the_week_view_has_no_serious_accessibility_violations(committed_db, open_page, monday):
    coordinator = factories.make_coordinator()
    nurse = factories.make_team_member(TeamRole.NURSE, first_name="Ana", last_name="Novak")
    colleague = factories.make_team_member(TeamRole.NURSE, first_name="Eva", last_name="Kos")
    start = timezone.make_aware(datetime.combine(monday, time(0)))
    held = Shift.objects.create(member=nurse, team_role="nurse", starts_at=start, ends_at=start + timedelta(hours=12))
    ShiftSwap.objects.create(shift=held, requested_by=nurse, colleague=colleague, note="family")
    page = open_page(coordinator, "/roster/")
    expect(page.locator("#roster-week")).to_be_visible()
    found = axe.violations(page)
    assert not found, axe.describe(found)


def test_the_members_page_shows_the_test_page_status_live(committed_db, open_page):
    member = factories.make_team_member(TeamRole.NURSE)
    page = open_page(member, "/roster/me/")
    found = axe.violations(page)
    assert not found, axe.describe(found)

    page.locator("#send-test-page").click()
    item = page.locator("#test-pages li").first
    expect(item).to_have_attribute("data-final", "false")
    sent = wait_until(lambda: Notification.objects.filter(recipient=member, purpose=Purpose.TEST).first())

    # What the provider's status callback does (no worker runs beside the browser tests' server).
    Notification.objects.filter(pk=sent.pk).update(status="delivered")

    expect(item).to_contain_text("delivered to your phone", timeout=8000)
    expect(item).to_have_attribute("data-final", "true")
