"""The cache API every backend shares: keys, versions, timeouts and JSON values.

:class:`Cache` does everything that must behave the same on every backend (the rules for
keys, the JSON encoding of values, what a timeout means) and leaves to a backend only the
few primitives that talk to its store, on final keys and encoded values. That is what makes
a test that passes on ``locmem://`` pass on Redis and memcached.

Decisions, written down:

* Values are JSON, on every backend, in-process ``locmem`` included. Pickle would turn
  anyone who can write to the cache server into someone who runs code in every worker
  (STYLE.md, Avoid 5); JSON in ``locmem`` too means a value behaves the same everywhere
  (a list read back is a copy; a value that cannot be stored fails in tests, not in
  production).
* An entry that is not valid JSON (planted by something else, or by an incompatible
  version) is a miss, logged to ``bastion.cache``; it is never an error page.
* Integers are stored as their decimal text, which is also their JSON, so ``incr`` and
  ``decr`` run natively (atomically) on Redis and memcached.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Literal, Self, TypeAlias

from bastion.cache.exceptions import InvalidCacheKey
from bastion.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from types import TracebackType

    from bastion.settings.state import CacheConfig

__all__ = ["DEFAULT_TIMEOUT", "MAX_KEY_BYTES", "Cache", "Timeout", "decode_value", "encode_value"]

logger = logging.getLogger("bastion.cache")

MAX_KEY_BYTES: Final = 250
"""memcached's limit on a key, applied to the final key (prefix and version included)."""
_MAX_PREFIX_BYTES: Final = 100
# Whitespace (Unicode's too) and C0/DEL/C1 control characters: none is safe in a memcached
# command line, and none belongs in a key.
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


class _Default(enum.Enum):
    TIMEOUT = "default"

    def __repr__(self) -> str:
        return "DEFAULT_TIMEOUT"


DEFAULT_TIMEOUT: Final = _Default.TIMEOUT
"""The timeout argument's default: ``CACHE.default_timeout`` seconds."""

Timeout: TypeAlias = "float | Literal[_Default.TIMEOUT] | None"
"""Seconds an entry lives; None for no expiry; 0 or less to store nothing."""

_MISSING: Final[Any] = object()
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def encode_value(value: Any) -> str:
    """``value`` as compact JSON text.

    Raises:
        TypeError: the value is not JSON (a set, a datetime, an object, NaN...).
    """
    try:
        return _encode(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"Cache values must be JSON (dict, list, str, int, float, bool or None): {exc}. "
            "Bastion never pickles cache values; store a dict of plain values instead."
        ) from None


def decode_value(raw: str | bytes, key: str) -> Any:
    """The value stored as ``raw`` under ``key``, or a private marker when it is not JSON."""
    try:
        return json.loads(raw)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors.
        logger.warning(
            "Ignoring cache entry %r: it is not JSON written by Bastion (written by another "
            "program or version, or planted); treating it as missing.",
            key[:100],
        )
        return _MISSING


def _check_prefix(prefix: object) -> str:
    if not isinstance(prefix, str):
        raise ImproperlyConfigured(f"CACHE.key_prefix must be a str, got {prefix!r}.")
    if ":" in prefix or _FORBIDDEN.search(prefix) or len(prefix.encode()) > _MAX_PREFIX_BYTES:
        raise ImproperlyConfigured(
            f"CACHE.key_prefix {prefix[:120]!r} is not usable: use at most {_MAX_PREFIX_BYTES} "
            "characters without ':', whitespace or control characters (e.g. 'shop-prod')."
        )
    return prefix


class Cache(ABC):
    """A key-value cache with expiry, shared by the workers that use the same server.

    The final key of ``key`` is ``f"{key_prefix}:{version}:{key}"``. Every method is
    thread-safe. Build one with :func:`bastion.cache.cache_from_url`; an application has one
    as ``app.cache`` (views reach it as ``request.app.cache``).

    Args:
        config: prefix, default version, default timeout (``Settings.CACHE``).

    Raises:
        ImproperlyConfigured: the prefix, version or default timeout is not usable.
    """

    def __init__(self, config: CacheConfig) -> None:
        self.key_prefix = _check_prefix(config.key_prefix)
        version = config.version
        if isinstance(version, bool) or not isinstance(version, int):
            raise ImproperlyConfigured(f"CACHE.version must be an int, got {version!r}.")
        self.version = version
        default = config.default_timeout
        if isinstance(default, bool) or not isinstance(default, int) or default <= 0:
            raise ImproperlyConfigured(
                f"CACHE.default_timeout must be a positive number of seconds, got {default!r}."
            )
        self.default_timeout = default

    def __repr__(self) -> str:
        return f"<{type(self).__name__} prefix={self.key_prefix!r} version={self.version}>"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- keys and timeouts -------------------------------------------------------------------

    def make_key(self, key: str, version: int | None = None) -> str:
        """The final key for ``key``: ``f"{key_prefix}:{version}:{key}"``, checked.

        Raises:
            InvalidCacheKey: ``key`` is not a str, holds whitespace or a control character,
                or the final key is longer than 250 UTF-8 bytes.
        """
        if not isinstance(key, str):
            raise InvalidCacheKey(f"Cache keys must be str, got {type(key).__name__}.")
        if version is None:
            version = self.version
        elif isinstance(version, bool) or not isinstance(version, int):
            raise InvalidCacheKey(f"Cache key versions must be int, got {version!r}.")
        final = f"{self.key_prefix}:{version}:{key}"
        if _FORBIDDEN.search(key):
            raise InvalidCacheKey(
                f"Cache key {key[:60]!r} holds whitespace or a control character; hash or "
                "encode user input before using it in a key."
            )
        if final.isascii():
            size = len(final)
        else:
            try:
                size = len(final.encode())
            except UnicodeEncodeError:
                raise InvalidCacheKey(f"Cache key {key[:60]!r} is not valid Unicode.") from None
        if size > MAX_KEY_BYTES:
            raise InvalidCacheKey(
                f"Cache key {key[:60]!r}... is {size} bytes with its prefix; the limit is "
                f"{MAX_KEY_BYTES}. Hash long keys (hashlib.sha256(key).hexdigest())."
            )
        return final

    def _ttl(self, timeout: Timeout) -> float | None:
        """Seconds to live for ``timeout``: None for ever; 0 or less means do not store."""
        if timeout is DEFAULT_TIMEOUT:
            return self.default_timeout
        if timeout is None:
            return None
        if isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise TypeError(f"A cache timeout is a number of seconds or None, got {timeout!r}.")
        return timeout

    # -- the API -----------------------------------------------------------------------------

    def get(self, key: str, default: Any = None, *, version: int | None = None) -> Any:
        """The value stored under ``key``, or ``default`` when there is none (or it expired)."""
        final = self.make_key(key, version)
        raw = self._get(final)
        if raw is None:
            return default
        value = decode_value(raw, final)
        return default if value is _MISSING else value

    def set(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        *,
        version: int | None = None,
    ) -> None:
        """Store ``value`` under ``key`` for ``timeout`` seconds (None: no expiry).

        A timeout of 0 or less stores nothing and deletes any value already there.

        Raises:
            TypeError: ``value`` is not JSON.
        """
        final = self.make_key(key, version)
        data = encode_value(value)
        ttl = self._ttl(timeout)
        if ttl is not None and ttl <= 0:
            self._delete(final)
        else:
            self._set(final, data, ttl)

    def add(
        self,
        key: str,
        value: Any,
        timeout: Timeout = DEFAULT_TIMEOUT,
        *,
        version: int | None = None,
    ) -> bool:
        """Store ``value`` only if ``key`` holds nothing; atomic on every backend.

        Returns:
            Whether the value was stored (False if the key was taken, or the timeout is 0 or
            less).
        """
        final = self.make_key(key, version)
        data = encode_value(value)
        ttl = self._ttl(timeout)
        if ttl is not None and ttl <= 0:
            return False
        return self._add(final, data, ttl)

    def delete(self, key: str, *, version: int | None = None) -> bool:
        """Remove ``key``; return whether it was there."""
        return self._delete(self.make_key(key, version))

    def has_key(self, key: str, *, version: int | None = None) -> bool:
        """Whether ``key`` holds a live value."""
        return self._has(self.make_key(key, version))

    def get_many(self, keys: Iterable[str], *, version: int | None = None) -> dict[str, Any]:
        """The values of those ``keys`` that hold one, in one round trip."""
        finals = {self.make_key(key, version): key for key in keys}
        if not finals:
            return {}
        result: dict[str, Any] = {}
        for final, raw in self._get_many(list(finals)).items():
            value = decode_value(raw, final)
            if value is not _MISSING:
                result[finals[final]] = value
        return result

    def set_many(
        self,
        mapping: Mapping[str, Any],
        timeout: Timeout = DEFAULT_TIMEOUT,
        *,
        version: int | None = None,
    ) -> None:
        """Store every item of ``mapping``; nothing is stored if one value is not JSON.

        Raises:
            TypeError: a value is not JSON.
        """
        items = {self.make_key(key, version): encode_value(value) for key, value in mapping.items()}
        ttl = self._ttl(timeout)
        if not items:
            return
        if ttl is not None and ttl <= 0:
            self._delete_many(list(items))
        else:
            self._set_many(items, ttl)

    def delete_many(self, keys: Iterable[str], *, version: int | None = None) -> None:
        """Remove every key of ``keys`` (missing ones are ignored)."""
        finals = [self.make_key(key, version) for key in keys]
        if finals:
            self._delete_many(finals)

    def incr(self, key: str, delta: int = 1, *, version: int | None = None) -> int:
        """Add ``delta`` to the integer under ``key`` atomically; return the new value.

        The entry keeps its expiry. On memcached a counter cannot go below zero (memcached
        stops at 0) and a negative stored value cannot be changed.

        Raises:
            ValueError: ``key`` holds nothing, or holds something other than an integer.
        """
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise TypeError(f"incr() and decr() take an int delta, got {delta!r}.")
        final = self.make_key(key, version)
        result = self._incr(final, delta)
        if result is None:
            raise ValueError(f"Cache key {key!r} holds nothing to increment; set() it first.")
        return result

    def decr(self, key: str, delta: int = 1, *, version: int | None = None) -> int:
        """Subtract ``delta`` from the integer under ``key`` atomically (see :meth:`incr`)."""
        if isinstance(delta, bool) or not isinstance(delta, int):
            raise TypeError(f"incr() and decr() take an int delta, got {delta!r}.")
        return self.incr(key, -delta, version=version)

    def touch(
        self, key: str, timeout: Timeout = DEFAULT_TIMEOUT, *, version: int | None = None
    ) -> bool:
        """Give ``key`` a new expiry (None: never); 0 or less deletes it.

        Returns:
            Whether the key held a value.
        """
        final = self.make_key(key, version)
        ttl = self._ttl(timeout)
        if ttl is not None and ttl <= 0:
            return self._delete(final)
        return self._touch(final, ttl)

    @abstractmethod
    def clear(self) -> None:
        """Remove this cache's entries. What that reaches depends on the backend (see docs)."""

    def close(self) -> None:  # noqa: B027 - optional: only network backends hold anything.
        """Release connections; the cache reconnects if it is used again."""

    # -- what a backend implements, on final keys and encoded values -------------------------

    @abstractmethod
    def _get(self, key: str) -> str | bytes | None: ...

    @abstractmethod
    def _set(self, key: str, data: str, ttl: float | None) -> None: ...

    @abstractmethod
    def _add(self, key: str, data: str, ttl: float | None) -> bool: ...

    @abstractmethod
    def _delete(self, key: str) -> bool: ...

    @abstractmethod
    def _has(self, key: str) -> bool: ...

    @abstractmethod
    def _get_many(self, keys: list[str]) -> dict[str, str | bytes]: ...

    @abstractmethod
    def _set_many(self, items: dict[str, str], ttl: float | None) -> None: ...

    @abstractmethod
    def _delete_many(self, keys: list[str]) -> None: ...

    @abstractmethod
    def _incr(self, key: str, delta: int) -> int | None:
        """The new value, or None when ``key`` is missing; ValueError if not an integer."""

    @abstractmethod
    def _touch(self, key: str, ttl: float | None) -> bool: ...
