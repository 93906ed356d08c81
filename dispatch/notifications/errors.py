"""Twilio error codes sorted into permanent (skip that channel for that person) and temporary."""

from django.utils.translation import gettext as _

# https://www.twilio.com/docs/api/errors — codes that will fail again on every retry.
PERMANENT_REASONS: dict[int, str] = {
    21211: "the number is not a valid phone number",
    21214: "the number cannot be reached",
    21217: "the number is not a valid phone number",
    21219: "the number is not verified for this account",
    21401: "the number is not a valid phone number",
    21407: "the number's country is not enabled",
    21408: "the number's region is not enabled",
    21610: "the person opted out of SMS (replied STOP)",
    21612: "SMS cannot be sent to this number",
    21614: "the number is not a mobile number (landline)",
    30004: "the number blocks our messages",
    30005: "the number is unknown or no longer exists",
    30006: "the number is a landline or cannot receive SMS",
}


def is_permanent(code: int | None) -> bool:
    return code in PERMANENT_REASONS


def reason(code: int | None, fallback: str = "") -> str:
    """A sentence a coordinator understands, for the mission timeline."""
    if code in PERMANENT_REASONS:
        return _("Twilio error %(code)s: %(reason)s") % {"code": code, "reason": _(PERMANENT_REASONS[code])}
    if code:
        return _("Twilio error %(code)s (temporary)") % {"code": code}
    return fallback
