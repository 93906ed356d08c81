"""The quality filters (API and page alike) and who may see which hospital's figures."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from dispatch import roles
from dispatch.errors import NotAllowed
from dispatch.models import MissionKind, TransportMode
from hospitals.models import Hospital

# The service's figures start long after this; a date far outside is a typing slip (and would
# make a chart of thousands of empty months).
EARLIEST = date(2000, 1, 1)
MAX_SPAN_DAYS = 3660


def _latest() -> date:
    return date.today().replace(month=12, day=31) + timedelta(days=366)


class QualityFilter(serializers.Serializer):
    """All optional; an empty value (a form's "any") is the same as leaving it out."""

    to = serializers.DateField(required=False, help_text=gettext_lazy("Referrals up to this day (inclusive)."))
    hospital = serializers.CharField(required=False, help_text=gettext_lazy("Referring hospital's short code."))
    mode = serializers.ChoiceField(
        choices=TransportMode.choices, required=False, help_text=gettext_lazy("Transport to the patient.")
    )
    kind = serializers.ChoiceField(choices=MissionKind.choices, required=False)

    def get_fields(self) -> dict:
        # "from" is a Python keyword, so it cannot be a class attribute.
        start = serializers.DateField(required=False, help_text=gettext_lazy("Referrals from this day (inclusive)."))
        return {"from": start, **super().get_fields()}

    def to_internal_value(self, data):
        # A form sends empty strings for "any"; an empty date is then no date, not a bad one.
        cleaned = {key: value for key, value in data.items() if key in self.fields and value not in ("", None)}
        return super().to_internal_value(cleaned)

    def validate_hospital(self, code: str) -> Hospital:
        hospital = Hospital.objects.filter(code=code.strip().upper()).first()
        if hospital is None:
            raise serializers.ValidationError(_("No hospital has the code %(code)s.") % {"code": code})
        return hospital

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("from"), attrs.get("to")
        errors = {}
        for key in ("from", "to"):
            day = attrs.get(key)
            if day and not (EARLIEST <= day <= _latest()):
                errors[key] = [
                    _("Choose a day between %(low)s and %(high)s.")
                    % {"low": EARLIEST.isoformat(), "high": _latest().isoformat()}
                ]
        if not errors and start and end and end < start:
            errors["to"] = [_("The end is before the start.")]
        if not errors and start and end and (end - start).days > MAX_SPAN_DAYS:
            errors["from"] = [_("Choose at most ten years at a time.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@dataclass(frozen=True)
class Scope:
    """What one request may count: a date span in the centre's time zone, and the other filters."""

    start: date | None = None
    end: date | None = None
    hospital: Hospital | None = None
    mode: str = ""
    kind: str = ""
    # A referrer's figures are always their own hospital's; the page then offers no other.
    hospital_fixed: bool = False
    may_see_paging: bool = False

    def requested_range(self) -> tuple[datetime | None, datetime | None]:
        """[start, end) as aware datetimes: whole days in DISPLAY_TIME_ZONE, the end day included."""
        zone = ZoneInfo(settings.TIME_ZONE)
        low = datetime.combine(self.start, time.min, tzinfo=zone) if self.start else None
        high = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone) if self.end else None
        return low, high

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for links: the CSV export, the page's own form)."""
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "hospital": self.hospital.code if self.hospital and not self.hospital_fixed else "",
            "mode": self.mode,
            "kind": self.kind,
        }
        return {key: value for key, value in values.items() if value}


def scope_for(user, filters: dict) -> Scope:
    """Coordinators see every hospital; a referrer only their own (another one is a 403, like
    every other page they may not open); team members and everyone else get a 403."""
    hospital = filters.get("hospital")
    fixed = False
    if not roles.is_coordinator(user):
        own = roles.referrer_hospital_id(user)
        if own is None:
            raise NotAllowed(_("Only coordinators and referring doctors may see the quality figures."))
        if hospital is not None and hospital.pk != own:
            raise NotAllowed(_("You may see your own hospital's figures only."))
        hospital, fixed = Hospital.objects.get(pk=own), True
    return Scope(
        start=filters.get("from"),
        end=filters.get("to"),
        hospital=hospital,
        mode=filters.get("mode") or "",
        kind=filters.get("kind") or "",
        hospital_fixed=fixed,
        may_see_paging=roles.is_coordinator(user),
    )
