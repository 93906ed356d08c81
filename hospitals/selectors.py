"""Reads about places and travel between them, shared by the API, pages, the live board and SMS."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from hospitals import matrix
from hospitals.matrix import helipads, place_of
from hospitals.models import Hospital, HospitalKind
from hospitals.travel import recommend

__all__ = [
    "ecmo_centres",
    "helipads",
    "main_ecmo_centre",
    "place_of",
    "travel_between",
]


def ecmo_centres() -> QuerySet[Hospital]:
    """Hospitals a team can come from or a patient be taken to: ECMO centres and units."""
    return Hospital.objects.filter(kind__in=matrix.ECMO_KINDS)


def main_ecmo_centre() -> Hospital | None:
    """The centre whose team does the transports (UKC Ljubljana in the reference data)."""
    return Hospital.objects.filter(kind=HospitalKind.ECMO_CENTRE).order_by("pk").first()


def travel_between(
    origin: Hospital, destination: Hospital, at: datetime | None = None, *, model: matrix.Model | None = None
) -> dict:
    """Estimates for every mode and the recommended one, JSON-ready; served from the matrix cache.

    ``at`` is when the leg starts (default now); only the helicopter's night rule depends on it.
    Pass ``model`` when asking for several legs at once, so the helipads are read once.
    """
    model = model or matrix.Model.current()
    estimates = matrix.estimates_between(place_of(origin), place_of(destination), at or timezone.now(), model)
    return {
        "origin": origin.code,
        "destination": destination.code,
        "estimates": {e.mode: e.to_dict() for e in estimates},
        "recommended": recommend(estimates, model.params),
    }
