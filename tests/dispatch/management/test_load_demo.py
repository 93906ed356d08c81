"""The demo a newcomer clicks through: people with names, as a Slovene ICU has them."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dispatch.management.commands.load_demo import DEMO_USERS
from dispatch.notifications.models import Shift

pytestmark = pytest.mark.django_db

ROLE_WORDS = ("coordinator", "referrer", "physician", "perfusionist", "nurse", "driver", "backup")


def test_demo_people_are_named_like_people_not_like_their_roles():
    get_user_model().objects.create_user("nurse", first_name="Nina", last_name="Nurse")  # a demo from before

    call_command("load_demo", stdout=StringIO())

    names = {
        user.username: user.get_full_name()
        for user in get_user_model().objects.filter(username__in=[row[0] for row in DEMO_USERS])
    }
    assert len(names) == len(DEMO_USERS)
    assert [name for name in names.values() if any(word in name.lower() for word in ROLE_WORDS)] == []
    assert names["nurse"] == "Nina Kos"


def test_a_demo_started_again_later_puts_nobody_on_call_twice():
    call_command("load_demo", stdout=StringIO())
    for shift in Shift.objects.all():  # as if the second start came ten minutes later
        Shift.objects.filter(pk=shift.pk).update(
            starts_at=shift.starts_at - timedelta(minutes=10), ends_at=shift.ends_at - timedelta(minutes=10)
        )

    call_command("load_demo", stdout=StringIO())

    for shift in Shift.objects.all():
        overlapping = Shift.objects.filter(
            member=shift.member, starts_at__lt=shift.ends_at, ends_at__gt=shift.starts_at
        ).exclude(pk=shift.pk)
        assert not overlapping.exists(), f"{shift.member} on call twice"
