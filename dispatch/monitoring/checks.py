"""Readiness checks beyond django-health-check's own (database, cache): the broker and paging.

Each check says what is wrong without naming hosts or passwords: /readyz may be read by a
monitor outside the team (see `views.may_read`).
"""

from __future__ import annotations

import dataclasses

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from dispatch.notifications import selectors as paging


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker takes a connection (through Sentinel when configured): pages can be queued."""

    def run(self) -> None:
        try:
            with current_app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # noqa: BLE001 — kombu raises its own and the transport's errors
            raise ServiceUnavailable(_("the message broker does not answer")) from exc


@dataclasses.dataclass
class PagingHeartbeat(HealthCheck):
    """The paging reconcile ran lately: a worker and a beat are alive and reach the database.

    Stale is a paging outage for the whole service, whichever node answers (docs/deploy.md).
    """

    def run(self) -> None:
        try:
            with connections["default"].temporary_connection():
                heartbeat = paging.paging_heartbeat()
        except DatabaseError as exc:
            raise ServiceUnavailable(_("the paging heartbeat could not be read")) from exc
        limit = settings.READYZ_HEARTBEAT_INTERVALS * heartbeat["interval_s"]
        if heartbeat["age_s"] is None:
            raise ServiceUnavailable(_("the paging reconcile has never run"))
        if heartbeat["age_s"] > limit:
            raise ServiceUnavailable(
                _("the paging reconcile last ran %(age)s s ago (limit %(limit)s s)")
                % {"age": round(heartbeat["age_s"]), "limit": round(limit)}
            )
