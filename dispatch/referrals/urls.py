from django.urls import path

from dispatch.referrals import api, pages

urlpatterns = [
    path("api/v1/referrals/", api.ReferralCreateApi.as_view(), name="api-referrals"),
    path("api/v1/referrals/assess/", api.ReferralAssessApi.as_view(), name="api-referral-assess"),
    path("api/v1/missions/<int:mission_id>/referral/", api.MissionReferralApi.as_view(), name="api-mission-referral"),
    path(
        "api/v1/missions/<int:mission_id>/referral/history/",
        api.MissionReferralHistoryApi.as_view(),
        name="api-mission-referral-history",
    ),
    path("api/v1/clinical-reads/", api.ClinicalReadListApi.as_view(), name="api-clinical-reads"),
    path("referrals/new/", pages.new_referral, name="referral-new"),
    path("referrals/<int:mission_id>/", pages.referral_detail, name="referral-detail"),
]
