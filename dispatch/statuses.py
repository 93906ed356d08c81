"""The mission state machine as data: which status may follow which, who may move it, what it stamps."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import MissionKind as K
from .models import MissionStatus as S
from .models import Outcome as O

TRANSITIONS: dict[str, frozenset[str]] = {
    # A clear-cut referral is activated at once: the review is recorded in the same step.
    S.REQUESTED: frozenset({S.UNDER_REVIEW, S.TEAM_ACTIVATED, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset(
        {S.DECLINED, S.ADVICE_GIVEN, S.CONVENTIONAL_TRANSFER, S.TEAM_ACTIVATED, S.CANCELLED}
    ),
    # Advice is not a dead end: the same mission is reviewed again when the patient changes.
    S.ADVICE_GIVEN: frozenset({S.UNDER_REVIEW}),
    # The referring hospital moves the patient itself; the centre follows it to hand-over.
    S.CONVENTIONAL_TRANSFER: frozenset({S.ARRIVED, S.CANCELLED}),
    S.TEAM_ACTIVATED: frozenset({S.TEAM_READY, S.CANCELLED}),
    S.TEAM_READY: frozenset({S.EN_ROUTE_OUT, S.CANCELLED}),
    S.EN_ROUTE_OUT: frozenset({S.ON_SITE, S.ABORTED}),
    # Primary: cannulate. Secondary: take over the running circuit. Either: move without ECMO.
    S.ON_SITE: frozenset({S.CANNULATING, S.ON_ECMO, S.EN_ROUTE_BACK, S.ABORTED}),
    S.CANNULATING: frozenset({S.ON_ECMO, S.ABORTED}),
    S.ON_ECMO: frozenset({S.EN_ROUTE_BACK, S.ABORTED}),
    S.EN_ROUTE_BACK: frozenset({S.ARRIVED, S.ABORTED}),
    S.ARRIVED: frozenset({S.COMPLETED, S.ABORTED}),
}

# Edges only one kind of mission may take; every other kind gets a 409.
KIND_ONLY: dict[tuple[str, str], str] = {
    (S.ON_SITE, S.CANNULATING): K.PRIMARY,
    (S.ON_SITE, S.ON_ECMO): K.SECONDARY,
}

# Nothing follows these.
TERMINAL: frozenset[str] = frozenset({S.DECLINED, S.COMPLETED, S.CANCELLED, S.ABORTED})
# Closed for the board and the referral form: the terminal states and advice (which may re-open).
CLOSED: frozenset[str] = TERMINAL | {S.ADVICE_GIVEN}
ACTIVE: frozenset[str] = frozenset(s for s in S.values if s not in CLOSED)

# A clinical reason is mandatory when a mission ends without a hand-over.
REASON_REQUIRED: frozenset[str] = frozenset({S.DECLINED, S.CANCELLED, S.ABORTED})

# Changes that also record the phase they skip, at the same time (requested → team_activated
# stamps the review too, so "referral → decision" never lacks its review).
SKIPPED_PHASE_TIMESTAMPS: dict[tuple[str, str], tuple[str, ...]] = {
    (S.REQUESTED, S.TEAM_ACTIVATED): ("review_started_at",),
}

# The outcome codes a change must name: per status entered, and per edge.
ABORT_OUTCOMES: tuple[str, ...] = (
    O.DIED_BEFORE_TEAM_ARRIVAL,
    O.DIED_DURING_CANNULATION,
    O.NOT_A_CANDIDATE_ON_SITE,
    O.IMPROVED_NO_ECMO_NEEDED,
    O.CANNULATED_NOT_TRANSPORTABLE,
    O.VEHICLE_OR_EQUIPMENT_FAILURE,
    O.OTHER,
)
CANCEL_OUTCOMES: tuple[str, ...] = (
    O.PATIENT_DIED,
    O.PATIENT_IMPROVED,
    O.REFERRER_WITHDREW,
    O.TEAM_UNAVAILABLE,
    O.TRANSFERRED_ELSEWHERE,
    O.OTHER,
)
OUTCOME_REQUIRED: dict[str, tuple[str, ...]] = {S.ABORTED: ABORT_OUTCOMES, S.CANCELLED: CANCEL_OUTCOMES}
EDGE_OUTCOMES: dict[tuple[str, str], tuple[str, ...]] = {
    (S.ON_SITE, S.EN_ROUTE_BACK): (O.TRANSPORTED_WITHOUT_ECMO,),
}
# Outcomes the state machine derives at hand-over; never sent by a client.
COMPLETION_OUTCOMES: tuple[str, ...] = (
    O.CANNULATED_TRANSPORTED,
    O.TRANSPORTED_WITHOUT_ECMO,
    O.TRANSFERRED_ON_ECMO,
    O.TRANSPORTED_CONVENTIONALLY,
)

# The ECMO configuration is recorded when flow is established.
SUPPORT_MODE_REQUIRED: frozenset[str] = frozenset({S.ON_ECMO})
# The vehicle actually used is recorded at each departure, in this field.
TRANSPORT_MODE_FIELDS: dict[str, str] = {
    S.EN_ROUTE_OUT: "outbound_transport_mode",
    S.EN_ROUTE_BACK: "return_transport_mode",
}

# The fields each status stamps when entered; every decision also stamps `decided_at`.
PHASE_TIMESTAMPS: dict[str, tuple[str, ...]] = {
    S.UNDER_REVIEW: ("review_started_at",),
    S.DECLINED: ("decided_at", "closed_at"),
    S.ADVICE_GIVEN: ("decided_at", "closed_at"),
    S.CONVENTIONAL_TRANSFER: ("decided_at",),
    S.TEAM_ACTIVATED: ("decided_at", "team_activated_at"),
    S.TEAM_READY: ("team_ready_at",),
    S.EN_ROUTE_OUT: ("departed_at",),
    S.ON_SITE: ("on_site_at",),
    S.CANNULATING: ("cannulation_started_at",),
    S.ON_ECMO: ("flow_established_at",),
    S.EN_ROUTE_BACK: ("departed_with_patient_at",),
    S.ARRIVED: ("arrived_at",),
    S.COMPLETED: ("handed_over_at", "closed_at"),
    S.CANCELLED: ("closed_at",),
    S.ABORTED: ("closed_at",),
}
# Every time a mission records, in the order the phases happen; a correction keeps this order.
TIME_FIELDS: tuple[str, ...] = (
    "requested_at",
    "review_started_at",
    "decided_at",
    "team_activated_at",
    "team_ready_at",
    "departed_at",
    "on_site_at",
    "cannulation_started_at",
    "flow_established_at",
    "departed_with_patient_at",
    "arrived_at",
    "handed_over_at",
    "closed_at",
)
# Fields a coordinator may correct (`services.missions.correct_mission`), besides the times.
CORRECTABLE_CHOICE_FIELDS: tuple[str, ...] = (
    "outcome",
    "support_mode",
    "outbound_transport_mode",
    "return_transport_mode",
)

# The recorded times and facts in the clinic's words (corrections name them, pages label them).
FIELD_LABELS: dict[str, str] = {
    "requested_at": _("First call (referral requested)"),
    "review_started_at": _("Review started"),
    "decided_at": _("Decision"),
    "team_activated_at": _("Team activated"),
    "team_ready_at": _("Team ready"),
    "departed_at": _("Team departed"),
    "on_site_at": _("Team at bedside"),
    "cannulation_started_at": _("Cannulation started"),
    "flow_established_at": _("ECMO flow established / circuit taken over"),
    "departed_with_patient_at": _("Departed with patient"),
    "arrived_at": _("Arrived at centre"),
    "handed_over_at": _("Handed over"),
    "closed_at": _("Closed"),
    "outcome": _("Outcome"),
    "support_mode": _("Support mode"),
    "outbound_transport_mode": _("Transport to patient"),
    "return_transport_mode": _("Transport with patient"),
    "review_at": _("Review advice at"),
}

# Phase taps the team may take back (`undo_last_phase`): the hand-over and the endings may not.
UNDOABLE: frozenset[str] = frozenset(
    {S.EN_ROUTE_OUT, S.ON_SITE, S.CANNULATING, S.ON_ECMO, S.EN_ROUTE_BACK, S.ARRIVED}
)

# Phases the mobile team reports from the road and the bedside.
TEAM_PHASES: frozenset[str] = frozenset(
    {S.EN_ROUTE_OUT, S.ON_SITE, S.CANNULATING, S.ON_ECMO, S.EN_ROUTE_BACK, S.ARRIVED, S.COMPLETED, S.ABORTED}
)
# A referring doctor may withdraw their own request before the centre has committed a team.
REFERRER_MAY_CANCEL_FROM: frozenset[str] = frozenset({S.REQUESTED, S.UNDER_REVIEW})
# Referrals still waiting for the centre's decision (the board counts them in the tab title).
AWAITING_DECISION: frozenset[str] = frozenset({S.REQUESTED, S.UNDER_REVIEW})


# The one next phase the team reports from each status, and the words on the phone's big button
# (a secondary mission's next phase at the bedside is in `SECONDARY_NEXT_PHASE`).
TEAM_NEXT_PHASE: dict[str, tuple[str, str]] = {
    S.TEAM_READY: (S.EN_ROUTE_OUT, _("Departed")),
    S.EN_ROUTE_OUT: (S.ON_SITE, _("Arrived at bedside")),
    S.ON_SITE: (S.CANNULATING, _("Cannulation started")),
    S.CANNULATING: (S.ON_ECMO, _("ECMO flow established")),
    S.ON_ECMO: (S.EN_ROUTE_BACK, _("Departed with patient")),
    S.EN_ROUTE_BACK: (S.ARRIVED, _("Arrived at centre")),
    S.ARRIVED: (S.COMPLETED, _("Hand-over done")),
}
SECONDARY_NEXT_PHASE: dict[str, tuple[str, str]] = {
    **TEAM_NEXT_PHASE,
    S.ON_SITE: (S.ON_ECMO, _("Circuit taken over")),
}


def team_next_phase(kind: str) -> dict[str, tuple[str, str]]:
    return SECONDARY_NEXT_PHASE if kind == K.SECONDARY else TEAM_NEXT_PHASE

# Phases in which the team travels: live positions and an expected arrival exist only then.
# (A conventional transfer has an expected arrival too, from the decision: `tracking.selectors`.)
TRACKED_PHASES: frozenset[str] = frozenset({S.EN_ROUTE_OUT, S.EN_ROUTE_BACK})
# Phases at the referring hospital's bedside: the way back is the travel that matters then.
AT_BEDSIDE: frozenset[str] = frozenset({S.ON_SITE, S.CANNULATING, S.ON_ECMO})

# The centre's decision as the referring doctor reads it (decision SMS).
DECISION_TEXTS: dict[str, str] = {
    S.TEAM_ACTIVATED: _("ACCEPTED: the mobile ECMO team is being activated and will come to you."),
    S.CONVENTIONAL_TRANSFER: _("ACCEPTED for conventional transfer to the centre (no ECMO team)."),
    S.ADVICE_GIVEN: _("ADVICE given, no transfer for now."),
    S.DECLINED: _("DECLINED."),
}

# Minutes a mission may stay in a phase before the board marks it overdue. Working defaults for
# the board only (the Marseille series: referral call -> cannulation median 3 h), not a clinical
# standard; BOARD_PHASE_EXPECTED_MINUTES="requested=15,..." overrides them (`expected_phase_minutes`).
EXPECTED_PHASE_MINUTES: dict[str, int] = {
    S.REQUESTED: 15,
    S.UNDER_REVIEW: 15,
    S.CONVENTIONAL_TRANSFER: 240,
    S.TEAM_ACTIVATED: 30,
    S.TEAM_READY: 15,
    S.EN_ROUTE_OUT: 120,
    S.ON_SITE: 45,
    S.CANNULATING: 45,
    S.ON_ECMO: 60,
    S.EN_ROUTE_BACK: 150,
    S.ARRIVED: 30,
}


def expected_phase_minutes() -> dict[str, int]:
    """The defaults above with the operator's overrides from the environment applied."""
    return {**EXPECTED_PHASE_MINUTES, **settings.BOARD_PHASE_EXPECTED_MINUTES}


def allowed_next(status: str, kind: str | None = None) -> frozenset[str]:
    """The statuses that may follow; with `kind`, without the edges meant for the other kind."""
    allowed = TRANSITIONS.get(status, frozenset())
    if kind is None:
        return allowed
    return frozenset(to for to in allowed if KIND_ONLY.get((status, to), kind) == kind)


def outcomes_for(from_status: str, to_status: str) -> tuple[str, ...]:
    """The outcome codes this change must name (empty: it takes none)."""
    return EDGE_OUTCOMES.get((from_status, to_status)) or OUTCOME_REQUIRED.get(to_status, ())
