"""Redis through Sentinel, configured from the environment only (docs/deploy.md).

A private redis-server and a sentinel that watches it as master `ecmo`. A process started with
REDIS_SENTINELS (and a REDIS_URL whose host does not exist) must reach that master for all four
uses: the channel layer, the Celery broker, the coordination cache (the beat lock) and the
travel cache.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import redis

from tests.support.processes import ROOT, Process, base_env, free_port
from tests.support.waiting import wait_until

PROBE = textwrap.dedent(
    """
    import asyncio, django
    django.setup()
    from channels.layers import get_channel_layer
    from django.conf import settings
    from django.core.cache import caches
    from config.celery import app

    caches["coordination"].set("sentinel-probe", "coordination-ok", 60)
    caches["travel"].set("sentinel-probe", "travel-ok", 60)
    assert caches["coordination"].get("sentinel-probe") == "coordination-ok"

    async def layer_roundtrip():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "probe", "text": "layer-ok"})
        return (await layer.receive(channel))["text"]

    assert asyncio.run(layer_roundtrip()) == "layer-ok"
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=5)
        connection.default_channel.client.set("sentinel-probe-broker", "broker-ok")
    print("PROBE", settings.CELERY_BROKER_URL)
    """
)


@pytest.fixture
def sentinel(tmp_path):
    """(the sentinel's port, a client on the master's database 3); both servers stopped at the end."""
    master_port, sentinel_port = free_port(), free_port()
    master = Process(
        ["redis-server", "--port", str(master_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        env=base_env(),
        log_path=tmp_path / "master.log",
    )  # fmt: skip
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"sentinel monitor ecmo 127.0.0.1 {master_port} 1\nsentinel down-after-milliseconds ecmo 5000\n"
    )
    watcher = Process(["redis-server", str(conf), "--sentinel"], env=base_env(), log_path=tmp_path / "sentinel.log")
    try:
        master.wait_for_log("Ready to accept connections", timeout=10)
        watcher.wait_for_log("+monitor master ecmo", timeout=10)
        yield sentinel_port, redis.Redis(port=master_port, db=3, decode_responses=True)
    finally:
        watcher.stop()
        master.stop()


def test_channel_layer_broker_and_caches_reach_the_master_the_sentinels_name(sentinel, tmp_path):
    sentinel_port, master_db3 = sentinel
    env = base_env(
        REDIS_URL="redis://no-such-host.invalid:6379/3",  # only the database number counts under Sentinel
        REDIS_SENTINELS=f"127.0.0.1:{sentinel_port}",
        REDIS_SENTINEL_MASTER="ecmo",
    )
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert f"sentinel://127.0.0.1:{sentinel_port}/3" in probe.stdout
    assert master_db3.get("sentinel-probe-broker") == "broker-ok"
    # The caches wrote to the master too (Django prefixes and versions their keys).
    keys = master_db3.keys("*sentinel-probe")
    assert any(key.startswith("ecmo-coordination") for key in keys), keys
    assert any(key.startswith("ecmo-travel") for key in keys), keys
    wait_until(lambda: master_db3.dbsize() > 0, 1)
