from django.apps import AppConfig


class HospitalsConfig(AppConfig):
    name = "hospitals"
    verbose_name = "Hospitals"

    def ready(self) -> None:
        from hospitals import signals  # noqa: F401 — connects the travel matrix warm-up
