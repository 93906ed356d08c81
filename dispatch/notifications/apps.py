import os
import sys

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "dispatch.notifications"
    label = "notifications"
    verbose_name = "Team alerting"

    def ready(self) -> None:
        from django.conf import settings

        # Single-process mode has no Celery beat: Daphne runs the reconcile loop itself.
        # Only under Daphne, never in manage.py commands, tests or a Celery worker.
        if settings.SINGLE_PROCESS and os.path.basename(sys.argv[0] or "") == "daphne":
            from dispatch.notifications.scheduling import start_in_process_reconcile

            start_in_process_reconcile()
