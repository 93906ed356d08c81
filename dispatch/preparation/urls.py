"""Routes of dispatch.preparation (pages at the root, API under api/v1/)."""

from django.urls import path

from dispatch.preparation import api, pages

urlpatterns: list = [
    path("missions/<int:mission_id>/preparation/", pages.checklist_page, name="preparation-page"),
    path(
        "api/v1/missions/<int:mission_id>/preparation/",
        api.MissionPreparationApi.as_view(),
        name="api-mission-preparation",
    ),
]
