from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from dispatch.api import views

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("hospitals/", views.HospitalListApi.as_view(), name="api-hospitals"),
    path("hospitals/<int:hospital_id>/", views.HospitalDetailApi.as_view(), name="api-hospital"),
    path("missions/", views.MissionListCreateApi.as_view(), name="api-missions"),
    path("missions/<int:mission_id>/", views.MissionDetailApi.as_view(), name="api-mission"),
    path(
        "missions/<int:mission_id>/transitions/",
        views.MissionTransitionApi.as_view(),
        name="api-mission-transitions",
    ),
    path("missions/<int:mission_id>/events/", views.MissionEventListApi.as_view(), name="api-mission-events"),
    # Feature modules add their own routes here, each in its own urls module.
    path("", include("dispatch.notifications.urls")),
    path("", include("hospitals.urls")),
    path("", include("dispatch.referrals.urls")),
]
