"""Routes of dispatch.drills (API under api/v1/)."""

from django.urls import path

from dispatch.drills import api

urlpatterns = [
    path("api/v1/drills/", api.DrillListCreateApi.as_view(), name="api-drills"),
]
