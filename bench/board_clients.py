"""Many board WebSocket clients in one process of their own, so their CPU is not the server's.

Each client reads everything the server sends; for every `mission.event` the process notes
when each client got it (wall clock, shared with the parent) and tells the parent as soon as
the last client has it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict

import aiohttp


def run_clients(ws_url: str, clients: int, control, reports, connect_concurrency: int = 10) -> dict:
    """Entry point for the child process.

    `reports` gets ("ready", connected) once every client has its snapshot, then
    ("complete", sequence, first_s, last_s) per event all clients received, and ("reconnect",
    close code) whenever the server drops a client (it reconnects with `?after=`). The run ends
    when `control` yields anything; the return value summarises what was seen.
    """

    async def main() -> dict:
        received: dict[int, int] = defaultdict(int)
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        kinds: Counter[str] = Counter()
        sizes: list[int] = []  # characters of each `mission.event` text, as sent
        errors: list[str] = []
        reconnects: Counter[str] = Counter()  # close codes of connections the server dropped
        slots = asyncio.Semaphore(connect_concurrency)
        open_sockets: set[aiohttp.ClientWebSocketResponse] = set()
        members: list[int] = []  # one entry per client that got its first snapshot
        stopping = asyncio.Event()

        async def client(session: aiohttp.ClientSession, ready: asyncio.Event) -> None:
            """Like a board page: on a drop, reconnect and resume after the last event it has."""
            seen: int | None = None
            while not stopping.is_set():
                url = ws_url if seen is None else f"{ws_url}&after={seen}"
                async with slots:
                    try:
                        ws = await session.ws_connect(url, heartbeat=None, max_msg_size=0)
                    except Exception as exc:  # noqa: BLE001 — counted; try again like a page would
                        errors.append(f"connect {type(exc).__name__}")
                        await asyncio.sleep(0.5)
                        continue
                open_sockets.add(ws)
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        continue
                    now = time.time()
                    data = json.loads(message.data)
                    kind = data.get("type", "?")
                    kinds[kind] += 1
                    if kind == "snapshot" and seen is None:
                        seen = data["sequence"]
                        members.append(1)
                        ready.set()
                    if kind != "mission.event":
                        continue
                    sequence = data["sequence"]
                    if received[sequence] == 0:
                        sizes.append(len(message.data))
                    seen = max(seen or 0, sequence)
                    received[sequence] += 1
                    first.setdefault(sequence, now)
                    last[sequence] = now
                    if received[sequence] == len(members):
                        reports.put(("complete", sequence, first[sequence], now))
                open_sockets.discard(ws)
                if not stopping.is_set():
                    reconnects[str(ws.close_code)] += 1
                    reports.put(("reconnect", ws.close_code))
                    await asyncio.sleep(0.2)
            ready.set()

        loop = asyncio.get_running_loop()
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            readies = [asyncio.Event() for _ in range(clients)]
            tasks = [asyncio.create_task(client(session, ready)) for ready in readies]
            for ready in readies:
                await ready.wait()
            reports.put(("ready", len(members)))
            await loop.run_in_executor(None, control.get)
            stopping.set()
            for ws in list(open_sockets):
                await ws.close()
            await asyncio.gather(*tasks, return_exceptions=True)
        return {
            "connected": len(members),
            "errors": errors,
            "reconnects": dict(reconnects),
            "kinds": dict(kinds),
            "event_chars": sorted(sizes)[len(sizes) // 2] if sizes else 0,
            "events": {seq: (received[seq], first[seq], last[seq]) for seq in received},
        }

    return asyncio.run(main())


def child_main(ws_url: str, clients: int, control, reports) -> None:
    """`multiprocessing` target: the summary goes back on `reports` as ("done", summary)."""
    reports.put(("done", run_clients(ws_url, clients, control, reports)))
