"""A board client that does what the page does, across nodes: follow `ws/board/`, resume after a drop.

It knows several node addresses (what a reverse proxy's upstream list gives a browser): when
its connection drops or stays silent, it reconnects with backoff to the next node and sends
`{"type": "resume", "after": <last sequence seen>}`. It records every event sequence it is
sent, and on which node, so a drill can check that nothing was missed or sent twice.
"""

from __future__ import annotations

import asyncio
import json
import threading

import aiohttp


class FailoverBoardClient:
    def __init__(self, name: str, urls: list[str], *, silence_s: float) -> None:
        self.name = name
        self.urls = urls
        self.silence_s = silence_s
        self.start: int | None = None  # the first snapshot's sequence: the drill's window opens here
        self.last: int | None = None
        self.seen: list[tuple[int, str]] = []  # (sequence, url of the node that sent it)
        self.attempts = 0  # connection attempts, failed ones included
        self.connected_to: list[str] = []  # one entry per successful connection
        self.resumes = 0
        self.resumed_on: list[str] = []  # nodes that answered a resume with `resumed`
        self.bad_snapshots: list[str] = []  # resume_too_old / resume_unknown would mean a lost replay
        self.lock = threading.Lock()
        self._node = 0

    def sequences(self) -> list[int]:
        with self.lock:
            return [sequence for sequence, _url in self.seen]

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.1
        async with aiohttp.ClientSession() as session:
            while not stop.is_set():
                url = self.urls[self._node % len(self.urls)]
                self.attempts += 1
                try:
                    async with session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=2)) as ws:
                        with self.lock:
                            self.connected_to.append(url)
                        await self._follow(ws, url, stop)
                        backoff = 0.1
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                if not stop.is_set():
                    self._node += 1  # this node failed us: the next one
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def _follow(self, ws: aiohttp.ClientWebSocketResponse, url: str, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                message = await ws.receive(timeout=self.silence_s)
            except TimeoutError:
                return  # silent too long: reconnect
            if message.type != aiohttp.WSMsgType.TEXT:
                return  # closed or errored
            data = json.loads(message.data)
            kind = data.get("type")
            if kind == "snapshot":
                if data["reason"] != "connect":
                    self.bad_snapshots.append(data["reason"])
                if self.last is None:
                    self.start = self.last = data["sequence"]
                elif data["reason"] == "connect":
                    self.resumes += 1
                    await ws.send_json({"type": "resume", "after": self.last})
            elif kind == "resumed":
                with self.lock:
                    self.resumed_on.append(url)
            elif kind == "mission.event":
                with self.lock:
                    self.seen.append((data["sequence"], url))
                self.last = max(self.last or 0, data["sequence"])


class BoardClients:
    """Board clients on one event loop in a background thread; `close()` stops them all."""

    def __init__(self, clients: list[FailoverBoardClient]) -> None:
        self.clients = clients
        self.loop = asyncio.new_event_loop()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._main, name="board-clients", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def main() -> None:
            self.stop_event = asyncio.Event()
            await asyncio.gather(*(client.run(self.stop_event) for client in self.clients))

        self.loop.run_until_complete(main())
        self.loop.close()

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        if self.stop_event is not None:
            self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(timeout=10)
