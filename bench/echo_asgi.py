"""The board benchmark's baseline: a minimal Channels group broadcast, no database, no auth, no product code.

Served by a Daphne of its own that the benchmark starts (`python scripts/serve.py ...
bench.echo_asgi:application`), with the product's settings, so the channel layer is the same.
Each socket gets a `snapshot` on connect (the clients wait for one), joins `ECHO_GROUP` and
forwards whatever the benchmark sends to that group with `group_send`. Never part of the
product's URL routing.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402 — after django.setup()
from channels.routing import ProtocolTypeRouter  # noqa: E402

ECHO_GROUP = "bench-echo"


class EchoConsumer(AsyncJsonWebsocketConsumer):
    """Join the group, say hello like the board's snapshot, then forward each group message as is."""

    async def connect(self) -> None:
        await self.accept()
        await self.channel_layer.group_add(ECHO_GROUP, self.channel_name)
        await self.send_json({"type": "snapshot", "sequence": 0})

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(ECHO_GROUP, self.channel_name)

    async def echo_message(self, message: dict) -> None:
        await self.send_json(message["event"])


application = ProtocolTypeRouter({"websocket": EchoConsumer.as_asgi()})
