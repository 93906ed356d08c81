"""Routes of dispatch.records (pages at the root, API under api/v1/)."""

from django.urls import path

from dispatch.records import api, pages

urlpatterns = [
    path("api/v1/debriefs/due/", api.DebriefsDueApi.as_view(), name="api-debriefs-due"),
    path("api/v1/missions/<int:mission_id>/record/", api.MissionRecordApi.as_view(), name="api-mission-record"),
    path("api/v1/missions/<int:mission_id>/debrief/", api.MissionDebriefApi.as_view(), name="api-mission-debrief"),
    path(
        "api/v1/missions/<int:mission_id>/follow-up/", api.MissionFollowUpApi.as_view(), name="api-mission-follow-up"
    ),
    path("missions/<int:mission_id>/record/", pages.record_page, name="mission-record"),
    path("missions/<int:mission_id>/record.pdf", pages.record_pdf_download, name="mission-record-pdf"),
    path("missions/<int:mission_id>/debrief/", pages.debrief_page, name="mission-debrief"),
    path("missions/<int:mission_id>/follow-up/", pages.follow_up_page, name="mission-follow-up"),
]
