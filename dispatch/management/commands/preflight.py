"""Refuse to start an unsafe service, with one line that says why (the run command calls this).

- DEBUG off with the public development SECRET_KEY: anyone could forge sessions and tokens' CSRF.
- Listening on anything but loopback while the demo users (with their public password) exist.
"""

import ipaddress
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from dispatch.management.commands.load_demo import DEMO_USERS


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The example environment file's placeholder: copied unchanged, it is as public as the dev key.
PLACEHOLDER_KEY_PREFIX = "change-me"


def weak_secret_key(key: str) -> bool:
    """Django's own test (security.W009) plus the placeholders this project ships."""
    return (
        len(key) < 50
        or len(set(key)) < 5
        or key.startswith("django-insecure-")
        or key.startswith(PLACEHOLDER_KEY_PREFIX)
    )


def refusal(*, host: str) -> str | None:
    """Why this configuration must not start, in one line; None when it may."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return "Refusing to start: DEBUG is off and SECRET_KEY is the public development key; set SECRET_KEY."
    if not settings.DEBUG and weak_secret_key(settings.SECRET_KEY):
        return "Refusing to start: SECRET_KEY is weak or a placeholder; set 50+ random characters."
    if settings.DEBUG and not is_loopback(host):
        return f"Refusing to start: DEBUG is on and HOST={host} is reachable from other machines; set DEBUG=false."
    if not is_loopback(host):
        demo = [username for username, *_rest in DEMO_USERS]
        try:
            present = get_user_model().objects.filter(username__in=demo).exists()
        except DatabaseError:
            present = False  # not migrated yet: no users at all
        if present:
            return (
                f"Refusing to start: HOST={host} is reachable from other machines and the demo users "
                "(public password) exist; bind to 127.0.0.1 or use a database without the demo."
            )
    return None


class Command(BaseCommand):
    help = "Exit 1 with a one-line reason when this configuration must not serve (dev key, demo users on a network)."
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="The address the server will listen on.")

    def handle(self, *args, host: str, **options) -> None:
        reason = refusal(host=host)
        if reason:
            self.stderr.write(reason)
            sys.exit(1)
