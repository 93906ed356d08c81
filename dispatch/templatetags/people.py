"""How templates name a person: the same `roles.display_name` as the API, the streams and SMS."""

from django import template

from dispatch.roles import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user)
