from django.urls import path

from dispatch.referrals import pages

urlpatterns = [
    path("new/", pages.new_referral, name="referral-new"),
    path("<int:mission_id>/", pages.referral_detail, name="referral-detail"),
]
