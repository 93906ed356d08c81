"""Travel-time estimates (road ambulance, helicopter) for the mobile ECMO team.

The model lives in :mod:`hospitals.travel.estimators` (no Django); its parameters are read from
the environment once, in settings (``TRAVEL_PARAMS``), and built by :func:`hospitals.matrix.travel_params`.
"""

from hospitals.travel.estimators import (
    HELICOPTER,
    MODEL_GEODESIC_ROAD,
    MODEL_HELICOPTER,
    MODEL_OSRM,
    MODES,
    ROAD,
    Estimate,
    GeodesicRoadBackend,
    HelicopterBackend,
    Leg,
    OsrmRoadBackend,
    Place,
    TravelParams,
    estimate,
    geodesic_km,
    is_night,
    recommend,
    sun_elevation_deg,
)

__all__ = [
    "HELICOPTER",
    "MODEL_GEODESIC_ROAD",
    "MODEL_HELICOPTER",
    "MODEL_OSRM",
    "MODES",
    "ROAD",
    "Estimate",
    "GeodesicRoadBackend",
    "HelicopterBackend",
    "Leg",
    "OsrmRoadBackend",
    "Place",
    "TravelParams",
    "estimate",
    "geodesic_km",
    "is_night",
    "recommend",
    "sun_elevation_deg",
]
