"""ASGI entry point served by Daphne: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

from dispatch import scheduling  # noqa: E402
from dispatch.monitoring.metrics import WebSocketMetrics  # noqa: E402
from dispatch.realtime.auth import TokenOrSessionAuth  # noqa: E402
from dispatch.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Token clients skip the Origin check; cookie clients get Origin check + session (see auth.py).
        # WebSocketMetrics outermost: it counts streams and times event frames (/metrics).
        "websocket": WebSocketMetrics(TokenOrSessionAuth(URLRouter(websocket_urlpatterns))),
    }
)

if settings.SINGLE_PROCESS:
    # No Redis, so no Celery worker or beat: this process runs the periodic tasks itself.
    scheduling.start_in_process_beat()
