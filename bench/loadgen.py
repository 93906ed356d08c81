"""Open-loop HTTP load generator, run in its own process so it does not share the server's CPU time."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

from bench.walk import transition_body


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    elapsed_s: float = 0.0
    transition_keys: list[str] = field(default_factory=list)


async def _snapshot_load(session, url, headers, rate, duration, result: LoadResult):
    interval = 1.0 / rate
    start = time.perf_counter()
    tasks = []

    async def one():
        t0 = time.perf_counter()
        try:
            async with session.get(url, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    result.errors.append(f"GET {response.status}")
        except Exception as exc:  # noqa: BLE001 — every failure is counted, none stops the run
            result.errors.append(f"GET {type(exc).__name__}")
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)

    n = 0
    while (now := time.perf_counter() - start) < duration:
        target = n * interval
        if target > now:
            await asyncio.sleep(target - now)
        tasks.append(asyncio.create_task(one()))
        n += 1
    result.sent = n
    await asyncio.gather(*tasks)
    result.elapsed_s = time.perf_counter() - start


async def _transitions(session, base, headers, walks, rate, result: LoadResult, latencies: list[float]):
    interval = 1.0 / rate
    pending = [list(walk) for walk in walks]
    while any(pending):
        for walk in pending:
            if not walk:
                continue
            mission_id, to = walk.pop(0)
            key = uuid.uuid4().hex
            t0 = time.perf_counter()
            try:
                async with session.post(
                    f"{base}/api/v1/missions/{mission_id}/transitions/",
                    json=transition_body(to),
                    headers={**headers, "Idempotency-Key": key},
                ) as response:
                    await response.read()
                    if response.status == 200:
                        result.transition_keys.append(key)
                    else:
                        result.errors.append(f"POST {response.status}")
            except Exception as exc:  # noqa: BLE001
                result.errors.append(f"POST {type(exc).__name__}")
            latencies.append((time.perf_counter() - t0) * 1000)
            await asyncio.sleep(interval)


def run_load(base: str, token: str, rate: float, duration: float, walks: list[list[tuple[int, str]]],
             transition_rate: float) -> dict:
    """Entry point for the child process: returns plain data for the parent."""

    async def main():
        result = LoadResult()
        transition_latencies: list[float] = []
        headers = {"Authorization": f"Token {token}"}
        connector = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=connector) as session:
            # Warm up connections and caches before measuring.
            for _ in range(20):
                async with session.get(f"{base}/api/v1/missions/?active=1", headers=headers) as r:
                    await r.read()
            await asyncio.gather(
                _snapshot_load(session, f"{base}/api/v1/missions/?active=1", headers, rate, duration, result),
                _transitions(session, base, headers, walks, transition_rate, result, transition_latencies),
            )
        return {
            "latencies_ms": result.latencies_ms,
            "errors": result.errors,
            "sent": result.sent,
            "elapsed_s": result.elapsed_s,
            "transition_keys": result.transition_keys,
            "transition_latencies_ms": transition_latencies,
        }

    return asyncio.run(main())
