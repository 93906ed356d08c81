"""Fixtures of the record's tests: a mission walked to hand-over through the real services."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dispatch.models import Mission
from tests.support.records import completed_mission


@pytest.fixture
def started() -> datetime:
    """The first call, six hours ago (a referral's first call may lie up to 24 h back)."""
    return (timezone.now() - timedelta(hours=6)).replace(microsecond=0)


@pytest.fixture
def completed(referrer, coordinator, started) -> Mission:
    """A primary mission from the referrer's hospital, handed over on ECMO, with its team."""
    return completed_mission(referrer, coordinator, started)
