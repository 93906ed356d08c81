"""Django's own words that our pages show and Django's Slovene catalogue lacks (Django 6 added them).

Marked here so `makemessages` keeps them in our catalogue, which comes first (LOCALE_PATHS):
without it a Slovene shift form offered "- Select an option -" in English.
"""

from django.utils.translation import gettext_noop

MISSING_IN_DJANGOS_SLOVENE = (
    gettext_noop("- Select an option -"),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop(
        "%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous or it may "
        "not exist."
    ),
)
