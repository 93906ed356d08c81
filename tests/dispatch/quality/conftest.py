"""Missions with known phase times, for checking the metrics by hand."""

from datetime import UTC, datetime, timedelta

from dispatch.models import MissionKind, MissionStatus, Outcome, TransportMode
from tests.support import factories

# 10:00 local time in Ljubljana (CEST) on 10 June 2026.
JUNE = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)
# The full chain of a primary mission, minutes after the first call.
FULL_CHAIN = {
    "requested_at": 0,
    "review_started_at": 2,
    "decided_at": 12,
    "team_activated_at": 12,
    "team_ready_at": 40,
    "departed_at": 48,
    "on_site_at": 113,
    "cannulation_started_at": 125,
    "flow_established_at": 170,
    "departed_with_patient_at": 220,
    "arrived_at": 300,
    "handed_over_at": 315,
    "closed_at": 315,
}


def mission_at(start: datetime, minutes: dict[str, float], **fields):
    """A mission whose phase times are `start` plus the given minutes (the others never reached)."""
    times = {field: start + timedelta(minutes=m) for field, m in minutes.items()}
    return factories.MissionFactory(**times, **fields)


def completed_mission(start: datetime = JUNE, *, shift: dict[str, float] | None = None, **fields):
    """A primary mission handed over on ECMO; `shift` moves single phases (minutes)."""
    minutes = dict(FULL_CHAIN)
    for field, delta in (shift or {}).items():
        minutes[field] += delta
    fields.setdefault("status", MissionStatus.COMPLETED)
    fields.setdefault("outcome", Outcome.CANNULATED_TRANSPORTED)
    fields.setdefault("kind", MissionKind.PRIMARY)
    fields.setdefault("outbound_transport_mode", TransportMode.ROAD)
    fields.setdefault("return_transport_mode", TransportMode.ROAD)
    fields.setdefault("support_mode", "vv")
    return mission_at(start, minutes, **fields)


def aborted_before_flow(start: datetime = JUNE, **fields):
    """The team reached the bedside; the patient died before cannulation: no flow, no return."""
    minutes = {key: FULL_CHAIN[key] for key in ("requested_at", "review_started_at", "decided_at",
                                                "team_activated_at", "team_ready_at", "departed_at", "on_site_at")}
    minutes["closed_at"] = 130
    return mission_at(
        start,
        minutes,
        status=MissionStatus.ABORTED,
        outcome=Outcome.DIED_BEFORE_TEAM_ARRIVAL,
        outbound_transport_mode=TransportMode.ROAD,
        **fields,
    )
