"""Where rate-limit counters live: a ``limits`` storage chosen by the settings, opened late.

Counters must be shared by every worker of every instance, or a limit of five login attempts
becomes five per process. So the storage follows ``CACHE_URL`` (Redis or Memcached in
production) unless ``RATELIMIT.storage_url`` names another one. The storage is only opened on
the first hit: building an application must not connect anywhere, and a project that never
rate-limits must not pay for importing ``limits``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bastion.exceptions import ImproperlyConfigured
from bastion.settings.core import redact_url

if TYPE_CHECKING:
    from limits.storage import Storage

    from bastion.settings import Settings

__all__ = [
    "STORAGE_TIMEOUT",
    "check_strategy",
    "close_storage",
    "open_storage",
    "storage_url_for",
]

STORAGE_TIMEOUT = 1.0
"""Seconds a storage call may take (connect, then each reply) before it counts as failed.

A rate limit is checked on the request path: an unreachable server must turn into a quick
storage error (handled by the fail-open/fail-closed policy), never into hung workers.
"""

_REDIS_SCHEMES = frozenset({"redis", "rediss", "redis+unix"})
_MEMORY_SCHEMES = frozenset({"memory", "locmem", "dummy"})
_MEMCACHED_SCHEMES = frozenset({"memcached"})
_MOVING_WINDOW_SCHEMES = _REDIS_SCHEMES | {"memory"}
STRATEGY_NAMES = ("fixed-window", "moving-window")


def storage_url_for(settings: Settings) -> str:
    """The ``limits`` storage URL for ``settings``: ``RATELIMIT.storage_url`` or ``CACHE_URL``.

    ``RATELIMIT.storage_url`` is a ``limits`` URL and is used as it is (a Memcached query
    string is dropped: ``limits`` takes Memcached options as arguments). ``CACHE_URL`` is
    translated: ``locmem://`` and ``dummy://`` map to ``memory://`` (counters in this
    process), Redis URLs stay as they are, and ``memcached://host[:port],...`` gets the
    explicit ports ``limits`` requires.

    Raises:
        ImproperlyConfigured: the URL names a storage the limiter cannot keep counters in.
    """
    explicit = settings.RATELIMIT.storage_url
    if explicit is None:
        return _from_cache_url(settings.CACHE_URL)
    scheme = urlsplit(explicit).scheme.lower()
    if scheme in _MEMORY_SCHEMES:
        return "memory://"
    if scheme in _REDIS_SCHEMES:
        return explicit
    if scheme in _MEMCACHED_SCHEMES:
        parts = urlsplit(explicit)
        return f"memcached://{parts.netloc}{parts.path}"
    raise _unusable("RATELIMIT.storage_url", explicit)


def _from_cache_url(url: str) -> str:
    # The cache's own parser reads the servers, so both read CACHE_URL the same way.
    from bastion.cache.url import parse_memcached_servers

    scheme, _, location = url.partition("://")
    scheme = scheme.lower()
    if scheme in _MEMORY_SCHEMES:
        return "memory://"
    if scheme in _REDIS_SCHEMES:
        return url
    if scheme in _MEMCACHED_SCHEMES:
        servers = parse_memcached_servers(location)
        return "memcached://" + ",".join(
            f"[{host}]:{port}" if ":" in host else f"{host}:{port}" for host, port in servers
        )
    raise _unusable("CACHE_URL", url)


def _unusable(source: str, url: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"{source} is {redact_url(url)!r}, which cannot hold rate-limit counters. Set "
        "RATELIMIT.storage_url to a redis://, memcached:// or memory:// URL."
    )


def check_strategy(url: str, strategy: str) -> None:
    """Refuse a window strategy the storage at ``url`` cannot run.

    Raises:
        ImproperlyConfigured: the strategy is unknown, or it is ``moving-window`` on Memcached.
    """
    if strategy not in STRATEGY_NAMES:
        raise ImproperlyConfigured(
            f"Unknown rate-limit strategy {strategy!r}; use 'fixed-window' or 'moving-window'."
        )
    # No URL: the storage problem is reported on first use (see RateLimiter); name only here.
    if strategy == "moving-window" and url and urlsplit(url).scheme not in _MOVING_WINDOW_SCHEMES:
        raise ImproperlyConfigured(
            "The moving-window strategy needs Redis or memory storage. It keeps a timestamp "
            "per request and drops old ones atomically (a Lua script on Redis); Memcached has "
            "neither lists nor server-side scripts, so it can only count fixed windows. Use "
            "strategy='fixed-window' or point RATELIMIT.storage_url at Redis."
        )


def open_storage(url: str) -> Storage:
    """Build the ``limits`` storage for ``url``; Redis and Memcached connect on first use.

    Storage errors are wrapped in :class:`limits.errors.StorageError` and every network call
    times out after :data:`STORAGE_TIMEOUT` seconds (a URL's own ``socket_timeout`` wins).

    Raises:
        ImproperlyConfigured: ``limits`` rejects the URL or its client library is missing.
    """
    # Imported here: ``limits`` costs ~45 ms to import, paid only by projects that limit.
    from limits.errors import ConfigurationError
    from limits.storage import MemcachedStorage, MemoryStorage, RedisStorage

    scheme = urlsplit(url).scheme
    try:
        if scheme in _REDIS_SCHEMES:
            return RedisStorage(
                url,
                wrap_exceptions=True,
                socket_connect_timeout=STORAGE_TIMEOUT,
                socket_timeout=STORAGE_TIMEOUT,
            )
        if scheme in _MEMCACHED_SCHEMES:
            # limits annotates client_getter as taking no arguments, but calls it with
            # (module, hosts, **options), which is what _SharedMemcachedClient takes.
            getter: Any = _SharedMemcachedClient()
            return MemcachedStorage(url, wrap_exceptions=True, client_getter=getter)
        return MemoryStorage(wrap_exceptions=True)
    except ConfigurationError as exc:
        raise ImproperlyConfigured(
            f"Rate-limit storage {redact_url(url)!r} cannot be used: {exc}"
        ) from None


def close_storage(storage: Storage) -> None:
    """Close the storage's connections (and stop the memory storage's expiry timer)."""
    from limits.storage import MemoryStorage, RedisStorage

    if isinstance(storage, MemoryStorage):
        storage.timer.cancel()
    elif isinstance(storage, RedisStorage):
        storage.storage.close()
    else:  # Memcached, the only other kind open_storage makes
        getter = getattr(storage, "client_getter", None)
        if isinstance(getter, _SharedMemcachedClient):
            getter.close()


class _SharedMemcachedClient:
    """A ``client_getter`` for ``limits``: one thread-safe pool shared by all threads.

    ``limits`` keeps a client per thread by default, which ``close`` could only reach from
    the thread that made it; pymemcache's ``PooledClient`` is thread-safe, so one is enough.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Any = None

    def __call__(self, module: Any, hosts: list[Any], **options: Any) -> Any:
        with self._lock:
            if self._client is None:
                settings = {
                    "connect_timeout": STORAGE_TIMEOUT,
                    "timeout": STORAGE_TIMEOUT,
                    **options,
                }
                if len(hosts) > 1:
                    self._client = module.HashClient(hosts, use_pooling=True, **settings)
                else:
                    self._client = module.PooledClient(hosts[0], **settings)
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
