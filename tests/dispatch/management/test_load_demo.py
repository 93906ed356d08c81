"""The demo a newcomer clicks through: people with names, as a Slovene ICU has them."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dispatch.management.commands.load_demo import DEMO_USERS

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
