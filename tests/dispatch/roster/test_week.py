"""The coordinators' week view: primary and backup per role, gaps marked, shifts made and edited there."""

import re
from datetime import timedelta

import pytest

from dispatch.models import TeamRole
from dispatch.notifications.models import Shift
from tests.dispatch.roster.conftest import local, page_client, shift
from tests.support import factories

pytestmark = pytest.mark.django_db


def cell(html: str, role: str, tier: str, day) -> str:
    """One cell of the week table (role row, day column), from its class to its end."""
    row = html.split(f'data-role="{role}" data-tier="{tier}"', 1)[1].split("</tr>", 1)[0]
    match = re.search(rf'<td class="([a-z ]+)" data-day="{day:%Y-%m-%d}">(.*?)</td>', row, re.S)
    return f"class={match[1]}|{match[2]}"


def test_the_week_shows_who_is_on_call_and_marks_uncovered_hours(coordinator, monday):
    next_monday = monday + timedelta(days=7)  # all of it ahead, whatever day the test runs
    nurse = factories.make_team_member(TeamRole.NURSE, first_name="Ana", last_name="Novak")
    shift(nurse, local(next_monday, 8), 12)

    html = page_client(coordinator).get(f"/roster/?week={next_monday:%Y-%m-%d}").content.decode()

    monday_cell = cell(html, TeamRole.NURSE, "primary", next_monday)
    assert "Ana Novak" in monday_cell and "08:00–20:00" in monday_cell
    assert "uncovered 00:00–08:00" in monday_cell and "uncovered 20:00–24:00" in monday_cell
    assert monday_cell.startswith("class=gap|")
    assert cell(html, TeamRole.NURSE, "backup", next_monday).startswith("class=gap|")  # nobody at all


def total(html: str, role: str, tier: str) -> str:
    """The last column of a row: the uncovered hours still ahead."""
    row = html.split(f'data-role="{role}" data-tier="{tier}"', 1)[1].split("</tr>", 1)[0]
    return re.search(r'<td class="total[a-z ]*">(.*?)</td>', row, re.S)[1].strip()


def test_a_past_week_still_shows_its_gaps_but_counts_none_as_open(coordinator, monday):
    last_week = monday - timedelta(days=7)

    html = page_client(coordinator).get(f"/roster/?week={last_week:%Y-%m-%d}").content.decode()

    gone = cell(html, TeamRole.NURSE, "primary", last_week)
    assert gone.startswith("class=gap past|") and 'class="uncovered past"' in gone  # history, not a hole to fill
    assert total(html, TeamRole.NURSE, "primary") == "—"


def test_the_total_counts_the_uncovered_hours_still_ahead(coordinator, monday):
    next_week = monday + timedelta(days=7)
    nurse = factories.make_team_member(TeamRole.NURSE)
    shift(nurse, local(next_week, 8), 12)

    html = page_client(coordinator).get(f"/roster/?week={next_week:%Y-%m-%d}").content.decode()

    assert total(html, TeamRole.NURSE, "primary") == "156.0 h"  # 7 × 24 h less the 12 h shift
    assert cell(html, TeamRole.NURSE, "primary", next_week).startswith("class=gap|")


def test_a_fully_covered_day_is_not_marked(coordinator, monday):
    nurse = factories.make_team_member(TeamRole.NURSE)
    shift(nurse, local(monday, 0), 24)

    html = page_client(coordinator).get("/roster/").content.decode()

    covered = cell(html, TeamRole.NURSE, "primary", monday)
    assert covered.startswith("class=covered|") and "uncovered" not in covered


def test_week_navigation_shows_the_week_asked_for(coordinator, monday):
    later = monday + timedelta(days=14)
    nurse = factories.make_team_member(TeamRole.NURSE, first_name="Eva", last_name="Kos")
    shift(nurse, local(later + timedelta(days=2), 8), 8)

    client = page_client(coordinator)
    assert "Eva Kos" not in client.get("/roster/").content.decode()
    html = client.get(f"/roster/?week={later + timedelta(days=3):%Y-%m-%d}").content.decode()
    assert "Eva Kos" in cell(html, TeamRole.NURSE, "primary", later + timedelta(days=2))
    assert f"week={later - timedelta(days=7):%Y-%m-%d}" in html and f"week={later + timedelta(days=7):%Y-%m-%d}" in html


def test_only_coordinators_see_the_week(team_member):
    assert page_client(team_member).get("/roster/").status_code == 403
    assert page_client(team_member).get("/roster/shifts/new/").status_code == 403


def test_a_coordinator_adds_a_shift_from_the_form(coordinator, monday):
    nurse = factories.make_team_member(TeamRole.NURSE)
    body = {"member": nurse.pk, "team_role": "nurse", "tier": "backup",
            "starts_at": f"{monday:%Y-%m-%d}T08:00", "ends_at": f"{monday + timedelta(days=1):%Y-%m-%d}T08:00"}

    response = page_client(coordinator).post("/roster/shifts/new/", body)

    assert response.status_code == 302 and f"week={monday:%Y-%m-%d}" in response["Location"]
    saved = Shift.objects.get(member=nurse)
    start = local(monday, 8)
    assert (saved.tier, saved.starts_at, saved.ends_at) == ("backup", start, start + timedelta(days=1))


def test_a_wrong_shift_gets_its_error_beside_the_field(coordinator, monday):
    nurse = factories.make_team_member(TeamRole.NURSE)
    body = {"member": nurse.pk, "team_role": "driver", "tier": "primary",
            "starts_at": f"{monday:%Y-%m-%d}T20:00", "ends_at": f"{monday:%Y-%m-%d}T08:00"}

    response = page_client(coordinator).post("/roster/shifts/new/", body)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_ends_at_error"' in html and "must end after it starts" in html
    assert 'id="id_member_error"' in html and not Shift.objects.exists()


def test_an_overlapping_shift_is_refused_with_who_holds_the_slot(coordinator, monday):
    first = factories.make_team_member(TeamRole.NURSE, first_name="Ana", last_name="Novak")
    second = factories.make_team_member(TeamRole.NURSE)
    shift(first, local(monday, 8), 12)
    body = {"member": second.pk, "team_role": "nurse", "tier": "primary",
            "starts_at": f"{monday:%Y-%m-%d}T19:00", "ends_at": f"{monday:%Y-%m-%d}T23:00"}

    response = page_client(coordinator).post("/roster/shifts/new/", body)

    assert response.status_code == 400
    assert 'id="id_starts_at_error"' in response.content.decode() and "Ana Novak" in response.content.decode()
    assert Shift.objects.count() == 1


def test_back_to_back_shifts_do_not_overlap(coordinator, monday):
    first, second = factories.make_team_member(TeamRole.NURSE), factories.make_team_member(TeamRole.NURSE)
    shift(first, local(monday, 8), 12)
    body = {"member": second.pk, "team_role": "nurse", "tier": "primary",
            "starts_at": f"{monday:%Y-%m-%d}T20:00", "ends_at": f"{monday + timedelta(days=1):%Y-%m-%d}T08:00"}

    assert page_client(coordinator).post("/roster/shifts/new/", body).status_code == 302
    assert Shift.objects.count() == 2


def test_a_coordinator_edits_a_shift(coordinator, monday):
    nurse = factories.make_team_member(TeamRole.NURSE)
    existing = shift(nurse, local(monday, 8), 12)
    client = page_client(coordinator)
    assert f'value="{monday:%Y-%m-%d}T08:00"' in client.get(f"/roster/shifts/{existing.pk}/").content.decode()

    body = {"member": nurse.pk, "team_role": "nurse", "tier": "primary",
            "starts_at": f"{monday:%Y-%m-%d}T10:00", "ends_at": f"{monday:%Y-%m-%d}T22:00"}
    assert client.post(f"/roster/shifts/{existing.pk}/", body).status_code == 302

    existing.refresh_from_db()
    assert (existing.starts_at, existing.ends_at) == (local(monday, 10), local(monday, 22))


def test_a_coordinator_deletes_a_shift(coordinator, monday):
    existing = shift(factories.make_team_member(TeamRole.NURSE), local(monday, 8), 12)
    assert page_client(coordinator).post(f"/roster/shifts/{existing.pk}/delete/").status_code == 302
    assert not Shift.objects.exists()


@pytest.mark.parametrize("query", ["week=0001-01-01", "week=9999-12-31", "week=2026-02-31"])
def test_a_week_out_of_range_shows_this_week(coordinator, query):
    assert page_client(coordinator).get(f"/roster/?{query}").status_code == 200


def test_a_new_shift_for_a_day_out_of_range_opens_an_empty_form(coordinator):
    assert page_client(coordinator).get("/roster/shifts/new/?day=9999-12-31").status_code == 200
