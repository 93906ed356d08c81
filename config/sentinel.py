"""Redis through Sentinel for Django's Redis cache: the master is asked of the sentinels, not named.

Django's `RedisCache` builds its pool with `pool_class.from_url(LOCATION, **OPTIONS)`. Under
Sentinel the URL names only the database number and the password (its host is not used); the
sentinels and the master's name come in OPTIONS (see the "several nodes" part of settings.py).
After a failover the pool's next connection goes to the new master.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from redis.sentinel import Sentinel, SentinelConnectionPool


def redis_db_and_password(url: str) -> tuple[int, str | None]:
    """The database number and password a `redis://` URL names (the rest is for Sentinel to say)."""
    parts = urlsplit(url)
    path = parts.path.strip("/")
    return (int(path) if path.isdigit() else 0), (unquote(parts.password) if parts.password else None)


class SentinelCachePool(SentinelConnectionPool):
    """A connection pool for the current master of `master_name`, built the way Django's cache builds pools."""

    @classmethod
    def from_url(cls, url: str, **options: Any) -> SentinelCachePool:
        sentinels = options.pop("sentinels")
        master_name = options.pop("master_name")
        sentinel_kwargs = options.pop("sentinel_kwargs", None)
        db, password = redis_db_and_password(url)
        manager = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs)
        return cls(master_name, manager, db=db, password=password, **options)
