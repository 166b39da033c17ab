"""The Redis cache (``redis://`` and ``rediss://``), through redis-py's connection pool.

Building one parses the URL and makes the pool but opens no connection: the first command
does, so an application builds (and its tests run) while Redis is down. Every socket has a
connect and a read timeout (2 s), so a hung Redis fails a request instead of holding it for
ever; connection and timeout errors become :class:`~bastion.cache.CacheUnavailable`.

``clear()`` deletes only the keys of this cache's prefix, found with ``SCAN`` (which does
not block the server the way ``KEYS`` does) and removed with ``UNLINK``. It never runs
``FLUSHDB``: the same database usually holds rate-limit counters, sessions or queues that
``clear()`` must not touch. With an empty prefix that still means only keys that look like
this cache's (``:<version>:...``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bastion.cache.backends.base import Cache
from bastion.cache.exceptions import CacheUnavailable
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.settings.state import CacheConfig

__all__ = ["CONNECT_TIMEOUT", "OPERATION_TIMEOUT", "RedisCache"]

CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection to Redis."""
OPERATION_TIMEOUT = 2.0
"""Seconds to wait for Redis to answer a command."""
_HEALTH_CHECK_INTERVAL = 30
_CLEAR_BATCH = 500

# INCRBY creates a missing key; the cache API says a missing key is an error, so the check
# and the increment run together, atomically, on the server.
_INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


def _milliseconds(ttl: float) -> int:
    return max(1, math.ceil(ttl * 1000))


def _glob_escape(text: str) -> str:
    """``text`` matched literally in a Redis ``MATCH`` pattern."""
    return "".join(f"\\{c}" if c in "\\*?[]" else c for c in text)


class RedisCache(Cache):
    """A cache on a Redis server, shared by every worker that uses the same URL.

    Args:
        url: ``redis://[[user]:password@]host[:port][/db]``, or ``rediss://`` for TLS
            (certificates are verified). redis-py's query options (``?ssl_ca_certs=...``)
            are honoured.
        config: prefix, version and default timeout.

    Raises:
        ImproperlyConfigured: the URL cannot be used.
    """

    def __init__(self, url: str, config: CacheConfig) -> None:
        super().__init__(config)
        parts = urlsplit(url)
        try:
            port = parts.port or 6379
            database = parts.path.strip("/")
            if database and not database.isdigit():
                raise ValueError(f"the database {database!r} is not a number")
            self._pool = redis.ConnectionPool.from_url(
                url,
                socket_connect_timeout=CONNECT_TIMEOUT,
                socket_timeout=OPERATION_TIMEOUT,
                health_check_interval=_HEALTH_CHECK_INTERVAL,
            )
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"CACHE_URL is not a usable Redis URL ({exc}); write it as "
                "redis://[:password@]host:6379/0 or rediss://... for TLS."
            ) from None
        self._where = f"{parts.scheme}://{parts.hostname or 'localhost'}:{port}/{database or 0}"
        self._client = redis.Redis(connection_pool=self._pool)
        self._incr_script = self._client.register_script(_INCR_EXISTING)

    def __repr__(self) -> str:
        return f"<RedisCache {self._where} prefix={self.key_prefix!r} version={self.version}>"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise CacheUnavailable(f"Redis at {self._where} is unavailable: {exc}") from exc

    def _get(self, key: str) -> bytes | None:
        with self._errors():
            return cast("bytes | None", self._client.get(key))

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        with self._errors():
            self._client.set(key, data, px=None if ttl is None else _milliseconds(ttl))

    def _add(self, key: str, data: str, ttl: float | None) -> bool:
        with self._errors():
            px = None if ttl is None else _milliseconds(ttl)
            return bool(self._client.set(key, data, px=px, nx=True))

    def _delete(self, key: str) -> bool:
        with self._errors():
            return bool(self._client.delete(key))

    def _has(self, key: str) -> bool:
        with self._errors():
            return bool(self._client.exists(key))

    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]:
        with self._errors():
            values = cast("list[bytes | None]", self._client.mget(keys))
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}

    def _set_many(self, items: dict[str, str], ttl: float | None) -> None:
        px = None if ttl is None else _milliseconds(ttl)
        with self._errors(), self._client.pipeline(transaction=False) as pipe:
            for key, data in items.items():
                pipe.set(key, data, px=px)
            pipe.execute()

    def _delete_many(self, keys: list[str]) -> None:
        with self._errors():
            self._client.delete(*keys)

    def _incr(self, key: str, delta: int) -> int | None:
        with self._errors():
            try:
                return cast("int | None", self._incr_script(keys=[key], args=[delta]))
            except ResponseError:
                raise ValueError(
                    f"Cache key {key[:100]!r} does not hold an integer (or the result would "
                    "leave Redis's 64-bit range)."
                ) from None

    def _touch(self, key: str, ttl: float | None) -> bool:
        with self._errors():
            if ttl is not None:
                return bool(self._client.pexpire(key, _milliseconds(ttl)))
            with self._client.pipeline(transaction=True) as pipe:
                pipe.exists(key)
                pipe.persist(key)
                exists, _ = pipe.execute()
            return bool(exists)

    def clear(self) -> None:
        """Delete every key of this cache's prefix (all versions); never ``FLUSHDB``."""
        pattern = f"{_glob_escape(self.key_prefix)}:*"
        with self._errors():
            batch: list[bytes] = []
            for key in self._client.scan_iter(match=pattern, count=_CLEAR_BATCH):
                batch.append(key)
                if len(batch) >= _CLEAR_BATCH:
                    self._client.unlink(*batch)
                    batch.clear()
            if batch:
                self._client.unlink(*batch)

    def close(self) -> None:
        """Close the pool's connections (a later command opens new ones)."""
        self._pool.disconnect()
