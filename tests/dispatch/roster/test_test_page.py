"""The "send me a test page" button: one SMS through the real pipeline, its delivery tracked."""

import pytest

from dispatch.notifications.models import Notification, Purpose
from tests.dispatch.roster.conftest import page_client
from tests.support import factories
from tests.support.clients import api_client_for
from tests.support.paging import phone_of
from tests.support.waiting import wait_until


def test_a_test_page_is_delivered_and_its_status_shown(twilio):
    member = factories.make_team_member()
    client = page_client(member)

    assert client.post("/roster/me/test-page/").status_code == 302

    twilio.phone(phone_of(member)).expect_sms(contains="test page")
    page = Notification.objects.get(recipient=member, purpose=Purpose.TEST)
    wait_until(lambda: Notification.objects.get(pk=page.pk).status == "delivered", message="never delivered")
    latest = api_client_for(member).get("/api/v1/roster/test-pages/").json()[0]
    assert (latest["id"], latest["status"], latest["delivered"], latest["final"]) == (page.pk, "delivered", True, True)
    assert "delivered to your phone" in client.get("/roster/me/").content.decode()


def test_an_undelivered_test_page_shows_as_not_delivered(twilio):
    member = factories.make_team_member()
    twilio.set_sms_outcome(phone_of(member), "undelivered")

    response = api_client_for(member).post("/api/v1/roster/test-pages/")

    assert response.status_code == 201
    wait_until(lambda: Notification.objects.get(pk=response.json()["id"]).status == "undelivered")
    pages = api_client_for(member).get("/api/v1/roster/test-pages/").json()
    assert (pages[0]["delivered"], pages[0]["final"]) == (False, True)


@pytest.mark.django_db
def test_a_second_test_page_within_a_minute_is_a_conflict(console):
    member = factories.make_team_member()
    api = api_client_for(member)
    assert api.post("/api/v1/roster/test-pages/").status_code == 201
    assert api.post("/api/v1/roster/test-pages/").status_code == 409
    assert Notification.objects.filter(recipient=member, purpose=Purpose.TEST).count() == 1


@pytest.mark.django_db
def test_without_a_phone_number_the_answer_says_so(console):
    member = factories.make_team_member(phone="")
    response = api_client_for(member).post("/api/v1/roster/test-pages/")
    assert response.status_code == 400 and "phone" in response.json()


@pytest.mark.django_db
def test_a_referrer_has_no_test_page(console, referrer_api):
    assert referrer_api.post("/api/v1/roster/test-pages/").status_code == 403


@pytest.mark.django_db
def test_the_members_page_is_for_the_centres_staff_only(console, coordinator, referrer):
    assert page_client(coordinator).get("/roster/me/").status_code == 200
    assert page_client(referrer).get("/roster/me/").status_code == 403
    assert page_client(referrer).post("/roster/me/test-page/").status_code == 403
