"""Start and stop the real stack for a benchmark run, on a throw-away database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "ecmo_bench")
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{BENCH_DB}",
        DATABASE_CONN_MAX_AGE="0",
        REDIS_URL=REDIS_URL,
        CHANNEL_LAYER_PREFIX="ecmo-bench",
        LOG_LEVEL="WARNING",
        DEBUG="false",
    )
    env.update(extra)
    return env


def recreate_database() -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [BENCH_DB],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}"')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(VENV_BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def daphne(env: dict[str, str], workers: int = int(os.environ.get("BENCH_WEB_WORKERS", "2")),
           port: int | None = None):
    """Serve on `port` (chosen beforehand when the env must name the URL, e.g. PUBLIC_BASE_URL)."""
    port = port or free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "python"), "scripts/serve.py", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(base + "/login/")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# The worker command of scripts/run.sh and docs/deploy.md: pool and concurrency come from settings
# (CELERY_WORKER_POOL, CELERY_WORKER_CONCURRENCY). BENCH_WORKER_ARGS adds options, e.g. to measure
# another pool against it ("--pool gevent --concurrency 64"); empty for the figures in RESULTS.md.
WORKER_COMMAND = ["celery", "-A", "config", "worker", "-Q", "critical,default"]


def _wait_worker_ready(proc: subprocess.Popen, node: str, timeout: float = 60) -> None:
    """Wait until the worker answers a ping (what `celery inspect ping` does), not a fixed time."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the Celery worker exited ({proc.returncode}) before it was ready")
        if app.control.ping(destination=[node], timeout=0.5):
            return
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout} s")


@contextmanager
def celery_worker(env: dict[str, str]):
    """Needs `setup_django(env)` first (the ping goes through the stack's broker)."""
    node = f"bench-{os.getpid()}@{socket.gethostname()}"
    extra = os.environ.get("BENCH_WORKER_ARGS", "").split()
    proc = subprocess.Popen(
        [str(VENV_BIN / WORKER_COMMAND[0]), *WORKER_COMMAND[1:], "-n", node, *extra,
         "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    try:
        _wait_worker_ready(proc, node)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
