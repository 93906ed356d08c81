from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "dispatch.notifications"
    label = "notifications"
    verbose_name = _("Team alerting")

    def ready(self) -> None:
        """Subscribe to the core: page on activation, stand down on an ending, remind of advice reviews,
        let paged people see the mission, follow failed pages."""
        from dispatch import registry
        from dispatch.notifications import selectors, tasks  # noqa: F401 — tasks: registered for in-process runs
        from dispatch.notifications.models import Purpose
        from dispatch.notifications.services import alerts, delivery, escalation

        registry.subscribe_to_transitions(alerts.on_mission_transition, order=registry.Order.TEAM)
        registry.contribute_visibility(selectors.paged_mission_ids)
        delivery.when_unanswered(Purpose.PAGE, escalation.after_page_failed)
