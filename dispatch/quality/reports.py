"""The quality figures as the API and the page show them: one body per scope, built from the selectors."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.models import AdverseCategory, MissionKind, MissionStatus, Outcome, Severity, TransportMode
from dispatch.quality import intervals, selectors
from dispatch.quality.filters import Scope
from dispatch.records.models import Survival

DEFINITIONS = {
    "minutes": gettext_lazy("Minutes between the two phase times as corrected, one decimal; null: never reached."),
    "median": gettext_lazy("Middle value of the missions' minutes (mean of the two middle ones for an even n)."),
    "p90": gettext_lazy("Nearest rank: the ⌈0.9·n⌉-th smallest value."),
    "excluded": gettext_lazy("Drills are never counted."),
}

MISSION_COLUMNS: tuple[str, ...] = (
    "code",
    "referring_hospital",
    "month",
    "requested_at",
    "kind",
    "outbound_transport_mode",
    "return_transport_mode",
    "status",
    "outcome",
    "support_mode",
)
CSV_HEADER: tuple[str, ...] = (*MISSION_COLUMNS, *(f"{key}_min" for key in intervals.INTERVAL_KEYS))


def _mission(row: Mapping) -> dict:
    zone = selectors.display_zone()
    return {
        "id": row["id"],
        "code": row["code"],
        "referring_hospital": row["referring_hospital__code"],
        "referring_hospital_name": row["referring_hospital__name"],
        "month": row["month"],
        "requested_at": row["requested_at"].astimezone(zone).isoformat(),
        "kind": row["kind"],
        "outbound_transport_mode": row["outbound_transport_mode"] or None,
        "return_transport_mode": row["return_transport_mode"] or None,
        "status": row["status"],
        "outcome": row["outcome"] or None,
        "support_mode": row["support_mode"] or None,
        "minutes": {key: intervals.as_number(value) for key, value in row["minutes"].items()},
    }


def interval_body(scope: Scope) -> dict:
    """Per mission rows and the summaries (GET /api/v1/metrics/intervals/)."""
    rows = selectors.interval_rows(scope)
    return {
        "filters": {
            "from": scope.start,
            "to": scope.end,
            "hospital": scope.hospital.code if scope.hospital else None,
            "mode": scope.mode or None,
            "kind": scope.kind or None,
        },
        "definitions": {key: str(text) for key, text in DEFINITIONS.items()},
        "intervals": [
            {"key": i.key, "label": str(i.label), "start": i.start, "end": i.end} for i in intervals.INTERVALS
        ],
        "missions": [_mission(row) for row in rows],
        "summaries": selectors.interval_report(rows),
    }


def csv_row(mission: Mapping) -> list:
    """A mission of `interval_body` as a CSV row: an interval never reached is an empty cell."""
    values = [mission[column] if mission[column] is not None else "" for column in MISSION_COLUMNS]
    minutes = [mission["minutes"][key] for key in intervals.INTERVAL_KEYS]
    return [*values, *("" if value is None else value for value in minutes)]


def csv_filename(scope: Scope) -> str:
    parts = ["ecmo-intervals", scope.hospital.code if scope.hospital else "all"]
    if scope.start:
        parts.append(f"from-{scope.start.isoformat()}")
    if scope.end:
        parts.append(f"to-{scope.end.isoformat()}")
    return "-".join(parts).lower() + ".csv"


# The intervals drawn as monthly medians on the page (the whole chain is in the table and CSV).
KEY_INTERVALS: tuple[str, ...] = (
    "referral_to_decision",
    "activation_to_flow",
    "departure_to_bedside",
    "bedside_to_flow",
    "referral_to_flow",
)
# Referral → flow histogram: half-hour bins up to 6 h, then one bin for everything longer.
HISTOGRAM_STEP_MIN = 30
HISTOGRAM_LAST_MIN = 360


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def outcome_family_labels() -> dict[str, str]:
    return {
        "on_ecmo": _("Handed over on ECMO"),
        "without_ecmo": _("Transported without ECMO"),
        "died": _("Died before transport"),
        "aborted": _("Aborted (other reasons)"),
        "cancelled": _("Cancelled before departure"),
        "declined_or_advice": _("Declined or advice only"),
    }


def _histogram(rows: list[dict]) -> dict:
    values = [row["minutes"]["referral_to_flow"] for row in rows]
    reached = [v for v in values if v is not None]
    edges = list(range(0, HISTOGRAM_LAST_MIN, HISTOGRAM_STEP_MIN))
    counts = [0] * (len(edges) + 1)
    for value in reached:
        index = min(int(value // HISTOGRAM_STEP_MIN), len(edges)) if value >= 0 else 0
        counts[index] += 1
    labels = [f"{low}–{low + HISTOGRAM_STEP_MIN}" for low in edges] + [f"≥ {HISTOGRAM_LAST_MIN}"]
    return {"labels": labels, "counts": counts, "n": len(reached), "summary": intervals.summary(reached)}


def _months(scope: Scope, rows: list[dict]) -> list[str]:
    zone = selectors.display_zone()
    low, high = scope.requested_range()
    months = [row["month"] for row in rows]
    first = intervals.month_of(low, zone) if low else (min(months) if months else None)
    last = scope.end.strftime("%Y-%m") if scope.end else (max(months) if months else None)
    if first is None or last is None or first > last:
        return sorted(set(months))
    return selectors.months_between(first, last)


def page_data(scope: Scope) -> dict:
    """Everything the quality page draws, and the tables under the charts (all numbers, no markup)."""
    rows = selectors.interval_rows(scope)
    months = _months(scope, rows)
    report = selectors.interval_report(rows)
    by_month = {entry["group"]: entry["intervals"] for entry in report["by_month"]}
    labels = {i.key: str(i.label) for i in intervals.INTERVALS}
    outcomes = selectors.outcomes_by_month(rows)
    families = outcome_family_labels()
    adverse = selectors.adverse_events(scope)
    survival = selectors.survival_by_kind(scope)
    out, with_event = adverse["missions_out"], adverse["missions_with_event"]
    data = {
        "months": months,
        "intervalLabels": labels,
        "overall": report["overall"],
        "medians": {
            "keys": list(KEY_INTERVALS),
            "rows": [
                {
                    "month": month,
                    "values": {key: (by_month.get(month) or {}).get(key, {}).get("median") for key in KEY_INTERVALS},
                    "n": {key: (by_month.get(month) or {}).get(key, {}).get("n", 0) for key in KEY_INTERVALS},
                }
                for month in months
            ],
        },
        "histogram": _histogram(rows),
        "outcomes": {
            "families": list(families),
            "labels": families,
            "rows": [{"month": month, "counts": {f: outcomes[month][f] for f in families}} for month in months],
            "detail": sorted(
                (
                    {"code": code, "label": _outcome_label(code), "n": n}
                    for code, n in selectors.outcome_counts(rows).items()
                ),
                key=lambda item: -item["n"],
            ),
        },
        "adverse": {
            "categories": _labels(AdverseCategory),
            "severities": _labels(Severity),
            "rows": [
                {"category": category, "counts": {s: adverse["by_category"][category][s] for s in Severity.values}}
                for category in AdverseCategory.values
            ],
            "missionsOut": out,
            "missionsWithEvent": with_event,
            "share": round(100 * with_event / out) if out else None,
        },
        "survival": {
            "kinds": _labels(MissionKind),
            "answers": _labels(Survival),
            "rows": [
                {
                    "kind": kind,
                    "ecmo": {a: survival[kind]["ecmo"][a] for a in Survival.values} if kind in survival else None,
                    "hospital": (
                        {a: survival[kind]["hospital"][a] for a in Survival.values} if kind in survival else None
                    ),
                }
                for kind in MissionKind.values
            ],
        },
        "modes": _labels(TransportMode),
    }
    if scope.may_see_paging:
        data["paging"] = selectors.paging_response(scope)
        data["drills"] = selectors.drill_response(scope)
    return data


def _outcome_label(code: str) -> str:
    if code in MissionStatus.values and code not in Outcome.values:
        return str(MissionStatus(code).label)
    return str(Outcome(code).label) if code in Outcome.values else code
