"""Six months of past missions for the demo, so the quality page, the records and the board's
debriefs panel have something true-to-life to show.

Every ending the state machine knows occurs (docs/states.md), with phase times in the range of
the published series (the project's domain notes):
- referral call → ECMO flow around 3 h (Marseille: call → cannulation median 3 h, IQR 1–4 h);
- travel from the hospitals' coordinates (road ≈ 1.25 × geodesic at ambulance speed; helicopter
  faster, by day only);
- adverse events in about a fifth of the missions with the team out (Swiss Air-Rescue 19.4 %,
  Karolinska 27.3 %), mostly minor;
- paging: most roles accept the first SMS within minutes; some need a call or the backup.

Missions are written as they would have been recorded (phase times, one timeline event per
change, assignments, alerts and pages, adverse events); debriefs and follow-ups go through
`dispatch.records.services`. Deterministic, and written once: a second run finds the demo
missions (code prefix DEMO-) and leaves everything as it is.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from geopy.distance import geodesic

from dispatch import registry, statuses
from dispatch.models import (
    AdverseEvent,
    EventSource,
    Mission,
    MissionAssignment,
    MissionKind,
    MissionStatus,
    Outcome,
    Sex,
    Support,
    SupportMode,
    TeamRole,
    TransportMode,
)
from dispatch.notifications.models import Alert, AlertRecipient, AlertState, Response
from dispatch.records import services as records
from dispatch.records.models import Survival
from dispatch.services.timeline import record_event
from hospitals.models import Hospital

S = MissionStatus
PREFIX = "DEMO-"
DAYS_BACK = 180

# (ending, mission kind); the order is the order in time, oldest first. The last two closed
# within the last three days, so their debriefs are due (not yet overdue) on the board.
ENDINGS: list[tuple[str, str]] = [
    *[(e, MissionKind.PRIMARY) for e in (
        "cannulated", "declined", "cannulated", "died_before_team_arrival", "cannulated", "without_ecmo",
        "conventional", "cannulated", "team_unavailable", "cannulated", "advice", "not_a_candidate_on_site",
        "cannulated", "cannulated", "patient_improved", "died_during_cannulation", "cannulated", "conventional",
        "cannulated", "cannulated_not_transportable", "without_ecmo", "cannulated", "referrer_withdrew",
        "cannulated", "vehicle_or_equipment_failure", "advice", "cannulated", "improved_no_ecmo_needed",
        "patient_died", "cannulated", "declined", "without_ecmo", "conventional", "transferred_elsewhere",
        "not_a_candidate_on_site",
    )],
    ("on_ecmo", MissionKind.SECONDARY), ("on_ecmo", MissionKind.SECONDARY), ("on_ecmo", MissionKind.SECONDARY),
    ("on_ecmo", MissionKind.SECONDARY), ("on_ecmo", MissionKind.SECONDARY),
    ("cannulated", MissionKind.PRIMARY), ("died_before_team_arrival", MissionKind.PRIMARY),
    ("cannulated", MissionKind.PRIMARY), ("cannulated", MissionKind.PRIMARY),
]
# Where secondary transfers start (the patient already on ECMO); primary missions' hospitals,
# Murska Sobota (the demo referrer's) more often.
# Activation drills (days ago): the quality page shows their response times in a table of their own.
DRILL_DAYS = [150, 95, 40, 12]
SECONDARY_FROM = ["SBCE", "SBCE", "UKCM"]
PRIMARY_FROM = ["SBMS", "SBMS", "SBMS", "SBIZ", "SBNG", "SBNM", "SBPT", "SBSG", "SBJE", "SBBR", "SBTR", "KOPA", "SBSE"]

ABORTED = {
    "died_before_team_arrival": Outcome.DIED_BEFORE_TEAM_ARRIVAL,
    "died_during_cannulation": Outcome.DIED_DURING_CANNULATION,
    "not_a_candidate_on_site": Outcome.NOT_A_CANDIDATE_ON_SITE,
    "improved_no_ecmo_needed": Outcome.IMPROVED_NO_ECMO_NEEDED,
    "cannulated_not_transportable": Outcome.CANNULATED_NOT_TRANSPORTABLE,
    "vehicle_or_equipment_failure": Outcome.VEHICLE_OR_EQUIPMENT_FAILURE,
}
CANCELLED = {
    "patient_died": Outcome.PATIENT_DIED,
    "patient_improved": Outcome.PATIENT_IMPROVED,
    "referrer_withdrew": Outcome.REFERRER_WITHDREW,
    "team_unavailable": Outcome.TEAM_UNAVAILABLE,
    "transferred_elsewhere": Outcome.TRANSFERRED_ELSEWHERE,
}

# category, code, severity: what went wrong in the series (Karolinska, Swiss Air-Rescue).
ADVERSE = [
    ("patient", "desaturation", "minor"),
    ("patient", "hypotension", "minor"),
    ("vehicle", "traffic_delay", "minor"),
    ("patient", "arrhythmia", "major"),
    ("circuit", "air_in_circuit", "major"),
    ("patient", "bleeding", "minor"),
    ("equipment", "power_failure", "minor"),
    ("team", "communication_failure", "minor"),
    ("circuit", "cannula_dislodgement", "major"),
    ("patient", "hypothermia", "minor"),
    ("vehicle", "weather", "minor"),
    ("equipment", "gas_supply", "minor"),
]

DEBRIEF_TEXTS = [
    ("Quick activation, clear hand-over at the bedside.", "Blood was not cross-matched when we arrived.",
     "", "Send the preparation checklist with the activation call."),
    ("Cannulation under ultrasound went smoothly.", "Twenty minutes lost finding the ICU entrance.",
     "", "Add entrance directions to the hospital's page."),
    ("Good communication with the referring team.", "Nothing major.",
     "Spare oxygen cylinder was half empty.", "Check cylinder pressure at every shift change."),
    ("Team ready within 25 minutes at night.", "The driver was paged late (backup needed).",
     "", "Review the night roster for drivers."),
]


@dataclass
class People:
    coordinator: object
    primary: dict[str, object]
    backup: dict[str, object]


@dataclass
class Plan:
    number: int
    ending: str
    kind: str
    hospital: Hospital
    start: datetime
    rng: random.Random
    phases: list[tuple[str, float, dict]] = field(default_factory=list)


def _people() -> People | None:
    users = {u.username: u for u in get_user_model().objects.filter(
        username__in=["coordinator", "physician", "perfusionist", "nurse", "driver",
                      "physician2", "perfusionist2", "nurse2", "driver2"])}
    if len(users) < 9:
        return None
    roles = [TeamRole.ECMO_PHYSICIAN, TeamRole.PERFUSIONIST, TeamRole.NURSE, TeamRole.DRIVER]
    names = ["physician", "perfusionist", "nurse", "driver"]
    return People(
        coordinator=users["coordinator"],
        primary={role: users[name] for role, name in zip(roles, names, strict=True)},
        backup={role: users[name + "2"] for role, name in zip(roles, names, strict=True)},
    )


def _travel_minutes(hospital: Hospital, centre: Hospital, mode: str, rng: random.Random) -> float:
    km = geodesic((hospital.latitude, hospital.longitude), (centre.latitude, centre.longitude)).km
    if mode == TransportMode.HELICOPTER:
        return 12 + km / 200 * 60 + rng.uniform(0, 8)  # start-up, flight, landing
    return 8 + km * 1.25 / 80 * 60 * rng.uniform(0.9, 1.2)  # road with blue lights


def _start(number: int, total: int, now: datetime, rng: random.Random) -> datetime:
    """Spread over the last six months, the last two within the last three days; any hour."""
    if number >= total - 2:
        days = 2.5 - (number - (total - 2)) * 1.2
    else:
        days = DAYS_BACK - number * (DAYS_BACK - 6) / (total - 2) + rng.uniform(-1.5, 1.5)
    moment = now - timedelta(days=days)
    hour = rng.choice([2, 4, 7, 9, 10, 11, 13, 14, 15, 16, 17, 19, 21, 23])
    start = moment.replace(hour=hour, minute=rng.randrange(60), second=0, microsecond=0)
    # Every demo mission has ended by now (the longest take about six hours).
    return start - timedelta(days=1) if start > now - timedelta(hours=8) else start


def _ending(status: str, minute: float, outcome: str, reason: str = "") -> tuple[str, float, dict]:
    return status, minute, {"outcome": outcome, **({"reason": reason} if reason else {})}


def _phases(plan: Plan, centre: Hospital) -> tuple[list[tuple[str, float, dict]], str]:
    """The changes of status with their minute after the first call and the facts they record."""
    rng, ending = plan.rng, plan.ending
    night = plan.start.astimezone(timezone.get_current_timezone()).hour < 7
    mode = TransportMode.ROAD
    out_road = _travel_minutes(plan.hospital, centre, TransportMode.ROAD, rng)
    if out_road > 55 and not night and rng.random() < 0.6:
        mode = TransportMode.HELICOPTER
    out = _travel_minutes(plan.hospital, centre, mode, rng)
    back = _travel_minutes(plan.hospital, centre, mode, rng) * rng.uniform(1.05, 1.2)  # slower with a patient
    t = rng.uniform(1, 5)
    if ending == "drill":  # activated at once, ended by the system when every role is covered
        ready = t + rng.uniform(8, 20)
        return [
            (S.TEAM_ACTIVATED, t, {}),
            (S.TEAM_READY, ready, {}),
            _ending(S.CANCELLED, ready + 0.5, Outcome.DRILL_ENDED, "Drill ended at team ready."),
        ], mode
    steps: list[tuple[str, float, dict]] = [(S.UNDER_REVIEW, t, {})]
    t += rng.uniform(6, 22) * (1.3 if night else 1)
    if ending in ("declined", "advice"):
        status = S.DECLINED if ending == "declined" else S.ADVICE_GIVEN
        reason = "Contraindication: prolonged cardiac arrest." if ending == "declined" else "Prone and optimise PEEP."
        return [*steps, (status, t, {"reason": reason})], mode
    if ending == "conventional":
        arrival = t + rng.uniform(80, 150)
        return [
            *steps,
            (S.CONVENTIONAL_TRANSFER, t, {}),
            (S.ARRIVED, arrival, {}),
            _ending(S.COMPLETED, arrival + rng.uniform(10, 25), Outcome.TRANSPORTED_CONVENTIONALLY),
        ], mode
    steps.append((S.TEAM_ACTIVATED, t, {}))
    if ending in ("referrer_withdrew", "team_unavailable"):
        return [*steps, _ending(S.CANCELLED, t + rng.uniform(10, 35), CANCELLED[ending], "Cancelled.")], mode
    t += rng.uniform(14, 32) * (1.4 if night else 1)
    steps.append((S.TEAM_READY, t, {}))
    if ending in CANCELLED:
        return [*steps, _ending(S.CANCELLED, t + rng.uniform(3, 10), CANCELLED[ending], "Cancelled.")], mode
    t += rng.uniform(4, 14)
    steps.append((S.EN_ROUTE_OUT, t, {"outbound_transport_mode": mode}))
    if ending in ("died_before_team_arrival", "vehicle_or_equipment_failure"):
        at = t + out * rng.uniform(0.4, 0.8)
        return [*steps, _ending(S.ABORTED, at, ABORTED[ending], "Aborted on the way.")], mode
    t += out
    steps.append((S.ON_SITE, t, {}))
    if ending in ("not_a_candidate_on_site", "improved_no_ecmo_needed"):
        return [*steps, _ending(S.ABORTED, t + rng.uniform(15, 40), ABORTED[ending], "Decided at the bedside.")], mode
    if ending == "without_ecmo":
        t += rng.uniform(35, 60)
        steps.append((S.EN_ROUTE_BACK, t, {"outcome": Outcome.TRANSPORTED_WITHOUT_ECMO, "return_transport_mode": mode}))
    else:
        support = SupportMode.VA if rng.random() < 0.4 else SupportMode.VV
        if plan.kind == MissionKind.PRIMARY:
            t += rng.uniform(10, 30)
            steps.append((S.CANNULATING, t, {}))
            if ending == "died_during_cannulation":
                at = t + rng.uniform(10, 25)
                return [*steps, _ending(S.ABORTED, at, ABORTED[ending], "Cardiac arrest during cannulation.")], mode
            t += rng.uniform(14, 40)
        else:
            t += rng.uniform(20, 45)  # taking over the running circuit
        steps.append((S.ON_ECMO, t, {"support_mode": support}))
        if ending == "cannulated_not_transportable":
            at = t + rng.uniform(30, 60)
            return [*steps, _ending(S.ABORTED, at, ABORTED[ending], "Not stable enough to move.")], mode
        t += rng.uniform(30, 75)
        steps.append((S.EN_ROUTE_BACK, t, {"return_transport_mode": mode}))
    t += back
    steps.append((S.ARRIVED, t, {}))
    t += rng.uniform(10, 25)
    if ending == "without_ecmo":
        outcome = Outcome.TRANSPORTED_WITHOUT_ECMO
    else:
        outcome = Outcome.TRANSFERRED_ON_ECMO if plan.kind == MissionKind.SECONDARY else Outcome.CANNULATED_TRANSPORTED
    steps.append((S.COMPLETED, t, {"outcome": outcome}))
    return steps, mode


def _actor(status: str, people: People):
    if status in statuses.TEAM_PHASES:
        return people.primary[TeamRole.ECMO_PHYSICIAN]
    if status == S.TEAM_READY:
        return None  # the system, when every role is covered
    return people.coordinator


def _write_mission(plan: Plan, people: People, centre: Hospital) -> Mission:
    steps, _mode = _phases(plan, centre)
    rng = plan.rng
    support = Support.VA if plan.kind == MissionKind.SECONDARY and rng.random() < 0.3 else rng.choice(
        [Support.VV, Support.VV, Support.VA, Support.ECPR])
    drill = plan.ending == "drill"
    mission = Mission.objects.create(
        code=f"{PREFIX}DRILL-{plan.number + 1:02d}" if drill else f"{PREFIX}{plan.start:%Y}-{plan.number + 1:03d}",
        is_drill=drill,
        referring_hospital=plan.hospital,
        receiving_centre=centre,
        support=support,
        kind=plan.kind,
        patient_reference="" if drill else f"{plan.hospital.code}-{rng.randrange(10000, 99999)}",
        patient_age=rng.randrange(19, 74),
        patient_sex=rng.choice([Sex.FEMALE, Sex.MALE, Sex.MALE]),
        patient_weight_kg=rng.randrange(55, 118),
        referring_physician=rng.choice(["Dr. Novak", "Dr. Horvat", "Dr. Kovačič", "Dr. Krajnc", "Dr. Zupan"]),
        callback_phone="+38640000002",
        required_roles=list(TeamRole.values),
        created_by=people.coordinator,
        requested_at=plan.start,
        status_changed_at=plan.start,
    )
    record_event(
        mission=mission,
        kind="mission.requested",
        to_status=S.REQUESTED,
        actor=people.coordinator,
        source=EventSource.WEB,
        occurred_at=plan.start,
        payload={
            "support": support,
            "kind": plan.kind,
            "referring_hospital": plan.hospital.code,
            **({"is_drill": True} if drill else {}),
        },
    )
    current = S.REQUESTED
    for status, minute, facts in steps:
        at = plan.start + timedelta(minutes=minute)
        skipped = statuses.SKIPPED_PHASE_TIMESTAMPS.get((current, status), ())
        for stamped in (*skipped, *statuses.PHASE_TIMESTAMPS.get(status, ())):
            setattr(mission, stamped, at)
        reason = facts.get("reason", "")
        recorded = {key: value for key, value in facts.items() if key != "reason"}
        for key, value in recorded.items():
            setattr(mission, key, value)
        if reason:
            mission.close_reason = reason
        mission.status, mission.status_changed_at = status, at
        record_event(
            mission=mission,
            kind="mission.status_changed",
            from_status=current,
            to_status=status,
            actor=_actor(status, people),
            source=EventSource.SYSTEM if status == S.TEAM_READY else EventSource.WEB,
            note=reason,
            payload={**recorded, **({"reason": reason} if reason else {})},
            occurred_at=at,
        )
        current = status
    mission.save()
    if mission.team_activated_at:
        _page_team(mission, plan, people)
    if mission.departed_at:
        _adverse_events(mission, plan, people)
    return mission


def _page_team(mission: Mission, plan: Plan, people: People) -> None:
    """One alert per role: most accept the first SMS; some needed a call or the backup; a role
    nobody covered cancels the mission (team unavailable). Written in bulk: a handful of queries."""
    rng = plan.rng
    opened = mission.team_activated_at
    night = opened.astimezone(timezone.get_current_timezone()).hour < 7
    uncovered_role = TeamRole.PERFUSIONIST if plan.ending == "team_unavailable" else None
    typical = {TeamRole.ECMO_PHYSICIAN: 3.0, TeamRole.PERFUSIONIST: 4.0, TeamRole.NURSE: 2.5, TeamRole.DRIVER: 1.8}
    alerts, pages, assignments = [], [], []
    for role in TeamRole.values:
        primary, backup = people.primary[role], people.backup[role]
        alert = Alert(mission=mission, team_role=role, message=f"ECMO {mission.code}", opened_at=opened)
        alerts.append(alert)
        if role == uncovered_role:
            alert.state, alert.step_index = AlertState.UNCOVERED, 5
            pages += [(alert, primary, "primary", opened, None, ""),
                      (alert, backup, "backup", opened + timedelta(minutes=10), None, "")]
            continue
        luck = rng.random()
        if luck < 0.72:  # the first SMS did it
            step, tier, member, paged = 1, "primary", primary, opened
            answer, via = rng.lognormvariate(0, 0.5) * typical[role] * (1.6 if night else 1), "sms"
        elif luck < 0.92:  # answered the call that followed
            step, tier, member, paged = 2, "primary", primary, opened
            answer, via = 5 + rng.uniform(0.5, 3), "voice"
        else:  # the backup accepted
            step, tier, member, paged = 3, "backup", backup, opened + timedelta(minutes=10)
            answer, via = rng.uniform(1, 5), "sms"
            pages.append((alert, primary, "primary", opened, None, ""))
        accepted = paged + timedelta(minutes=answer)
        alert.state, alert.step_index, alert.closed_at, alert.accepted_by = AlertState.ACCEPTED, step, accepted, member
        pages.append((alert, member, tier, paged, accepted, via))
        assignments.append(MissionAssignment(mission=mission, member=member, team_role=role))
    Alert.objects.bulk_create(alerts)
    for alert in alerts:  # auto_now_add stamped "now" on the way in
        alert.opened_at = opened
    Alert.objects.bulk_update(alerts, ["opened_at"])
    recipients = [
        AlertRecipient(
            alert=alert,
            member=member,
            tier=tier,
            first_paged_at=paged,
            response=Response.ACCEPTED if accepted else Response.NONE,
            responded_at=accepted,
            responded_via=via,
        )
        for alert, member, tier, paged, accepted, via in pages
    ]
    AlertRecipient.objects.bulk_create(recipients)
    for recipient, (_alert, _member, _tier, paged, _accepted, _via) in zip(recipients, pages, strict=True):
        recipient.first_paged_at = paged
    AlertRecipient.objects.bulk_update(recipients, ["first_paged_at"])
    MissionAssignment.objects.bulk_create(assignments)


def _adverse_events(mission: Mission, plan: Plan, people: People) -> None:
    """About one mission in five with the team out has something go wrong, mostly minor."""
    rng = plan.rng
    if rng.random() > 0.24:
        return
    end = mission.arrived_at or mission.closed_at
    for index in range(1 if rng.random() < 0.75 else 2):
        category, code, severity = ADVERSE[(plan.number + index * 5) % len(ADVERSE)]
        at = mission.departed_at + (end - mission.departed_at) * rng.uniform(0.2, 0.9)
        phase = _phase_at(mission, at)
        event = record_event(
            mission=mission,
            kind="adverse_event.recorded",
            actor=people.primary[TeamRole.ECMO_PHYSICIAN],
            source=EventSource.WEB,
            occurred_at=at,
            payload={"category": category, "code": code, "severity": severity, "phase": phase},
        )
        AdverseEvent.objects.create(
            mission=mission,
            category=category,
            code=code,
            severity=severity,
            phase=phase,
            occurred_at=at,
            reported_by=people.primary[TeamRole.ECMO_PHYSICIAN],
            event=event,
        )


def _phase_at(mission: Mission, at: datetime) -> str:
    """The status the mission was in at `at` (the last phase stamped before it)."""
    phase = S.EN_ROUTE_OUT
    for status, stamp in ((S.ON_SITE, "on_site_at"), (S.CANNULATING, "cannulation_started_at"),
                          (S.ON_ECMO, "flow_established_at"), (S.EN_ROUTE_BACK, "departed_with_patient_at")):
        moment = getattr(mission, stamp)
        if moment is not None and moment <= at:
            phase = status
    return phase


def _records(missions: list[Mission], people: People, now: datetime) -> None:
    """Debriefs for missions closed more than three days ago; follow-ups for patients put on ECMO."""
    for mission in missions:
        rng = random.Random(f"records-{mission.code}")
        if mission.status not in (S.COMPLETED, S.ABORTED):
            continue
        if mission.closed_at < now - timedelta(days=3):
            went_well, went_wrong, equipment, action = DEBRIEF_TEXTS[rng.randrange(len(DEBRIEF_TEXTS))]
            records.submit_debrief(
                mission_id=mission.pk,
                actor=people.coordinator,
                went_well=went_well,
                went_wrong=went_wrong,
                equipment_issues=equipment,
                actions=[records.ActionInput(action=action, owner_id=people.coordinator.pk)],
                source=EventSource.WEB,
            )
        if mission.flow_established_at is None or mission.closed_at > now - timedelta(days=14):
            continue
        survived_ecmo = Survival.YES if rng.random() < 0.68 else Survival.NO
        if survived_ecmo == Survival.YES:
            survived_hospital = rng.choice([Survival.YES, Survival.YES, Survival.YES, Survival.NO, Survival.UNKNOWN])
        else:
            survived_hospital = Survival.NO
        decannulated = None
        if survived_ecmo == Survival.YES:
            decannulated = min(timezone.localdate(mission.requested_at) + timedelta(days=rng.randrange(4, 16)),
                               timezone.localdate(now))
        records.save_follow_up(
            mission_id=mission.pk,
            actor=people.coordinator,
            decannulated_on=decannulated,
            survived_ecmo=survived_ecmo,
            survived_hospital=survived_hospital,
            source=EventSource.WEB,
        )


def load_demo_history(*, now: datetime | None = None) -> int:
    """Write the demo missions once; returns how many were written (0 when they are already there)."""
    if Mission.objects.filter(code__startswith=PREFIX).exists():
        return 0
    people = _people()
    if people is None:
        return 0
    now = now or timezone.now()
    centre = Hospital.objects.get(code="UKCL")
    hospitals = {h.code: h for h in Hospital.objects.all()}
    missions = []
    with transaction.atomic(), registry.writing_history():
        for number, (ending, kind) in enumerate(ENDINGS):
            rng = random.Random(f"demo-mission-{number}")
            source = SECONDARY_FROM if kind == MissionKind.SECONDARY else PRIMARY_FROM
            plan = Plan(
                number=number,
                ending=ending,
                kind=kind,
                hospital=hospitals[rng.choice(source)],
                start=_start(number, len(ENDINGS), now, rng),
                rng=rng,
            )
            missions.append(_write_mission(plan, people, centre))
        _records(missions, people, now)
        for number, days in enumerate(DRILL_DAYS):
            rng = random.Random(f"demo-drill-{number}")
            start = (now - timedelta(days=days)).replace(hour=rng.choice([3, 10, 14, 22]), minute=rng.randrange(60))
            plan = Plan(number=number, ending="drill", kind=MissionKind.PRIMARY, hospital=centre, start=start, rng=rng)
            missions.append(_write_mission(plan, people, centre))
    return len(missions)
