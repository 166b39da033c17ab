"""The memcached cache (``memcached://host:port[,host:port...]``), through pymemcache.

One server uses a thread-safe ``PooledClient``; several use a ``HashClient`` that spreads keys
over them (rendezvous hashing) with a pool per server, and sets a failing server aside for
10 seconds (its keys go to the others meanwhile). Building either opens no socket: the
first command does, so an application builds while memcached is down. Every socket has a
connect and a read timeout (2 s); connection errors and timeouts become
:class:`~bastion.cache.CacheUnavailable`.

Decisions, written down:

* ``clear()`` runs ``flush_all`` on every server: memcached cannot list keys, so it cannot
  drop one prefix's. That empties the servers for everyone who shares them (rate-limit
  counters and sessions kept there included). To drop only this cache's entries, raise
  ``CACHE.version`` instead: old entries are no longer read and expire by themselves.
* Counters are memcached's own unsigned 64-bit ones: ``decr`` stops at 0 instead of going
  negative, and a negative number stored with ``set`` cannot be incremented (ValueError).
* Timeouts are whole seconds (a fraction is rounded up). Beyond 30 days memcached reads a
  timeout as a Unix time, so longer ones are sent as one.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from pymemcache.client.base import PooledClient  # type: ignore[import-untyped]
from pymemcache.client.hash import HashClient  # type: ignore[import-untyped]
from pymemcache.exceptions import (  # type: ignore[import-untyped]
    MemcacheClientError,
    MemcacheError,
    MemcacheUnexpectedCloseError,
)

from bastion.cache.backends.base import Cache
from bastion.cache.exceptions import CacheUnavailable

if TYPE_CHECKING:
    from bastion.settings.state import CacheConfig

__all__ = ["CONNECT_TIMEOUT", "OPERATION_TIMEOUT", "MemcachedCache"]

CONNECT_TIMEOUT = 2.0
"""Seconds to wait for a connection to memcached."""
OPERATION_TIMEOUT = 2.0
"""Seconds to wait for memcached to answer a command."""
_RELATIVE_LIMIT = 30 * 24 * 3600
_DEAD_SERVER_SECONDS = 10


def _expire(ttl: float | None) -> int:
    """memcached's exptime for ``ttl`` seconds: 0 is never, beyond 30 days a Unix time."""
    if ttl is None:
        return 0
    seconds = max(1, math.ceil(ttl))
    return seconds if seconds <= _RELATIVE_LIMIT else int(time.time()) + seconds


class MemcachedCache(Cache):
    """A cache on one or more memcached servers.

    Args:
        servers: ``(host, port)`` pairs; keys are spread over them.
        config: prefix, version and default timeout.
    """

    def __init__(self, servers: Sequence[tuple[str, int]], config: CacheConfig) -> None:
        super().__init__(config)
        self._where = ",".join(f"{host}:{port}" for host, port in servers)
        options: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT,
            "timeout": OPERATION_TIMEOUT,
            "no_delay": True,
            "allow_unicode_keys": True,
            "default_noreply": False,
        }
        if len(servers) == 1:
            self._client: Any = PooledClient(servers[0], **options)
        else:
            # No retries: a server that fails is set aside at once (its keys move to the
            # others) and tried again after a while. With retries, pymemcache answers
            # "not found" or "not stored" for a failing server instead of raising.
            self._client = HashClient(
                list(servers),
                use_pooling=True,
                retry_attempts=0,
                dead_timeout=_DEAD_SERVER_SECONDS,
                **options,
            )

    def __repr__(self) -> str:
        return f"<MemcachedCache {self._where} prefix={self.key_prefix!r} version={self.version}>"

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (OSError, MemcacheUnexpectedCloseError) as exc:
            raise CacheUnavailable(f"memcached at {self._where} is unavailable: {exc}") from exc
        except MemcacheError as exc:
            # HashClient says "All servers seem to be down" with a bare MemcacheError; its
            # subclasses are answers from a server that is up (e.g. a value too large).
            if type(exc) is not MemcacheError:
                raise
            raise CacheUnavailable(f"memcached at {self._where} is unavailable: {exc}") from exc

    def _get(self, key: str) -> bytes | None:
        with self._errors():
            return cast("bytes | None", self._client.get(key))

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        with self._errors():
            self._client.set(key, data.encode(), expire=_expire(ttl))

    def _add(self, key: str, data: str, ttl: float | None) -> bool:
        with self._errors():
            return bool(self._client.add(key, data.encode(), expire=_expire(ttl)))

    def _delete(self, key: str) -> bool:
        with self._errors():
            return bool(self._client.delete(key))

    def _has(self, key: str) -> bool:
        with self._errors():
            return self._client.get(key) is not None

    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]:
        with self._errors():
            return cast("dict[str, str | bytes]", self._client.get_many(keys))

    def _set_many(self, items: dict[str, str], ttl: float | None) -> None:
        values = {key: data.encode() for key, data in items.items()}
        with self._errors():
            self._client.set_many(values, expire=_expire(ttl))

    def _delete_many(self, keys: list[str]) -> None:
        with self._errors():
            self._client.delete_many(keys)

    def _incr(self, key: str, delta: int) -> int | None:
        with self._errors():
            try:
                if delta >= 0:
                    result = self._client.incr(key, delta)
                else:
                    result = self._client.decr(key, -delta)
            except MemcacheClientError:
                raise ValueError(
                    f"Cache key {key[:100]!r} does not hold an integer memcached can count "
                    "with (a non-negative integer below 2**64)."
                ) from None
        return None if result is None else int(result)

    def _touch(self, key: str, ttl: float | None) -> bool:
        with self._errors():
            return bool(self._client.touch(key, expire=_expire(ttl)))

    def clear(self) -> None:
        """Empty every server with ``flush_all`` (all prefixes: see the module docstring)."""
        with self._errors():
            self._client.flush_all()

    def close(self) -> None:
        """Close the pooled connections (a later command opens new ones)."""
        self._client.close()
