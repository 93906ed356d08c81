"""Reads about places and travel shared by the API, pages and the live board."""

from datetime import datetime

from django.utils import timezone

from hospitals.models import Hospital
from hospitals.travel import MODES, Place, estimate, recommend
from hospitals.travel.config import osrm_timeout_from_settings, osrm_url_from_settings, params_from_settings


def place_of(hospital: Hospital) -> Place:
    return Place(
        name=hospital.name,
        latitude=hospital.latitude,
        longitude=hospital.longitude,
        has_helipad=hospital.has_helipad,
    )


def helipads() -> list[Place]:
    return [place_of(h) for h in Hospital.objects.filter(has_helipad=True)]


def travel_between(origin: Hospital, destination: Hospital, *, at: datetime | None = None) -> dict:
    """Estimates for every mode and the recommended one, JSON-ready."""
    params = params_from_settings()
    pads = helipads()
    at = at or timezone.now()
    estimates = [
        estimate(
            place_of(origin),
            place_of(destination),
            mode,
            params=params,
            helipads=pads,
            osrm_url=osrm_url_from_settings(),
            osrm_timeout_s=osrm_timeout_from_settings(),
            at=at,
        )
        for mode in MODES
    ]
    return {
        "origin": origin.code,
        "destination": destination.code,
        "estimates": {e.mode: e.to_dict() for e in estimates},
        "recommended": recommend(estimates, params),
    }
