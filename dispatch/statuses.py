"""The mission state machine as data: which status may follow which, who may move it, what it stamps."""

from .models import MissionStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.UNDER_REVIEW, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset(
        {S.DECLINED, S.ADVICE_GIVEN, S.CONVENTIONAL_TRANSFER, S.TEAM_ACTIVATED, S.CANCELLED}
    ),
    S.TEAM_ACTIVATED: frozenset({S.TEAM_READY, S.CANCELLED}),
    S.TEAM_READY: frozenset({S.EN_ROUTE_OUT, S.CANCELLED}),
    S.EN_ROUTE_OUT: frozenset({S.ON_SITE, S.ABORTED}),
    S.ON_SITE: frozenset({S.CANNULATING, S.ABORTED}),
    S.CANNULATING: frozenset({S.ON_ECMO, S.ABORTED}),
    S.ON_ECMO: frozenset({S.EN_ROUTE_BACK, S.ABORTED}),
    S.EN_ROUTE_BACK: frozenset({S.ARRIVED, S.ABORTED}),
    S.ARRIVED: frozenset({S.COMPLETED, S.ABORTED}),
}

TERMINAL: frozenset[str] = frozenset(
    {S.DECLINED, S.ADVICE_GIVEN, S.CONVENTIONAL_TRANSFER, S.COMPLETED, S.CANCELLED, S.ABORTED}
)
ACTIVE: frozenset[str] = frozenset(s for s in S.values if s not in TERMINAL)

# A clinical reason is mandatory when a mission ends without a hand-over.
REASON_REQUIRED: frozenset[str] = frozenset({S.DECLINED, S.CANCELLED, S.ABORTED})

# The fields each status stamps when entered; every decision also stamps `decided_at`.
PHASE_TIMESTAMPS: dict[str, tuple[str, ...]] = {
    S.UNDER_REVIEW: ("review_started_at",),
    S.DECLINED: ("decided_at", "closed_at"),
    S.ADVICE_GIVEN: ("decided_at", "closed_at"),
    S.CONVENTIONAL_TRANSFER: ("decided_at", "closed_at"),
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

# Phases the mobile team reports from the road and the bedside.
TEAM_PHASES: frozenset[str] = frozenset(
    {S.EN_ROUTE_OUT, S.ON_SITE, S.CANNULATING, S.ON_ECMO, S.EN_ROUTE_BACK, S.ARRIVED, S.COMPLETED, S.ABORTED}
)
# A referring doctor may withdraw their own request before the centre has committed a team.
REFERRER_MAY_CANCEL_FROM: frozenset[str] = frozenset({S.REQUESTED, S.UNDER_REVIEW})


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())
