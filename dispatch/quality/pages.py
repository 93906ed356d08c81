"""The quality page: charts of the interval metrics, outcomes, adverse events and paging, with tables.

The charts are drawn by a page script from a json_script block (the CSP runs no inline script);
every chart has its numbers in a table beneath it, for screen readers and for anyone who wants
the exact figures.
"""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from dispatch.errors import NotAllowed
from dispatch.models import MissionKind, TransportMode
from dispatch.quality import reports, selectors
from dispatch.quality.filters import QualityFilter, Scope, scope_for
from dispatch.records.models import Survival
from hospitals.models import Hospital

CLOSED_PER_PAGE = 25
DASH = "—"


def month_label(month: str) -> str:
    """"2026-07" as the page's language writes a month ("julij 2026", "July 2026")."""
    year, number = map(int, month.split("-"))
    return date_format(date(year, number, 1), "YEAR_MONTH_FORMAT")


def _cell(value) -> dict:
    """A table cell: its text, and whether it is a number (numbers line up on the right)."""
    if value is None:
        return {"text": DASH, "number": True}
    if isinstance(value, bool) or not isinstance(value, int | float):
        return {"text": str(value), "number": False}
    # In the page's language ("23,5" in Slovene, as the sentences above the charts write it), no ".0".
    return {"text": number_format(Decimal(f"{value:g}")) if isinstance(value, float) else str(value), "number": True}


def _number(value) -> str:
    return _cell(value)["text"]


def _share(part: int, whole: int) -> dict:
    """"24 / 37 (65 %)", lined up like a number."""
    return {"text": f"{part} / {whole} ({round(100 * part / whole)} %)" if whole else DASH, "number": True}


def _table(caption: str, head: list[str], rows: list[list]) -> dict:
    rows = [[cell if isinstance(cell, dict) else _cell(cell) for cell in row] for row in rows]
    # A column's heading lines up with its cells (numbers right, words left).
    numeric = [bool(rows) and index > 0 and rows[0][index]["number"] for index in range(len(head))]
    return {"caption": caption, "head": list(zip(head, numeric, strict=True)), "rows": rows}


def _tables(data: dict) -> dict[str, dict]:
    """The numbers behind each chart, as plain tables (header and rows of text)."""
    labels = data["intervalLabels"]
    overall = data["overall"]["intervals"]
    tables = {
        "overall": _table(
            _("All intervals"),
            [_("Interval"), _("Missions (n)"), _("Median (min)"), _("p90 (min)")],
            [[labels[key], s["n"], s["median"], s["p90"]] for key, s in overall.items()],
        ),
        "medians": _table(
            _("Monthly medians of the key intervals (minutes; n in brackets)"),
            [_("Month"), *(labels[key] for key in data["medians"]["keys"])],
            [
                [
                    month_label(row["month"]),
                    *(
                        {"text": f"{_number(row['values'][key])} (n = {row['n'][key]})", "number": True}
                        if row["n"][key]
                        else None
                        for key in data["medians"]["keys"]
                    ),
                ]
                for row in data["medians"]["rows"]
            ],
        ),
        "histogram": _table(
            _("Referral → ECMO flow: missions per half hour"),
            [_("Minutes"), _("Missions")],
            list(zip(data["histogram"]["labels"], data["histogram"]["counts"], strict=True)),
        ),
        "outcomes": _table(
            _("Outcomes by month"),
            [_("Month"), *data["outcomes"]["labels"].values(), _("Total")],
            [
                [month_label(row["month"]), *row["counts"].values(), sum(row["counts"].values())]
                for row in data["outcomes"]["rows"]
            ],
        ),
        "outcome_detail": _table(
            _("Closed missions by outcome"),
            [_("Outcome"), _("Missions")],
            [[item["label"], item["n"]] for item in data["outcomes"]["detail"]],
        ),
        "adverse": _table(
            _("Adverse events by category and severity"),
            [_("Category"), *data["adverse"]["severities"].values(), _("Total")],
            [
                [data["adverse"]["categories"][row["category"]], *row["counts"].values(), sum(row["counts"].values())]
                for row in data["adverse"]["rows"]
            ],
        ),
        "survival": _table(
            _("Survival by mission kind (from the follow-ups entered)"),
            [_("Mission kind"), _("Survived to ECMO discharge"), _("Survived to hospital discharge")],
            [
                [
                    data["survival"]["kinds"][row["kind"]],
                    _survival(row["ecmo"], data["survival"]["answers"]),
                    _survival(row["hospital"], data["survival"]["answers"]),
                ]
                for row in data["survival"]["rows"]
            ],
        ),
    }
    if "paging" in data:
        tables["paging"] = _table(
            _("Paging response per role (real missions)"),
            [
                _("Role"),
                _("Pages accepted"),
                _("Median page → acceptance (min)"),
                _("p90 (min)"),
                _("Median until the role was covered (min)"),
                _("Covered by the first SMS"),
                _("Escalation needed"),
                _("Covered by a phone call"),
                _("Left uncovered"),
            ],
            [
                [
                    row["label"],
                    row["accepted"],
                    row["median"],
                    row["p90"],
                    row["covered_median"],
                    _share(row["first_sms"], row["alerts"]),
                    _share(row["escalated"], row["alerts"]),
                    row["by_phone"],
                    row["uncovered"],
                ]
                for row in data["paging"]
            ],
        )
        drills = data["drills"]
        head = [_("Pages accepted"), _("Median page → acceptance (min)"), _("p90 (min)")]
        tables["drill_roles"] = _table(
            _("Drills: time to accept per role"),
            [_("Role"), *head],
            [[row["label"], row["n"], row["median"], row["p90"]] for row in drills["roles"]],
        )
        tables["drill_people"] = _table(
            _("Drills: time to accept per person"),
            [_("Person"), _("Role"), *head],
            [[row["name"], row["label"], row["n"], row["median"], row["p90"]] for row in drills["people"]],
        )
    return tables


def _survival(counts: dict | None, answers: dict[str, str]) -> str:
    """"Yes: 11 (73 %), No: 4, Unknown: 2": the share among the known answers."""
    if not counts:
        return DASH
    known = counts.get(Survival.YES, 0) + counts.get(Survival.NO, 0)
    parts = []
    for answer, n in counts.items():
        share = f" ({round(100 * n / known)} %)" if answer == Survival.YES and known else ""
        parts.append(f"{answers[answer]}: {n}{share}")
    return ", ".join(parts)


def _chart_texts(data: dict) -> dict:
    """Month names in the page's language; the script takes every other word from gettext()."""
    return {"monthLabels": [month_label(month) for month in data["months"]]}


@login_required
def quality(request: HttpRequest) -> HttpResponse:
    """Coordinators: every hospital; a referring doctor: their own hospital only (403 for another)."""
    wanted = QualityFilter(data=request.GET)
    valid = wanted.is_valid()
    try:
        scope = scope_for(request.user, wanted.validated_data if valid else {})
    except NotAllowed:
        raise PermissionDenied from None
    if not valid:
        scope = Scope(hospital=scope.hospital, hospital_fixed=scope.hospital_fixed)
    data = reports.page_data(scope) if valid else None
    code = request.GET.get("code", "").strip()[:40]
    closed = Paginator(selectors.closed_missions(scope, code=code), CLOSED_PER_PAGE).get_page(request.GET.get("page"))
    query = scope.as_query()
    context = {
        "scope": scope,
        "errors": wanted.errors if not valid else {},
        "given": {key: request.GET.get(key, "") for key in ("from", "to", "hospital", "mode", "kind")},
        "code": code,
        "hospitals": Hospital.objects.order_by("name") if not scope.hospital_fixed else [],
        "modes": TransportMode.choices,
        "kinds": MissionKind.choices,
        "data": data,
        "chart": {**data, **_chart_texts(data)} if data else None,
        "tables": _tables(data) if data else {},
        "csv_url": reverse("api-metrics-intervals") + "?" + urlencode({**query, "format": "csv"}),
        "closed": closed,
        "page_query": urlencode({**query, **({"code": code} if code else {})}),
    }
    return render(request, "quality/quality.html", context, status=200 if valid else 400)
