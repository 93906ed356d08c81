from django.urls import path

from dispatch.notifications import api, webhooks

ALERTS = "api/v1/missions/<int:mission_id>/alerts/<str:team_role>"

urlpatterns = [
    path("api/v1/alerts/", api.MyAlertListApi.as_view(), name="api-alerts"),
    path("api/v1/alerts/<int:alert_id>/accept/", api.AlertAcceptApi.as_view(), name="api-alert-accept"),
    path("api/v1/alerts/<int:alert_id>/decline/", api.AlertDeclineApi.as_view(), name="api-alert-decline"),
    path("api/v1/missions/<int:mission_id>/alerts/", api.MissionAlertListApi.as_view(), name="api-mission-alerts"),
    path(f"{ALERTS}/repage/", api.RepageApi.as_view(), name="api-alert-repage"),
    path(f"{ALERTS}/page/", api.PageMemberApi.as_view(), name="api-alert-page"),
    path(f"{ALERTS}/cover/", api.CoverByPhoneApi.as_view(), name="api-alert-cover"),
    path("api/v1/missions/<int:mission_id>/standby/", api.StandbyApi.as_view(), name="api-mission-standby"),
    path("api/v1/shifts/", api.ShiftListCreateApi.as_view(), name="api-shifts"),
    path("api/v1/shifts/<int:shift_id>/", api.ShiftDetailApi.as_view(), name="api-shift"),
    path("api/v1/roster/readiness/", api.RosterReadinessApi.as_view(), name="api-roster-readiness"),
    path("api/v1/paging/heartbeat/", api.PagingHeartbeatApi.as_view(), name="api-paging-heartbeat"),
    path("api/v1/twilio/sms/", webhooks.inbound_sms, name="twilio-inbound-sms"),
    path("api/v1/twilio/sms-status/<int:notification_id>/", webhooks.sms_status, name="twilio-sms-status"),
    path("api/v1/twilio/call-status/<int:notification_id>/", webhooks.call_status, name="twilio-call-status"),
    path("api/v1/twilio/voice/<int:notification_id>/", webhooks.voice, name="twilio-voice"),
    path("api/v1/twilio/gather/<int:notification_id>/", webhooks.gather, name="twilio-gather"),
]
