"""The newest event each stream group was sent, and each user's login changes, kept beside the channel layer.

A catch-up poll compares its stream's position with its group's marker and reads the database
only when the marker is ahead, or gone: 1,000 quiet boards then cost Redis reads, not queries.

- A group marker is an upper bound on the sequence of every committed event in that group's
  scope. It is raised (never lowered: commits of different processes run their callbacks in
  any order) after commit by `broadcast`, and by a stream after it has read the database.
- It is a lease: it expires `lease_seconds()` after it was last raised. A marker lost with
  Redis (a flush, a restart) or never raised (a process that died between commit and writing
  it) reads as None, and the poll goes to the database instead of believing nothing is new.
- A login version counts a user's credential changes (`dispatch.accounts` announces them). It
  rings beside the user group's `user.changed`, which the channel layer may drop: a board whose
  remembered version differs re-reads the login on its next poll.

With the in-memory channel layer (single-process mode) the markers live in this process's memory.
"""

import time
from typing import Any

from django.conf import settings

# Raise a marker to ARGV[1] if it is lower or missing; a raised marker gets a new lease (ARGV[2] s).
# Raising it to the value it has renews the lease: the caller has just read the database up to
# there, so the marker is still true (without this a quiet board sent every poll to the database
# once the lease of the last event ran out).
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local value = tonumber(ARGV[1])
if value >= current then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
    return value
end
return current
"""

LOGIN_VERSION_SECONDS = 24 * 3600  # a version that expired reads as 0: the board re-checks once

# Single-process mode: key -> (value, expires at, monotonic).
_memory: dict[str, tuple[int, float]] = {}


def lease_seconds() -> int:
    """Long enough for several quiet polls; short enough that a lost marker costs one interval or so."""
    return max(60, int(settings.REALTIME_CATCH_UP_SECONDS * 4))


def _key(layer: Any, name: str) -> str:
    return f"{getattr(layer, 'prefix', 'asgi')}:marker:{name}"


def _group_name(group: str) -> str:
    return f"group:{group}"


def _login_name(user_id: int) -> str:
    return f"login:{user_id}"


def _redis(layer: Any, key: str):
    """The layer's own Redis connection for `key` (the loop's pool), or None for a layer without Redis."""
    if not hasattr(layer, "connection"):
        return None
    return layer.connection(layer.consistent_hash(key))


def _memory_get(key: str) -> int | None:
    value, expires = _memory.get(key, (0, 0.0))
    return value if expires > time.monotonic() else None


async def raise_groups(layer: Any, sequences: dict[str, int]) -> None:
    """Raise each group's marker to its sequence (an event committed, or a database read caught up)."""
    ttl = lease_seconds()
    for group, sequence in sequences.items():
        key = _key(layer, _group_name(group))
        redis = _redis(layer, key)
        if redis is None:
            current = _memory_get(key)
            if current is None or sequence >= current:
                _memory[key] = (sequence, time.monotonic() + ttl)
            continue
        await redis.eval(_RAISE, 1, key, sequence, ttl)


async def newest_in_group(layer: Any, group: str) -> int | None:
    """The group's marker; None when it is gone (the caller must read the database)."""
    key = _key(layer, _group_name(group))
    redis = _redis(layer, key)
    if redis is None:
        return _memory_get(key)
    value = await redis.get(key)
    return None if value is None else int(value)


async def bump_login(layer: Any, user_id: int) -> None:
    """After commit of a credential change: every board of this user re-reads its login on its next poll."""
    key = _key(layer, _login_name(user_id))
    redis = _redis(layer, key)
    if redis is None:
        _memory[key] = ((_memory_get(key) or 0) + 1, time.monotonic() + LOGIN_VERSION_SECONDS)
        return
    async with redis.pipeline(transaction=True) as pipe:
        await pipe.incr(key).expire(key, LOGIN_VERSION_SECONDS).execute()


async def login_version(layer: Any, user_id: int) -> int:
    """How many credential changes Redis remembers for the user (0 when none, or when it forgot)."""
    key = _key(layer, _login_name(user_id))
    redis = _redis(layer, key)
    if redis is None:
        return _memory_get(key) or 0
    value = await redis.get(key)
    return 0 if value is None else int(value)
