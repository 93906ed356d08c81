"""What the service says, by SMS and by voice, in the language of whoever reads it.

The texts a message is made of are worded when they are read (`worded_when_read`): the outbound
pipeline reads each one once per recipient, inside `translation.override(language)`, so a page
to a Slovene nurse and one to an English perfusionist of the same mission each come in the
reader's own language. Whose language: `language_of` (Profile.language, Slovene unless they
chose English), `referrer_language` (a referring ICU's callback phone), else `default_language`.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from dispatch import roles
from dispatch.models import Mission, MissionStatus, Outcome, TeamRole
from hospitals.selectors import travel_between

logger = logging.getLogger(__name__)

# --- whose language ---------------------------------------------------------------------------

def default_language() -> str:
    """The service's language (LANGUAGE_CODE, Slovene) for a number nobody owns or a person
    without a profile; every profile has its own (Profile.language, Slovene by default)."""
    return settings.LANGUAGE_CODE


def language_of(person) -> str:
    """The person's own language (Profile.language); the service's when they have none we speak."""
    language = getattr(getattr(person, "profile", None), "language", "")
    return language if language in dict(settings.LANGUAGES) else default_language()


def referrer_language(mission: Mission) -> str:
    """The referring ICU's callback phone: the language of the doctor who referred, else the
    service's (a coordinator who typed the referral in for them does not speak for the ICU)."""
    referrer = mission.created_by
    return language_of(referrer) if roles.is_referrer(referrer) else default_language()


def worded_when_read(text_function):
    """Decorator: the text is put into words when it is read (str()), in the language active then."""
    return lazy(text_function, str)


def worded_in(language: str, text: "str | Promise") -> str:
    """`text` read in `language`."""
    with translation.override(language):
        return str(text)


# --- pages, standby, stand-down, reviews -------------------------------------------------------


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


def drill_marked(mission: Mission, text: str) -> str:
    """Every SMS and call script of an activation drill starts with "DRILL" ("VAJA" in Slovene),
    so nobody takes a rehearsal for a patient."""
    return f"{_('DRILL')}: {text}" if mission.is_drill else text


@worded_when_read
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
    reply = _("Reply 1 to accept, 2 to decline (DA/NE, YES/NO).")
    return drill_marked(mission, ". ".join(parts) + f". {team_page_url()} {reply}")


def voice_message(alert_message: str) -> str:
    """The SMS text made speakable: no link, spelled-out code."""
    text = alert_message.split(" http", 1)[0]
    drill = ""
    for word in dict.fromkeys((_("DRILL"), "DRILL")):  # a drill's script starts with the word too
        if text.startswith(f"{word}: "):
            drill, text = f"{word}. ", text[len(word) + 2 :]
            break
    return drill + _("ECMO alert.") + " " + text.replace("-", " ") + "."


@worded_when_read
def standby_message(mission: Mission, team_role: str) -> str:
    """A heads-up during review: no patient data, nothing to answer."""
    return drill_marked(
        mission,
        _("%(code)s %(hospital)s: possible ECMO activation (%(role)s). Stay reachable. No reply needed.")
        % {"code": mission.code, "hospital": mission.referring_hospital.name, "role": TeamRole(team_role).label},
    )


@worded_when_read
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
    return drill_marked(
        mission, _("%(code)s: STAND DOWN. %(why)s. You are not needed. Thank you.") % {"code": mission.code, "why": why}
    )


@worded_when_read
def role_covered_message(mission: Mission, team_role: str, covered_by: str) -> str:
    """To those still paged for a role someone took: nobody drives in twice."""
    return drill_marked(
        mission,
        _("%(code)s: the %(role)s role is covered by %(name)s. You can stand down. Thank you.")
        % {"code": mission.code, "role": TeamRole(team_role).label, "name": covered_by},
    )


@worded_when_read
def uncovered_message(mission: Mission, team_role: str) -> str:
    """To the coordinators: the escalation ran out for a role; a person must phone round."""
    return drill_marked(
        mission,
        _("UNCOVERED %(code)s: no %(role)s accepted. Page someone by phone.")
        % {"code": mission.code, "role": TeamRole(team_role).label},
    )


@worded_when_read
def roster_gap_message(team_role: str, start: datetime | None) -> str:
    """To the coordinators: nobody reachable holds a role's on-call now (`start` None) or from
    `start` on, within the readiness horizon; the roster needs a person before a page needs one."""
    role = TeamRole(team_role).label
    if start is None:
        return _("ECMO roster gap: no reachable %(role)s on call NOW. Please fix the roster.") % {"role": role}
    return _("ECMO roster gap: no reachable %(role)s on call from %(start)s. Please fix the roster.") % {
        "role": role,
        "start": f"{timezone.localtime(start):%d.%m. %H:%M}",
    }


def shift_span(starts_at: datetime, ends_at: datetime) -> str:
    """An on-call shift in the centre's time, as the roster gap SMS writes times: "04.12. 08:00–20:00"."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%d.%m. %H:%M}"
    return f"{start:%d.%m. %H:%M}–{until}"


@worded_when_read
def shift_handed_over(*, team_role: str, span: str, to_name: str) -> str:
    """To the member whose shift a coordinator gave to a colleague: they are no longer paged for it."""
    return _("ECMO Dispatch: swap approved. Your on-call (%(role)s, %(span)s) now belongs to %(name)s; "
             "its pages no longer come to you.") % {"role": TeamRole(team_role).label, "span": span, "name": to_name}


@worded_when_read
def shift_taken_over(*, team_role: str, span: str, from_name: str) -> str:
    """To the member who now holds a colleague's shift: pages for it come to their phone from now on."""
    return _("ECMO Dispatch: swap approved. This on-call is now yours (%(role)s, %(span)s; before: %(name)s). "
             "Its pages come to this phone.") % {"role": TeamRole(team_role).label, "span": span, "name": from_name}


@worded_when_read
def swap_declined(*, team_role: str, span: str, holder_name: str) -> str:
    """To both members of a declined swap: the shift stays with the one who held it."""
    return _("ECMO Dispatch: swap not approved. The on-call (%(role)s, %(span)s) stays with %(name)s.") % {
        "role": TeamRole(team_role).label,
        "span": span,
        "name": holder_name,
    }


@worded_when_read
def review_due_for_coordinator(mission: Mission) -> str:
    return _("%(code)s: review the advice given to %(hospital)s now. Referring doctor: %(phone)s.") % {
        "code": mission.code,
        "hospital": mission.referring_hospital.name,
        "phone": mission.callback_phone,
    }


@worded_when_read
def review_due_for_referrer(mission: Mission) -> str:
    return _(
        "ECMO centre, %(code)s: time to review the advice for %(code)s. If the patient has changed, "
        "call the ECMO centre. %(url)s"
    ) % {"code": mission.code, "url": f"{settings.PUBLIC_BASE_URL}/referrals/{mission.pk}/"}


# --- answers to a member's SMS (dispatch.notifications.services.inbound) -----------------------


def reply_help() -> str:
    return _(
        "ECMO Dispatch: reply 1 (DA/YES) to accept or 2 (NE/NO) to decline your newest page; "
        "add the mission code to answer another."
    )


def reply_no_page() -> str:
    return _("ECMO Dispatch: you have no open page.")


def reply_named_closed(code: str) -> str:
    return _(
        "ECMO Dispatch: %(code)s has no open page for you (it is closed or already answered). Nothing was changed."
    ) % {"code": code}


def reply_named_unknown(code: str) -> str:
    return _("ECMO Dispatch: you have no page for %(code)s. Nothing was changed; check the code.") % {"code": code}


def reply_unknown_sender() -> str:
    return _("ECMO Dispatch: this number is not registered for team paging. Please call the ECMO centre.")


def reply_sms_again() -> str:
    return _("ECMO Dispatch: you will get pages by SMS again.")


def reply_accepted(*, code: str, role: str) -> str:
    return _("Confirmed: you are the %(role)s for %(code)s. Details: %(url)s") % {
        "role": role,
        "code": code,
        "url": team_page_url(),
    }


def reply_declined(*, code: str, role: str) -> str:
    return _("Noted: you declined %(code)s (%(role)s). We are paging the next person.") % {"code": code, "role": role}


def reply_not_done(*, code: str, role: str, why: str) -> str:
    return _("%(code)s %(role)s: %(why)s Thank you.") % {"code": code, "role": role, "why": why}


# --- what a call says (dispatch.notifications.webhooks) ----------------------------------------


def voice_choices() -> str:
    return _("Press 1 to accept. Press 2 to decline.")


def voice_no_answer() -> str:
    return _("No answer received. Goodbye.")


def voice_page_gone() -> str:
    return _("This ECMO page is no longer valid. Goodbye.")


def voice_accepted(*, role: str, code: str) -> str:
    return _("Thank you. You are confirmed as %(role)s for mission %(code)s. Details are on the team page.") % {
        "role": role,
        "code": code,
    }


def voice_declined() -> str:
    return _("Thank you. You declined. We are paging the next person.")


def voice_not_done(why: str) -> str:
    return _("This page is already closed. %(why)s") % {"why": why}
