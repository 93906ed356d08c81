"""What the referring ICU is texted: the expected arrival and the link to the checklist.

Rendered in the referring doctor's language (`notifications.texts.referrer_language`: their
`Profile.language`, else the service's, Slovene), with times in DISPLAY_TIME_ZONE. No patient
data: the mission code, the time and the link only.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dispatch.models import Mission
from dispatch.notifications.texts import referrer_language


def checklist_url(mission: Mission) -> str:
    """The checklist page, absolute (PUBLIC_BASE_URL), as a link in an SMS."""
    return settings.PUBLIC_BASE_URL + reverse("preparation-page", args=[mission.pk])


def clock(at: datetime) -> str:
    """"14:05" in DISPLAY_TIME_ZONE."""
    return timezone.localtime(at).strftime("%H:%M")


def activation_text(mission: Mission, arrival: datetime | None) -> str:
    with translation.override(referrer_language(mission)):
        if arrival is None:
            text = _("ECMO centre, %(code)s: the ECMO team is on its way to you. Please prepare the patient: %(url)s")
        else:
            text = _(
                "ECMO centre, %(code)s: the ECMO team is expected at about %(time)s. "
                "Please prepare the patient: %(url)s"
            )
        return text % {"code": mission.code, "time": clock(arrival) if arrival else "", "url": checklist_url(mission)}


def update_text(mission: Mission, arrival: datetime, told: datetime | None) -> str:
    with translation.override(referrer_language(mission)):
        if told is None:
            text = _("ECMO centre, %(code)s: the ECMO team is now expected at about %(time)s. Checklist: %(url)s")
        else:
            text = _(
                "ECMO centre, %(code)s: the ECMO team is now expected at about %(time)s (not %(told)s). "
                "Checklist: %(url)s"
            )
        return text % {
            "code": mission.code,
            "time": clock(arrival),
            "told": clock(told) if told else "",
            "url": checklist_url(mission),
        }
