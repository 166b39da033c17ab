"""The in-process cache: a bounded, thread-safe LRU dictionary with per-entry expiry.

For development, tests and single-process deployments. Each :class:`LocMemCache` owns its
store, so each application (and each test that builds one) starts empty; nothing is shared
between processes, so with several workers every worker has its own copy of each entry.

Values are kept as JSON text, exactly as the network backends keep them: a value read back
is a fresh copy, and a value that could not go to Redis cannot go here either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from time import monotonic
from typing import TYPE_CHECKING

from bastion.cache.backends.base import Cache, decode_value
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from bastion.settings.state import CacheConfig

__all__ = ["LocMemCache"]

# An entry: the JSON text and the monotonic time it expires at (None: never).
_Entry = tuple[str, float | None]


class LocMemCache(Cache):
    """A cache in this process's memory, at most ``CACHE.max_entries`` entries.

    When full, the least recently used entry goes first. Expired entries are dropped when
    they are next touched (or pushed out as the least recently used). ``clear()`` empties
    this instance's store and nothing else.

    Raises:
        ImproperlyConfigured: ``CACHE.max_entries`` is not a positive int.
    """

    def __init__(self, config: CacheConfig) -> None:
        super().__init__(config)
        limit = config.max_entries
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ImproperlyConfigured(f"CACHE.max_entries must be a positive int, got {limit!r}.")
        self.max_entries = limit
        self._store: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many entries the store holds, expired ones not yet dropped included."""
        return len(self._store)

    def _live(self, key: str) -> _Entry | None:
        """The entry under ``key`` if it has not expired (dropping it if it has). Hold the lock."""
        entry = self._store.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= monotonic():
            del self._store[key]
            return None
        return entry

    def _put(self, key: str, entry: _Entry) -> None:
        """Store ``entry`` as the most recently used, evicting beyond the bound. Hold the lock."""
        store = self._store
        store[key] = entry
        store.move_to_end(key)
        while len(store) > self.max_entries:
            store.popitem(last=False)

    @staticmethod
    def _expiry(ttl: float | None) -> float | None:
        return None if ttl is None else monotonic() + ttl

    def _get(self, key: str) -> str | None:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return None
            self._store.move_to_end(key)
            return entry[0]

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        entry = (data, self._expiry(ttl))
        with self._lock:
            self._put(key, entry)

    def _add(self, key: str, data: str, ttl: float | None) -> bool:
        entry = (data, self._expiry(ttl))
        with self._lock:
            if self._live(key) is not None:
                return False
            self._put(key, entry)
            return True

    def _delete(self, key: str) -> bool:
        with self._lock:
            found = self._live(key) is not None
            if found:
                del self._store[key]
            return found

    def _has(self, key: str) -> bool:
        with self._lock:
            return self._live(key) is not None

    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]:
        found: dict[str, str | bytes] = {}
        with self._lock:
            for key in keys:
                entry = self._live(key)
                if entry is not None:
                    self._store.move_to_end(key)
                    found[key] = entry[0]
        return found

    def _set_many(self, items: dict[str, str], ttl: float | None) -> None:
        expires = self._expiry(ttl)
        with self._lock:
            for key, data in items.items():
                self._put(key, (data, expires))

    def _delete_many(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._store.pop(key, None)

    def _incr(self, key: str, delta: int) -> int | None:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return None
            value = decode_value(entry[0], key)
            # bool is an int to Python but not to Redis or memcached: refuse it here too.
            if type(value) is not int:
                raise ValueError(f"Cache key {key[:100]!r} does not hold an integer.")
            value += delta
            self._put(key, (str(value), entry[1]))
            return value

    def _touch(self, key: str, ttl: float | None) -> bool:
        with self._lock:
            entry = self._live(key)
            if entry is None:
                return False
            self._store[key] = (entry[0], self._expiry(ttl))
            return True

    def clear(self) -> None:
        """Empty this instance's store (other instances and processes are not affected)."""
        with self._lock:
            self._store.clear()
