from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "dispatch.realtime"
    label = "realtime"
    verbose_name = _("Live streams")

    def ready(self) -> None:
        """Every recorded timeline event goes out live, on commit; a changed login closes its streams."""
        from dispatch import registry
        from dispatch.accounts.signals import credentials_changed
        from dispatch.realtime import broadcast

        registry.listen_to_timeline(broadcast.publish_event_on_commit)
        credentials_changed.connect(broadcast.announce_credentials_changed, dispatch_uid="realtime-user-group")
