from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("dispatch.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("referrals/", include("dispatch.referrals.page_urls")),
    path("", include("dispatch.urls")),
]

handler404 = "dispatch.api.handlers.not_found"
handler500 = "dispatch.api.handlers.server_error"
