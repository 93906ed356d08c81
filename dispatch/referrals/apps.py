from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "dispatch.referrals"
    label = "referrals"
    verbose_name = "Referrals and decision support"

    def ready(self) -> None:
        """The referring doctor hears the centre's decision (see `decision.py`)."""
        from dispatch import registry
        from dispatch.referrals import decision

        registry.subscribe_to_transitions(decision.on_mission_transition, order=registry.Order.REFERRER)
