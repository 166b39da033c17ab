"""The cache's two errors: a key it refuses, and a server it cannot reach.

Both derive from :class:`~bastion.exceptions.BastionError`. ``InvalidCacheKey`` is also a
``ValueError``, because a bad key is a bad argument; ``CacheUnavailable`` is raised for every
backend alike, so that callers (the per-view cache, cache-backed sessions) can degrade
gracefully without importing redis-py or pymemcache.
"""

from __future__ import annotations

from bastion.exceptions import BastionError

__all__ = ["CacheUnavailable", "InvalidCacheKey"]


class InvalidCacheKey(BastionError, ValueError):
    """A key that some backend could not store safely.

    Keys are checked by the same rules on every backend (memcached's, the strictest): a
    ``str`` without whitespace or control characters, at most 250 UTF-8 bytes once the prefix
    and version are added. So a key that works with ``locmem://`` in tests works with
    memcached in production, and a key built from user input can never smuggle a second
    memcached command (``"a\\r\\nflush_all"``).
    """


class CacheUnavailable(BastionError):
    """The cache server could not be reached, or did not answer within the timeout.

    Backends translate their client library's connection and timeout errors into this one
    exception. The server's address is in the message; its password never is.
    """
