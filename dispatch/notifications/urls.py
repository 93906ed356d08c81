from django.urls import path

from dispatch.notifications import api, webhooks

urlpatterns = [
    path("alerts/", api.MyAlertListApi.as_view(), name="api-alerts"),
    path("alerts/<int:alert_id>/accept/", api.AlertAcceptApi.as_view(), name="api-alert-accept"),
    path("alerts/<int:alert_id>/decline/", api.AlertDeclineApi.as_view(), name="api-alert-decline"),
    path("missions/<int:mission_id>/alerts/", api.MissionAlertListApi.as_view(), name="api-mission-alerts"),
    path(
        "missions/<int:mission_id>/alerts/<str:team_role>/repage/", api.RepageApi.as_view(), name="api-alert-repage"
    ),
    path("missions/<int:mission_id>/alerts/<str:team_role>/page/", api.PageMemberApi.as_view(), name="api-alert-page"),
    path(
        "missions/<int:mission_id>/alerts/<str:team_role>/cover/", api.CoverByPhoneApi.as_view(), name="api-alert-cover"
    ),
    path("shifts/", api.ShiftListCreateApi.as_view(), name="api-shifts"),
    path("shifts/<int:shift_id>/", api.ShiftDetailApi.as_view(), name="api-shift"),
    path("roster/readiness/", api.RosterReadinessApi.as_view(), name="api-roster-readiness"),
    path("paging/heartbeat/", api.PagingHeartbeatApi.as_view(), name="api-paging-heartbeat"),
    path("twilio/sms/", webhooks.inbound_sms, name="twilio-inbound-sms"),
    path("twilio/sms-status/<int:notification_id>/", webhooks.sms_status, name="twilio-sms-status"),
    path("twilio/call-status/<int:notification_id>/", webhooks.call_status, name="twilio-call-status"),
    path("twilio/voice/<int:notification_id>/", webhooks.voice, name="twilio-voice"),
    path("twilio/gather/<int:notification_id>/", webhooks.gather, name="twilio-gather"),
]
