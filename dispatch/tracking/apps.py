from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "dispatch.tracking"
    label = "tracking"
    verbose_name = "Live position"
