"""Every app's routes, each included once. Apps own their paths (API routes under `api/v1/`)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dispatch.api.docs import ApiDocsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Logged-in users only (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the docs send a browser to log in.
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("hospitals.urls")),
    path("", include("dispatch.accounts.urls")),
    path("", include("dispatch.api.urls")),
    path("", include("dispatch.monitoring.urls")),
    path("", include("dispatch.notifications.urls")),
    path("", include("dispatch.referrals.urls")),
    path("", include("dispatch.tracking.urls")),
    path("", include("dispatch.preparation.urls")),
    path("", include("dispatch.records.urls")),
    path("", include("dispatch.quality.urls")),
    path("", include("dispatch.drills.urls")),
    path("", include("dispatch.roster.urls")),
    path("", include("dispatch.urls")),
]

handler400 = "dispatch.api.handlers.bad_request"
handler403 = "dispatch.api.handlers.permission_denied"
handler404 = "dispatch.api.handlers.not_found"
handler500 = "dispatch.api.handlers.server_error"
