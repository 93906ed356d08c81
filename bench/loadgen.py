"""HTTP load generators, run in their own process so they do not share the server's Python thread.

Closed loop (`run_throughput`): a fixed number of connections each sending its next request as soon
as the last answer arrives: the most the server serves, i.e. its throughput. Open loop
(`run_load`): requests leave on a fixed schedule whatever the server does, so queueing shows in
the latency (a closed loop would hide it by slowing down with the server).
"""

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


async def _closed_loop(session, url, headers, concurrency: int, duration: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    start = time.perf_counter()
    deadline = start + duration

    async def client():
        while (t0 := time.perf_counter()) < deadline:
            try:
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors.append(f"GET {response.status}")
            except Exception as exc:  # noqa: BLE001 — every failure is counted, none stops the run
                errors.append(f"GET {type(exc).__name__}")
            latencies.append((time.perf_counter() - t0) * 1000)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {"latencies_ms": latencies, "errors": errors, "rate": len(latencies) / elapsed}


def run_throughput(base: str, token: str, paths: list[str], concurrency: int, duration: float,
                   rounds: int = 1) -> dict[str, list[dict]]:
    """Closed-loop throughput of each path, in turn (path A, B, A, B… for `rounds`), same connections.

    Alternating the paths spreads the machine's other load over both figures alike.
    """

    async def main():
        headers = {"Authorization": f"Token {token}"}
        connector = aiohttp.TCPConnector(limit=concurrency)
        results: dict[str, list[dict]] = {path: [] for path in paths}
        async with aiohttp.ClientSession(connector=connector) as session:
            for path in paths:  # warm-up: every worker process, every cache
                await _closed_loop(session, base + path, headers, concurrency, min(2.0, duration))
            for _ in range(rounds):
                for path in paths:
                    results[path].append(await _closed_loop(session, base + path, headers, concurrency, duration))
        return results

    return asyncio.run(main())


def run_load(base: str, token: str, rate: float, duration: float, walks: list[list[tuple[int, str]]],
             transition_rate: float) -> dict:
    """Open-loop snapshot load plus transitions: entry point for the child process; plain data back."""

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
