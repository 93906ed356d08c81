"""How the record page and its PDF show times, intervals and clinical values (one format for both)."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from dispatch.records.record import display_minutes, display_time

register = template.Library()


@register.filter
def record_time(iso: str | None) -> str:
    return display_time(iso)


@register.filter
def record_minutes(minutes: float | None) -> str:
    return display_minutes(minutes)


@register.filter
def record_date(iso: str | None) -> str:
    """A calendar date (the follow-up's decannulation) as "02.12.2026"."""
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


@register.filter
def clinical_value(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("_", " ")
