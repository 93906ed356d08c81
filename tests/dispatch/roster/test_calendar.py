"""The personal calendar feed: an .ics through a secret address that can be replaced."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from dispatch.models import TeamRole
from dispatch.roster import services
from tests.dispatch.roster.conftest import page_client, shift
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_the_feed_parses_and_lists_the_members_own_shifts():
    nurse, other = factories.make_team_member(TeamRole.NURSE), factories.make_team_member(TeamRole.NURSE)
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    first, second = shift(nurse, start, 12), shift(nurse, start + timedelta(days=2), 12, tier="backup")
    shift(other, start + timedelta(days=1), 12)
    token = services.calendar_feed(member=nurse).token

    response = Client().get(f"/roster/calendar/{token}.ics")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["uid"]) for e in events] == [f"shift-{first.pk}@ecmo-dispatch", f"shift-{second.pk}@ecmo-dispatch"]
    assert [e.decoded("dtstart") for e in events] == [first.starts_at, second.starts_at]
    assert [e.decoded("dtend") for e in events] == [first.ends_at, second.ends_at]
    assert "Nurse" in str(events[0]["summary"]) and "Backup" in str(events[1]["summary"])


def test_a_wrong_token_is_a_404():
    services.calendar_feed(member=factories.make_team_member())
    assert Client().get("/roster/calendar/not-the-token.ics").status_code == 404


def test_a_new_address_retires_the_old_one():
    nurse = factories.make_team_member(TeamRole.NURSE)
    old = services.calendar_feed(member=nurse).token

    assert page_client(nurse).post("/roster/me/calendar/rotate/").status_code == 302

    new = services.calendar_feed(member=nurse).token
    assert new != old
    assert Client().get(f"/roster/calendar/{old}.ics").status_code == 404
    assert Client().get(f"/roster/calendar/{new}.ics").status_code == 200
    assert f"/roster/calendar/{new}.ics" in page_client(nurse).get("/roster/me/").content.decode()
