"""Reads behind the quality figures: a few queries, each returning plain rows (no per-mission queries).

Drills never count in the clinical figures; they have their own table of response times.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from dispatch import statuses
from dispatch.models import AdverseEvent, Mission, MissionStatus, Outcome, TeamRole
from dispatch.notifications.models import Alert, AlertRecipient, AlertState, Response
from dispatch.quality import intervals
from dispatch.quality.filters import Scope
from dispatch.records.models import PatientFollowUp, Survival
from dispatch.roles import display_name

MISSION_FIELDS: tuple[str, ...] = (
    "id",
    "code",
    "status",
    "kind",
    "outcome",
    "support_mode",
    "outbound_transport_mode",
    "return_transport_mode",
    "referring_hospital__code",
    "referring_hospital__name",
    *intervals.TIME_FIELDS,
)


def display_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def clinical_missions(scope: Scope) -> QuerySet[Mission]:
    """The real (not drill) missions the scope covers, by the day of the first call."""
    qs = Mission.objects.filter(is_drill=False)
    return _filtered(qs, scope, prefix="")


def _filtered(qs: QuerySet, scope: Scope, *, prefix: str) -> QuerySet:
    low, high = scope.requested_range()
    conditions = Q()
    if low is not None:
        conditions &= Q(**{f"{prefix}requested_at__gte": low})
    if high is not None:
        conditions &= Q(**{f"{prefix}requested_at__lt": high})
    if scope.hospital is not None:
        conditions &= Q(**{f"{prefix}referring_hospital": scope.hospital})
    if scope.mode:
        conditions &= Q(**{f"{prefix}outbound_transport_mode": scope.mode})
    if scope.kind:
        conditions &= Q(**{f"{prefix}kind": scope.kind})
    return qs.filter(conditions)


def interval_rows(scope: Scope) -> list[dict]:
    """One row per mission with its phase times (as corrected) and its minutes per interval."""
    zone = display_zone()
    rows = list(clinical_missions(scope).order_by("requested_at", "pk").values(*MISSION_FIELDS))
    for row in rows:
        row["month"] = intervals.month_of(row["requested_at"], zone)
        row["minutes"] = intervals.mission_minutes(row)
    return rows


def interval_report(rows: list[dict]) -> dict:
    """Summaries overall and by month, referring hospital, transport to the patient and kind."""
    minutes = [row["minutes"] for row in rows]
    groups = {
        "by_month": lambda row: row["month"],
        "by_hospital": lambda row: row["referring_hospital__code"],
        "by_mode": lambda row: row["outbound_transport_mode"],
        "by_kind": lambda row: row["kind"],
    }
    report = {"overall": {"n": len(rows), "intervals": intervals.summarise(minutes)}}
    for name, group in groups.items():
        report[name] = intervals.summarise_by(rows, minutes, group)
    return report


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` ("2026-01".."2026-06"), so an empty month shows as empty."""
    year, month = map(int, first.split("-"))
    end = tuple(map(int, last.split("-")))
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# How the page groups the endings (docs/states.md): one family per bar colour.
OUTCOME_FAMILIES: dict[str, tuple[str, ...]] = {
    "on_ecmo": (Outcome.CANNULATED_TRANSPORTED, Outcome.TRANSFERRED_ON_ECMO),
    "without_ecmo": (Outcome.TRANSPORTED_WITHOUT_ECMO, Outcome.TRANSPORTED_CONVENTIONALLY),
    "died": (Outcome.DIED_BEFORE_TEAM_ARRIVAL, Outcome.DIED_DURING_CANNULATION, Outcome.PATIENT_DIED),
}
# Every other ending of an aborted mission (not a candidate, improved, not transportable, failure).
OUTCOME_FAMILIES["aborted"] = tuple(o for o in statuses.ABORT_OUTCOMES if o not in OUTCOME_FAMILIES["died"])


def outcome_family(row: dict) -> str | None:
    """The family of a closed mission's ending; None while it is still open."""
    status = row["status"]
    if status in (MissionStatus.DECLINED, MissionStatus.ADVICE_GIVEN):
        return "declined_or_advice"
    if status not in statuses.TERMINAL:
        return None
    for family, outcomes in OUTCOME_FAMILIES.items():
        if row["outcome"] in outcomes and (family != "aborted" or status == MissionStatus.ABORTED):
            return family
    return "cancelled" if status == MissionStatus.CANCELLED else "aborted"


def outcomes_by_month(rows: Iterable[dict]) -> dict[str, Counter]:
    """Closed missions per month and outcome family."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        family = outcome_family(row)
        if family is not None:
            counts[row["month"]][family] += 1
    return counts


def outcome_counts(rows: Iterable[dict]) -> Counter:
    """Closed missions per exact outcome (declined and advice by their status)."""
    counts: Counter = Counter()
    for row in rows:
        if row["status"] in (MissionStatus.DECLINED, MissionStatus.ADVICE_GIVEN):
            counts[row["status"]] += 1
        elif row["status"] in statuses.TERMINAL:
            counts[row["outcome"] or row["status"]] += 1
    return counts


def adverse_events(scope: Scope) -> dict:
    """Adverse events per category and severity, and how many of the team's missions had one."""
    missions = clinical_missions(scope)
    by_category: dict[str, Counter] = defaultdict(Counter)
    rows = AdverseEvent.objects.filter(mission__in=missions).values("category", "severity")
    for row in rows.annotate(n=Count("id")).order_by():
        by_category[row["category"]][row["severity"]] += row["n"]
    out = missions.exclude(departed_at=None)
    return {
        "by_category": by_category,
        "missions_out": out.count(),
        "missions_with_event": out.filter(adverse_events__isnull=False).distinct().count(),
    }


def survival_by_kind(scope: Scope) -> dict[str, dict[str, Counter]]:
    """Per mission kind, the follow-ups' answers: survived to ECMO and to hospital discharge."""
    result: dict[str, dict[str, Counter]] = defaultdict(lambda: {"ecmo": Counter(), "hospital": Counter()})
    rows = PatientFollowUp.objects.filter(mission__in=clinical_missions(scope)).values(
        "mission__kind", "survived_ecmo", "survived_hospital"
    )
    for row in rows:
        kind = result[row["mission__kind"]]
        kind["ecmo"][row["survived_ecmo"] or Survival.UNKNOWN] += 1
        kind["hospital"][row["survived_hospital"] or Survival.UNKNOWN] += 1
    return result


def paging_response(scope: Scope) -> list[dict]:
    """Per team role, for the real missions in scope: time from page to acceptance (AlertRecipient
    first_paged_at → responded_at, accepted pages), how long the role waited to be covered (the
    alert's opening → its acceptance), the share of roles covered by the first SMS (accepted before
    any call or later step ran), and the escalations needed."""
    missions = clinical_missions(scope)
    accepted = AlertRecipient.objects.filter(
        alert__mission__in=missions, response=Response.ACCEPTED, responded_at__isnull=False
    ).values("alert__team_role", "first_paged_at", "responded_at")
    times: dict[str, list[Decimal]] = defaultdict(list)
    for row in accepted:
        times[row["alert__team_role"]].append(intervals.minutes_between(row["first_paged_at"], row["responded_at"]))
    alerts = Alert.objects.filter(mission__in=missions).exclude(state=AlertState.CANCELLED)
    # The role's own wait: from its first page (the alert opening) until someone accepted.
    covered: dict[str, list[Decimal]] = defaultdict(list)
    for row in alerts.filter(state=AlertState.ACCEPTED, closed_at__isnull=False).values(
        "team_role", "opened_at", "closed_at"
    ):
        covered[row["team_role"]].append(intervals.minutes_between(row["opened_at"], row["closed_at"]))
    counts = {
        row["team_role"]: row
        for row in alerts.values("team_role").annotate(
            alerts=Count("id"),
            # step_index counts the policy steps begun: 1 = only the primary's SMS had gone out.
            first_sms=Count("id", filter=Q(state=AlertState.ACCEPTED, step_index__lte=1)),
            escalated=Count("id", filter=Q(step_index__gt=1)),
            by_phone=Count("id", filter=Q(state=AlertState.COVERED_BY_PHONE)),
            uncovered=Count("id", filter=Q(state=AlertState.UNCOVERED)),
        ).order_by()
    }
    result = []
    for role in TeamRole.values:
        row = counts.get(role, {})
        summary = intervals.summary(times.get(role, []))
        total = row.get("alerts", 0)
        result.append(
            {
                "role": role,
                "label": str(TeamRole(role).label),
                "alerts": total,
                "accepted": summary["n"],
                "median": summary["median"],
                "p90": summary["p90"],
                "covered_median": intervals.summary(covered.get(role, []))["median"],
                "first_sms": row.get("first_sms", 0),
                "first_sms_share": round(100 * row.get("first_sms", 0) / total) if total else None,
                "escalated": row.get("escalated", 0),
                "by_phone": row.get("by_phone", 0),
                "uncovered": row.get("uncovered", 0),
            }
        )
    return result


def drill_response(scope: Scope) -> dict[str, list[dict]]:
    """Drills only: time from page to acceptance per role and per person (the clinical filters
    other than the dates do not apply to a drill)."""
    low, high = scope.requested_range()
    drills = Mission.objects.filter(is_drill=True)
    if low is not None:
        drills = drills.filter(requested_at__gte=low)
    if high is not None:
        drills = drills.filter(requested_at__lt=high)
    rows = AlertRecipient.objects.filter(
        alert__mission__in=drills, response=Response.ACCEPTED, responded_at__isnull=False
    )
    per_role: dict[str, list[Decimal]] = defaultdict(list)
    per_person: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    names: dict[int, str] = {}
    for recipient in rows.values("alert__team_role", "member_id", "first_paged_at", "responded_at"):
        minutes = intervals.minutes_between(recipient["first_paged_at"], recipient["responded_at"])
        per_role[recipient["alert__team_role"]].append(minutes)
        per_person[(recipient["member_id"], recipient["alert__team_role"])].append(minutes)
    if per_person:
        users = get_user_model().objects.filter(pk__in={member for member, _ in per_person})
        names = {user.pk: display_name(user) for user in users}
    return {
        "drills": drills.count(),
        "roles": [
            {"role": role, "label": str(TeamRole(role).label), **intervals.summary(per_role[role])}
            for role in TeamRole.values
            if role in per_role
        ],
        "people": sorted(
            (
                {
                    "name": names.get(member, "?"),
                    "role": role,
                    "label": str(TeamRole(role).label),
                    **intervals.summary(values),
                }
                for (member, role), values in per_person.items()
            ),
            key=lambda p: (TeamRole.values.index(p["role"]), p["name"]),
        ),
    }


def closed_missions(scope: Scope, *, code: str = "") -> QuerySet[Mission]:
    """Closed real missions, newest first, searchable by (part of) the code."""
    qs = clinical_missions(scope).filter(status__in=statuses.CLOSED).select_related("referring_hospital")
    if code:
        qs = qs.filter(code__icontains=code.strip())
    return qs.order_by("-requested_at", "-pk")
