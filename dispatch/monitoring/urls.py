from django.urls import path

from dispatch.monitoring import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.ReadyzView.as_view(), name="readyz"),
    path("metrics", views.prometheus_metrics, name="metrics"),
]
