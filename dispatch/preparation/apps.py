"""The referring ICU's preparation checklist, ticked live while the team travels."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PreparationConfig(AppConfig):
    name = "dispatch.preparation"
    label = "preparation"
    verbose_name = _("Preparation")

    def ready(self) -> None:
        """Open the checklist (and text the referrer) on activation; text again when the expected
        arrival moves (see `services.py`)."""
        from dispatch import registry
        from dispatch.preparation import services

        registry.subscribe_to_transitions(services.on_mission_transition, order=registry.Order.PREPARATION)
        registry.listen_to_timeline(services.after_timeline_event)
