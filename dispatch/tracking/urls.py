from django.urls import path

from dispatch.tracking import api

urlpatterns = [
    path("missions/<int:mission_id>/positions/", api.MissionPositionApi.as_view(), name="api-mission-positions"),
]
