"""The core's API routes (config/urls.py includes this once at the root; feature apps route their own)."""

from django.urls import path

from dispatch.api import views

urlpatterns = [
    path("api/v1/me/", views.MeApi.as_view(), name="api-me"),
    path("api/v1/missions/", views.MissionListCreateApi.as_view(), name="api-missions"),
    path("api/v1/missions/<int:mission_id>/", views.MissionDetailApi.as_view(), name="api-mission"),
    path(
        "api/v1/missions/<int:mission_id>/transitions/",
        views.MissionTransitionApi.as_view(),
        name="api-mission-transitions",
    ),
    path(
        "api/v1/missions/<int:mission_id>/transitions/undo/",
        views.MissionUndoApi.as_view(),
        name="api-mission-undo",
    ),
    path(
        "api/v1/missions/<int:mission_id>/corrections/",
        views.MissionCorrectionApi.as_view(),
        name="api-mission-corrections",
    ),
    path(
        "api/v1/missions/<int:mission_id>/adverse-events/",
        views.MissionAdverseEventsApi.as_view(),
        name="api-mission-adverse-events",
    ),
    path(
        "api/v1/missions/<int:mission_id>/events/", views.MissionEventListApi.as_view(), name="api-mission-events"
    ),
]
