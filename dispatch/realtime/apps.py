from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "dispatch.realtime"
    label = "realtime"
    verbose_name = "Live streams"

    def ready(self) -> None:
        """Every recorded timeline event goes out live, on commit (see `broadcast.py`)."""
        from dispatch import registry
        from dispatch.realtime import broadcast

        registry.listen_to_timeline(broadcast.publish_event_on_commit)
