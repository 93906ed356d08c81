"""Mission travel routes: estimates and expected arrival, and the team's live positions."""

from django.urls import path

from dispatch.tracking import api

urlpatterns = [
    path("api/v1/missions/<int:mission_id>/travel/", api.MissionTravelApi.as_view(), name="api-mission-travel"),
    path("api/v1/missions/<int:mission_id>/positions/", api.MissionPositionApi.as_view(), name="api-mission-positions"),
]
