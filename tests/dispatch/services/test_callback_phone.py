"""The decision SMS goes to the callback number: allowed countries only, no premium-rate ranges."""

import pytest

from tests.dispatch.api.test_missions_api import referral

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["+38690123456", "+442079460000", "+12025550143", "+39899123456"])
def test_a_premium_or_foreign_callback_number_is_a_400_naming_the_field(referrer_api, number):
    response = referrer_api.post("/api/v1/missions/", referral(callback_phone=number), format="json")

    assert response.status_code == 400, response.content
    assert "callback_phone" in response.json()


@pytest.mark.parametrize("number", ["+38641234567", "+38512345678", "+436641234567"])
def test_a_slovene_or_neighbouring_mobile_number_is_accepted(referrer_api, number):
    response = referrer_api.post("/api/v1/missions/", referral(callback_phone=number), format="json")

    assert response.status_code == 201, response.content


def test_the_allowed_countries_come_from_settings(referrer_api, settings):
    settings.CALLBACK_PHONE_COUNTRY_CODES = ["386"]

    response = referrer_api.post("/api/v1/missions/", referral(callback_phone="+38512345678"), format="json")

    assert response.status_code == 400
    assert "+386" in response.json()["callback_phone"][0]
