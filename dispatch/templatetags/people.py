"""How templates name a person: the same `roles.display_name` as the API, the streams and SMS."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.roles import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user)


@register.filter
def places(user) -> list[dict[str, str]]:
    """The top bar's links for this person's role: where their work is, one tap away."""
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[tuple[str, str]] = []
    if roles.is_coordinator(user):
        found += [("board", _("Board")), ("quality", _("Quality")), ("roster-week", _("Roster"))]
    if roles.is_team_member(user):
        found += [("team", _("Team page")), ("roster-me", _("My shifts"))]
    if roles.is_referrer(user) and not roles.is_coordinator(user):
        found += [
            ("home", _("Your hospital's missions")),
            ("referral-new", _("New referral")),
            ("quality", _("Quality")),
        ]
    seen: set[str] = set()
    return [
        {"url": reverse(name), "label": label}
        for name, label in found
        if not (name in seen or seen.add(name))
    ]
