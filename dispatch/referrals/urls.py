from django.urls import path

from dispatch.referrals import api

urlpatterns = [
    path("referrals/", api.ReferralCreateApi.as_view(), name="api-referrals"),
    path("referrals/assess/", api.ReferralAssessApi.as_view(), name="api-referral-assess"),
    path("missions/<int:mission_id>/referral/", api.MissionReferralApi.as_view(), name="api-mission-referral"),
    path(
        "missions/<int:mission_id>/referral/history/",
        api.MissionReferralHistoryApi.as_view(),
        name="api-mission-referral-history",
    ),
]
