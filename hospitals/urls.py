"""Travel routes under /api/v1/ (included once from dispatch/api/urls.py)."""

from django.urls import include, path

from hospitals import api

urlpatterns = [
    path("hospitals/<int:hospital_id>/travel/", api.HospitalTravelApi.as_view(), name="api-hospital-travel"),
    path("missions/<int:mission_id>/travel/", api.MissionTravelApi.as_view(), name="api-mission-travel"),
    # Live positions live in their own app; routed here so dispatch/api/urls.py needs one include.
    path("", include("dispatch.tracking.urls")),
]
