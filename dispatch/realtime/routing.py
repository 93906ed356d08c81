"""WebSocket routes; config/asgi.py wraps them in `dispatch.realtime.auth.TokenOrSessionAuth`."""

from django.urls import path

from dispatch.realtime.consumers import BoardConsumer, MissionConsumer

websocket_urlpatterns: list = [
    path("ws/board/", BoardConsumer.as_asgi()),
    path("ws/missions/<int:mission_id>/", MissionConsumer.as_asgi()),
]
