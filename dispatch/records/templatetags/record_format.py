"""How the record page and its PDF show times, intervals and dates (one format for both)."""

from datetime import date

from django import template
from django.utils.formats import date_format

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
    """A calendar date (the follow-up's decannulation) in the page's short format ("2. 12. 2026")."""
    if not iso:
        return ""
    return date_format(date.fromisoformat(iso), "SHORT_DATE_FORMAT")
