"""The referral's facts in the mission's read model."""

import pytest
from django.utils import translation

from dispatch.models import Support
from dispatch.referrals.models import Referral
from dispatch.referrals.selectors import referral_summary
from tests.support import factories


def _referral(support: str, **fields) -> Referral:
    mission = factories.MissionFactory(support=support)
    return Referral.objects.create(mission=mission, submitted_by=factories.make_coordinator(), **fields)


@pytest.mark.django_db
def test_the_cause_is_the_one_for_the_support_asked_for_in_the_readers_words():
    referral = _referral(Support.VV, vv_cause="viral_pneumonia", va_cause="myocarditis")

    with translation.override("sl"):
        cause = referral_summary([referral.mission_id])[referral.mission_id]["cause"]

    assert cause == {"code": "viral_pneumonia", "label": "Virusna pljučnica"}


@pytest.mark.django_db
def test_an_ecpr_referral_names_the_cardiac_cause():
    referral = _referral(Support.ECPR, va_cause="refractory_vt_vf")

    assert referral_summary([referral.mission_id])[referral.mission_id]["cause"]["code"] == "refractory_vt_vf"


@pytest.mark.django_db
def test_no_cause_given_is_none_not_an_empty_label():
    referral = _referral(Support.VA, vv_cause="asthma")

    assert referral_summary([referral.mission_id])[referral.mission_id]["cause"] is None
