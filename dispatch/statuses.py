"""The mission state machine as data: which status may follow which, who may move it, what it stamps."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

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


# The one next phase the team reports from each status, and the words on the phone's big button.
TEAM_NEXT_PHASE: dict[str, tuple[str, str]] = {
    S.TEAM_READY: (S.EN_ROUTE_OUT, _("Departed")),
    S.EN_ROUTE_OUT: (S.ON_SITE, _("Arrived at bedside")),
    S.ON_SITE: (S.CANNULATING, _("Cannulation started")),
    S.CANNULATING: (S.ON_ECMO, _("ECMO flow established")),
    S.ON_ECMO: (S.EN_ROUTE_BACK, _("Departed with patient")),
    S.EN_ROUTE_BACK: (S.ARRIVED, _("Arrived at centre")),
    S.ARRIVED: (S.COMPLETED, _("Hand-over done")),
}

# Phases in which the team travels: live positions and an expected arrival exist only then.
TRACKED_PHASES: frozenset[str] = frozenset({S.EN_ROUTE_OUT, S.EN_ROUTE_BACK})

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


def allowed_next(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())
