"""Real server processes (Daphne, Celery) on the test database: start them, wait on their log, kill them hard.

Each process runs in its own session so a SIGKILL takes its children too (a prefork Celery
worker is a parent and a pool child); its output goes to a log file the drill can wait on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# The worker command of scripts/run.sh, bench/stack.py and docs/deploy.md: its pool and its
# concurrency come from settings (CELERY_WORKER_POOL, CELERY_WORKER_CONCURRENCY), as in production.
WORKER_COMMAND = [str(VENV_BIN / "celery"), "-A", "config", "worker", "-Q", "critical,default"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_database_url() -> str:
    """The database this test run really uses (pytest-django's `test_<name>`), for a subprocess."""
    if connection.vendor != "postgresql":
        raise RuntimeError("tests with real server processes need PostgreSQL: set DATABASE_URL (see README)")
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{connection.settings_dict['NAME']}"


def base_env(**overrides: Any) -> dict[str, str]:
    """The test run's environment, aimed at the test database; `overrides` win (values made str)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": subprocess_database_url(),
        "DATABASE_POOL": "false",
        "REDIS_URL": settings.REDIS_URL,
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "INFO",
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


class Process:
    """A subprocess with its log; `kill()` is SIGKILL to the whole process group."""

    def __init__(self, args: list[str], *, env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 — closed in stop()
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = 30, *, after: int = 0) -> None:
        """Wait until `text` appears in the log (past offset `after`); fail early if the process died."""

        def logged() -> bool:
            if text in self.log()[after:]:
                return True
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.args[0]} exited ({self.popen.returncode}) before {text!r}:\n{self.log()}")
            return False

        wait_until(logged, timeout, lambda: f"{self.args[0]}: no {text!r}:\n{self.log()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL, no shutdown handlers: what the OOM killer or a lost machine does."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        """Polite stop (SIGTERM to the group), SIGKILL if it lingers; safe to call twice."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
        self._log.close()


def worker_command(name: str) -> list[str]:
    """The production worker command for a drill's worker `name` (unique node name, quiet on the
    broker, logging each task it receives so a drill can wait on its log)."""
    return [
        *WORKER_COMMAND, "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "--without-gossip", "--without-mingle",
        "--without-heartbeat", "-l", "INFO",
    ]  # fmt: skip


def purge_broker() -> None:
    """Empty the paging queues and the broker's unacknowledged set (a killed worker leaves both)."""
    import redis

    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in ("critical", "default"):
            conn.default_channel.queue_purge(queue)
    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete("unacked", "unacked_index", "unacked_mutex")
