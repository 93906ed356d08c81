"""The run command's guards: a random superuser password, and refusing unsafe configurations."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from dispatch.management.commands.load_demo import DEMO_PASSWORD
from dispatch.management.commands.preflight import refusal

pytestmark = pytest.mark.django_db

STRONG_KEY = "k7#Qz!v9LmP2$wRt8@Yx4&Nb6^Hd1*Fs3%Gj5(Ua0)Ce-Ti=Oo+Pq"


def _load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_the_superuser_never_gets_the_demo_password_and_its_random_one_is_printed_once():
    first = _load_demo()
    admin = get_user_model().objects.get(username="admin")

    assert not admin.check_password(DEMO_PASSWORD)
    printed = first.split("password ")[-1].split()[0]
    assert admin.check_password(printed)
    assert printed not in _load_demo()  # shown once


def test_an_admin_left_with_the_old_demo_password_gets_a_random_one():
    get_user_model().objects.create_superuser("admin", password=DEMO_PASSWORD)

    _load_demo()

    assert not get_user_model().objects.get(username="admin").check_password(DEMO_PASSWORD)


def test_demo_users_on_a_non_loopback_host_refuse_to_start(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY
    _load_demo()

    reason = refusal(host="0.0.0.0")

    assert reason is not None and "\n" not in reason and "demo users" in reason
    assert refusal(host="127.0.0.1") is None
    assert refusal(host="::1") is None


def test_debug_off_with_the_development_key_refuses_to_start(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = settings.DEV_SECRET_KEY

    reason = refusal(host="127.0.0.1")

    assert reason is not None and "\n" not in reason and "SECRET_KEY" in reason


def test_debug_off_with_a_real_key_on_loopback_starts(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG_KEY

    assert refusal(host="127.0.0.1") is None


@pytest.mark.parametrize("key", ["change-me-to-50-random-characters", "x" * 60, "short-but-random-Qw3"])
def test_debug_off_with_a_weak_or_placeholder_key_refuses_to_start(settings, key):
    settings.DEBUG = False
    settings.SECRET_KEY = key

    reason = refusal(host="127.0.0.1")

    assert reason is not None and "SECRET_KEY" in reason


def test_debug_on_a_network_address_refuses_to_start(settings):
    settings.DEBUG = True

    reason = refusal(host="10.0.0.5")

    assert reason is not None and "DEBUG" in reason
    assert refusal(host="127.0.0.1") is None
