from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "hospitals"
    verbose_name = _("Hospitals")

    def ready(self) -> None:
        from hospitals import signals  # noqa: F401 — connects the travel matrix warm-up
