"""Activation drills: the real team paged through the real escalation, never counted as a mission."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrillsConfig(AppConfig):
    name = "dispatch.drills"
    label = "drills"
    verbose_name = _("Drills")

    def ready(self) -> None:
        """Subscribe to the core: schedule a drill's timeout on activation, end it at team ready."""
        from dispatch import registry
        from dispatch.drills import services, tasks  # noqa: F401 — tasks: registered for in-process runs

        registry.subscribe_to_transitions(services.on_mission_transition, order=registry.Order.DRILL)
