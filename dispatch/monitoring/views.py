"""/healthz (the process answers), /readyz (it can do its work), /metrics (Prometheus).

/healthz touches nothing: a load balancer or systemd watchdog may call it every second.
/readyz and /metrics are for the operators' monitor only: read from the internal network
straight (not through the public proxy), or with the metrics token.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from health_check.views import HealthCheckView

from dispatch.monitoring import metrics

READINESS_CHECKS = (
    "health_check.checks.Database",
    ("health_check.checks.Cache", {"alias": settings.COORDINATION_CACHE_ALIAS}),
    "dispatch.monitoring.checks.Broker",
    "dispatch.monitoring.checks.PagingHeartbeat",
)
# Set by the proxy (deploy/nginx/ecmo-dispatch.conf): a request carrying one came from outside.
PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def may_read(request: HttpRequest) -> bool:
    """The metrics token, or a direct request from METRICS_ALLOWED_NETWORKS (never one through the proxy)."""
    token = settings.METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS)


def refused() -> HttpResponse:
    return HttpResponse(
        _("Monitoring is read from the internal network or with the metrics token.\n"),
        status=403,
        content_type="text/plain; charset=utf-8",
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving: no database, no Redis (those are /readyz)."""
    return JsonResponse({"status": "ok"})


class ReadyzView(HealthCheckView):
    """Database, Redis, broker and a fresh paging heartbeat; 500 with the failing checks named.

    JSON unless the monitor asks for another of django-health-check's formats (`?format=text`).
    """

    checks = READINESS_CHECKS

    async def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_read(request):
            return refused()
        if "format" not in request.GET:
            request.GET = request.GET.copy()
            request.GET["format"] = "json"
        return await super().get(request, *args, **kwargs)


@never_cache
def prometheus_metrics(request: HttpRequest) -> HttpResponse:
    if not may_read(request):
        return refused()
    body, content_type = metrics.exposition()
    return HttpResponse(body, content_type=content_type)
