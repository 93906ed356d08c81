"""Routes of dispatch.quality (pages at the root, API under api/v1/)."""

from django.urls import path

from dispatch.quality import api, pages

urlpatterns = [
    path("api/v1/metrics/intervals/", api.IntervalMetricsApi.as_view(), name="api-metrics-intervals"),
    path("quality/", pages.quality, name="quality"),
]
