"""What a page says, by SMS and by voice."""

import logging

from django.conf import settings
from django.utils.translation import gettext as _

from dispatch.models import Mission, MissionStatus, Outcome, TeamRole
from hospitals.selectors import travel_between

logger = logging.getLogger(__name__)

REPLY_HINT = "Reply 1 to accept, 2 to decline"


def team_page_url() -> str:
    return f"{settings.PUBLIC_BASE_URL}/team/"


def road_minutes(mission: Mission) -> int | None:
    """Estimated road time to the referring hospital, if the travel model can give one."""
    try:
        minutes = travel_between(mission.referring_hospital, mission.receiving_centre)["estimates"]["road"][
            "duration_min"
        ]
        return round(float(minutes)) if minutes is not None else None
    except Exception:  # noqa: BLE001 — a travel estimate must never stop a page
        logger.warning("no travel estimate for %s", mission.code, exc_info=True)
        return None


def alert_message(mission: Mission, team_role: str) -> str:
    """Short enough for one or two SMS segments; the mission code comes first."""
    parts = [
        f"{mission.code} {mission.get_support_display()}",
        mission.referring_hospital.name,
        _("You are paged as %s") % TeamRole(team_role).label,
    ]
    minutes = road_minutes(mission)
    if minutes is not None:
        parts.append(_("road ~%s min") % minutes)
    return ". ".join(parts) + f". {team_page_url()} {REPLY_HINT} (DA/NE, YES/NO)."


def voice_message(alert_message: str) -> str:
    """The SMS text made speakable: no link, spelled-out code."""
    text = alert_message.split(" http", 1)[0]
    return "ECMO alert. " + text.replace("-", " ") + "."


def standby_message(mission: Mission, team_role: str) -> str:
    """A heads-up during review: no patient data, nothing to answer."""
    return _(
        "%(code)s %(hospital)s: possible ECMO activation (%(role)s). Stay reachable. No reply needed."
    ) % {"code": mission.code, "hospital": mission.referring_hospital.name, "role": TeamRole(team_role).label}


def stand_down_message(mission: Mission, *, to_status: str, outcome: str) -> str:
    """Why nobody is needed any more: the mission's end and, when given, the reason category."""
    ends = {
        MissionStatus.CANCELLED: _("Mission cancelled"),
        MissionStatus.ABORTED: _("Mission aborted"),
        MissionStatus.DECLINED: _("Referral declined"),
        MissionStatus.ADVICE_GIVEN: _("Advice given, no transfer"),
        MissionStatus.CONVENTIONAL_TRANSFER: _("Transfer without the ECMO team"),
    }
    why = str(ends.get(to_status, MissionStatus(to_status).label))
    if outcome in Outcome.values:
        why = f"{why} ({Outcome(outcome).label})"
    return _("%(code)s: STAND DOWN. %(why)s. You are not needed. Thank you.") % {"code": mission.code, "why": why}


def review_due_for_coordinator(mission: Mission) -> str:
    return _("%(code)s: review the advice given to %(hospital)s now. Referring doctor: %(phone)s.") % {
        "code": mission.code,
        "hospital": mission.referring_hospital.name,
        "phone": mission.callback_phone,
    }


def review_due_for_referrer(mission: Mission) -> str:
    return _(
        "ECMO centre, %(code)s: time to review the advice for %(code)s. If the patient has changed, "
        "call the ECMO centre. %(url)s"
    ) % {"code": mission.code, "url": f"{settings.PUBLIC_BASE_URL}/referrals/{mission.pk}/"}
