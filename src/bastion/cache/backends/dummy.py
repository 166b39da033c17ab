"""A cache that stores nothing (``dummy://``): for development without caching.

Keys and values are still checked exactly as on the real backends, so code that misuses the
cache fails here too instead of first failing in production. Every read is a miss, ``add``
reports success (as if the entry had been stored and evicted at once), ``incr`` fails as on
an empty cache.
"""

from __future__ import annotations

from bastion.cache.backends.base import Cache

__all__ = ["DummyCache"]


class DummyCache(Cache):
    """A cache that forgets everything at once (see the module docstring)."""

    def _get(self, key: str) -> None:
        return None

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        return None

    def _add(self, key: str, data: str, ttl: float | None) -> bool:
        return True

    def _delete(self, key: str) -> bool:
        return False

    def _has(self, key: str) -> bool:
        return False

    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]:
        return {}

    def _set_many(self, items: dict[str, str], ttl: float | None) -> None:
        return None

    def _delete_many(self, keys: list[str]) -> None:
        return None

    def _incr(self, key: str, delta: int) -> None:
        return None

    def _touch(self, key: str, ttl: float | None) -> bool:
        return False

    def clear(self) -> None:
        """Nothing to remove."""
