"""Interval metrics: the minutes between a mission's phases, per mission and summarised.

Pure functions over plain rows (mappings of a mission's phase times, as corrected in place by
`services.missions.correct_mission`), so the numbers can be checked by hand. A phase never
reached gives an empty interval (None), never 0. Summaries report n, median and p90, never a
mean (retrieval series report medians: Marseille call → cannulation, Swiss Air-Rescue mission
time; see docs/quality.md).

- Per mission: minutes, rounded half up to one decimal.
- Median: of the per-mission values as shown (one decimal), the middle one, or the mean of the
  two middle ones for an even n, rounded half up to one decimal.
- p90: nearest rank: the ⌈0.9·n⌉-th smallest value. It is always a real mission's value, and at
  least 90 % of the missions took that long or less.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class Interval:
    key: str
    label: str
    start: str  # Mission time field where it starts
    end: str  # Mission time field where it ends


# In the order the phases happen; the last two span several phases.
INTERVALS: tuple[Interval, ...] = (
    Interval("referral_to_decision", _("Referral → decision"), "requested_at", "decided_at"),
    Interval("decision_to_team_ready", _("Decision → team ready"), "decided_at", "team_ready_at"),
    Interval("team_ready_to_departure", _("Team ready → departure"), "team_ready_at", "departed_at"),
    Interval("departure_to_bedside", _("Departure → bedside"), "departed_at", "on_site_at"),
    Interval("bedside_to_flow", _("Bedside → ECMO flow"), "on_site_at", "flow_established_at"),
    Interval(
        "flow_to_departure_with_patient",
        _("ECMO flow → departure with patient"),
        "flow_established_at",
        "departed_with_patient_at",
    ),
    Interval(
        "departure_with_patient_to_arrival",
        _("Departure with patient → arrival at centre"),
        "departed_with_patient_at",
        "arrived_at",
    ),
    Interval("referral_to_flow", _("Referral → ECMO flow"), "requested_at", "flow_established_at"),
    Interval("activation_to_flow", _("Activation → ECMO flow"), "team_activated_at", "flow_established_at"),
)
INTERVAL_KEYS: tuple[str, ...] = tuple(i.key for i in INTERVALS)
# The Mission fields the intervals read.
TIME_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(f for i in INTERVALS for f in (i.start, i.end)))


def _one_decimal(value: Decimal) -> Decimal:
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def minutes_between(start: datetime | None, end: datetime | None) -> Decimal | None:
    """Minutes from `start` to `end`, one decimal; None when either phase was never reached."""
    if start is None or end is None:
        return None
    seconds = Decimal((end - start).total_seconds())
    return _one_decimal(seconds / 60)


def mission_minutes(row: Mapping[str, datetime | None]) -> dict[str, Decimal | None]:
    """Every interval of one mission, by key."""
    return {i.key: minutes_between(row.get(i.start), row.get(i.end)) for i in INTERVALS}


def median(values: Iterable[Decimal]) -> Decimal | None:
    """The middle value (mean of the two middle ones for an even count); None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return _one_decimal((ordered[middle - 1] + ordered[middle]) / 2)


def p90(values: Iterable[Decimal]) -> Decimal | None:
    """Nearest-rank 90th percentile: the ⌈0.9·n⌉-th smallest value; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = math.ceil(Decimal("0.9") * len(ordered))
    return ordered[rank - 1]


def summary(values: Iterable[Decimal | None]) -> dict[str, float | int | None]:
    """n, median and p90 of the reached intervals (empty ones are not counted, never taken as 0)."""
    reached = [v for v in values if v is not None]
    mid, high = median(reached), p90(reached)
    return {
        "n": len(reached),
        "median": float(mid) if mid is not None else None,
        "p90": float(high) if high is not None else None,
    }


def summarise(minutes: Iterable[Mapping[str, Decimal | None]]) -> dict[str, dict]:
    """Per interval key, the summary of the given missions' minutes."""
    rows = list(minutes)
    return {key: summary(row[key] for row in rows) for key in INTERVAL_KEYS}


def summarise_by(
    rows: Iterable[Mapping], minutes: Iterable[Mapping[str, Decimal | None]], group: Callable[[Mapping], str | None]
) -> list[dict]:
    """Summaries per group (month, hospital, mode, kind), groups in sorted order (empty group last)."""
    groups: dict[str | None, list] = defaultdict(list)
    for row, values in zip(rows, minutes, strict=True):
        groups[group(row)].append(values)
    order = sorted(groups, key=lambda g: (g is None or g == "", g or ""))
    return [{"group": g or None, "n": len(groups[g]), "intervals": summarise(groups[g])} for g in order]


def month_of(moment: datetime, zone: tzinfo) -> str:
    """The calendar month ("2026-07") in the centre's time zone, where a month's missions belong."""
    return moment.astimezone(zone).strftime("%Y-%m")


def as_number(value: Decimal | None) -> float | None:
    """For JSON: a float, or None for a phase never reached."""
    return float(value) if value is not None else None
