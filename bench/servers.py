"""The ASGI servers that could serve our HTTP, each started the same way for a side-by-side run.

Same application (`config.asgi:application`), same environment, same number of worker processes
(BENCH_WEB_WORKERS, default 2), access logs off. Daphne is started exactly as production starts it
(`scripts/serve.py`, through `bench.stack.daphne`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bench import stack

APP = "config.asgi:application"
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))


def _command(name: str, port: int, workers: int) -> list[str]:
    bin_dir = stack.VENV_BIN
    if name == "uvicorn":
        return [
            str(bin_dir / "uvicorn"), APP, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            # uvloop + httptools: uvicorn's fast path (the `uvicorn[standard]` extras). Django
            # has no lifespan protocol, so lifespan is off rather than probed on each start.
            "--loop", "uvloop", "--http", "httptools", "--lifespan", "off", "--no-access-log",
            # Its 5 s keep-alive default closes pooled client connections mid-run (a POST then
            # fails with "server disconnected"); Daphne and Granian keep them open.
            "--timeout-keep-alive", "75",
            "--log-level", "warning",
        ]
    if name == "granian":
        return [
            str(bin_dir / "granian"), "--interface", "asginl", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop", "--no-access-log", "--log-level", "warning", APP,
        ]
    raise ValueError(name)


NAMES = ("daphne", "uvicorn", "granian")


@contextmanager
def serve(name: str, env: dict[str, str], *, workers: int = WORKERS) -> Iterator[str]:
    """Start `name` on a free port; yields its base URL once it answers."""
    if name == "daphne":
        with stack.daphne(env, workers=workers) as base:
            yield base
        return
    port = stack.free_port()
    proc = subprocess.Popen(
        _command(name, port, workers), cwd=stack.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr
    )
    try:
        base = f"http://127.0.0.1:{port}"
        stack._wait_http(base + "/login/")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
