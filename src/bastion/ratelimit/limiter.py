"""The rate limiter: counts hits against limits in the configured storage.

One :class:`RateLimiter` belongs to each application (``app.ratelimiter``). It is mechanism
only: it says whether a hit is allowed and how much budget is left. What to do about a
refusal or a storage outage is decided by the decorator and the middleware.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, TypeAlias

from bastion.exceptions import BastionError, ImproperlyConfigured
from bastion.ratelimit._storage import (
    check_strategy,
    close_storage,
    open_storage,
    storage_url_for,
)
from bastion.ratelimit.keys import key_component
from bastion.settings.core import redact_url

if TYPE_CHECKING:
    from limits import RateLimitItem
    from limits.storage import Storage
    from limits.strategies import RateLimiter as Strategy

    from bastion.settings import RateLimitConfig, Settings

__all__ = ["LimitSpec", "RateLimitResult", "RateLimitStorageError", "RateLimiter", "parse_limits"]

LimitSpec: TypeAlias = "str | RateLimitItem | Iterable[str | RateLimitItem]"
"""What :meth:`RateLimiter.hit` accepts as ``limit``: ``"5/minute"``, ``"5/minute; 100/day"``,
a :class:`limits.RateLimitItem`, or several of these."""


_STRATEGY_TAGS = {"fixed-window": "fw", "moving-window": "mw"}


class RateLimitStorageError(BastionError):
    """The rate-limit storage did not answer (Redis or Memcached down, a timeout)."""


@dataclass(frozen=True, slots=True)
class RateLimitResult:
    """The outcome of a hit (or a test) against the most restrictive of its limits.

    Attributes:
        allowed: whether the request is within every limit.
        limit: the number of hits the reported limit allows per window.
        remaining: hits left in the window (0 when refused).
        reset_at: when the window frees budget again, in seconds since the epoch.
        retry_after: whole seconds to wait before retrying; 0 when allowed.
    """

    allowed: bool
    limit: int
    remaining: int
    reset_at: float
    retry_after: int

    @property
    def reset_after(self) -> int:
        """Whole seconds from now until :attr:`reset_at` (the ``RateLimit-Reset`` value)."""
        return max(0, math.ceil(self.reset_at - time.time()))


def parse_limits(limit: LimitSpec) -> tuple[RateLimitItem, ...]:
    """Parse limits written as ``"5/minute"``, ``"10 per hour; 100/day"``, or items.

    Raises:
        ImproperlyConfigured: a string is not a limit, or no limit was given.
    """
    if isinstance(limit, str):
        return _parse_string(limit)
    from limits import RateLimitItem

    if isinstance(limit, RateLimitItem):
        return (limit,)
    items: list[RateLimitItem] = []
    for part in limit:
        items.extend(parse_limits(part))
    if not items:
        raise ImproperlyConfigured("No rate limit given; write one such as '5/minute'.")
    return tuple(items)


@lru_cache(maxsize=256)
def _parse_string(text: str) -> tuple[RateLimitItem, ...]:
    from limits import parse_many

    try:
        return tuple(parse_many(text))
    except ValueError:
        raise ImproperlyConfigured(
            f"{text!r} is not a rate limit. Write '<count>/<unit>' or '<count> per <n> <unit>' "
            "with unit second, minute, hour, day, month or year; separate several with ';' "
            "(e.g. '5/minute; 100/day')."
        ) from None


class RateLimiter:
    """Counts hits in the storage of ``settings.RATELIMIT`` (or ``CACHE_URL``).

    Building one connects nowhere: the storage is opened on the first hit, once per limiter
    and shared by its threads. Two applications (or processes) given the same Redis URL and
    ``CACHE.key_prefix`` share their counters; ``memory://`` counts in this limiter only.

    Keys are prefixed with ``CACHE.key_prefix`` so several projects can share one server.

    Raises:
        ImproperlyConfigured: the storage or strategy cannot work. When the storage is only
            inherited from an unsuitable ``CACHE_URL`` and ``default_limits`` is empty, the
            error waits for the first hit, so a project that never limits can use any cache.
    """

    def __init__(self, settings: Settings) -> None:
        self.config: RateLimitConfig = settings.RATELIMIT
        prefix = settings.CACHE.key_prefix
        self._prefix: tuple[str, ...] = (key_component(prefix),) if prefix else ()
        self._url = ""
        self._problem: ImproperlyConfigured | None = None
        try:
            self._url = storage_url_for(settings)
        except ImproperlyConfigured as exc:
            if self.config.storage_url is not None or self.config.default_limits:
                raise
            self._problem = exc
        check_strategy(self._url, self.config.strategy)
        self._lock = threading.Lock()
        self._storage: Storage | None = None
        self._strategies: dict[str, Strategy] = {}

    def __repr__(self) -> str:
        return f"<RateLimiter {self.storage_url!r} {self.config.strategy}>"

    @property
    def storage_url(self) -> str:
        """The storage URL in use, with any password hidden (fit for logs)."""
        return redact_url(self._url)

    def hit(
        self, limit: LimitSpec, *keys: str, strategy: str | None = None, cost: int = 1
    ) -> RateLimitResult:
        """Count a hit of ``cost`` against each limit for ``keys`` and say if it is allowed.

        Limits are hit in order and the first one exceeded stops the rest; the result is for
        that one, or else for the limit with the least budget left.

        Args:
            limit: the limits (see :data:`LimitSpec`).
            keys: what is counted, e.g. a scope and a client (``"login", "ip:10.0.0.1"``).
            strategy: ``"fixed-window"`` or ``"moving-window"``; default ``RATELIMIT.strategy``.
            cost: how many hits this one counts for.

        Raises:
            RateLimitStorageError: the storage did not answer.
            ImproperlyConfigured: the limit, strategy or storage is not usable.
        """
        items, engine, identifiers = self._prepare(limit, keys, strategy)
        results: list[RateLimitResult] = []
        with self._storage_errors():
            for item in items:
                allowed = engine.hit(item, *identifiers, cost=cost)
                result = _result(engine, item, identifiers, allowed)
                if not allowed:
                    return result
                results.append(result)
        return min(results, key=_remaining)

    def test(
        self, limit: LimitSpec, *keys: str, strategy: str | None = None, cost: int = 1
    ) -> RateLimitResult:
        """Like :meth:`hit`, without counting: would a hit of ``cost`` be allowed now?

        Raises:
            RateLimitStorageError: the storage did not answer.
            ImproperlyConfigured: the limit, strategy or storage is not usable.
        """
        items, engine, identifiers = self._prepare(limit, keys, strategy)
        results: list[RateLimitResult] = []
        with self._storage_errors():
            for item in items:
                allowed = engine.test(item, *identifiers, cost=cost)
                results.append(_result(engine, item, identifiers, allowed))
        refused = [result for result in results if not result.allowed]
        return min(refused or results, key=_remaining)

    def clear(self, limit: LimitSpec, *keys: str, strategy: str | None = None) -> None:
        """Forget the hits counted for ``keys`` (e.g. after a successful login).

        Raises:
            RateLimitStorageError: the storage did not answer.
        """
        items, engine, identifiers = self._prepare(limit, keys, strategy)
        with self._storage_errors():
            for item in items:
                engine.clear(item, *identifiers)

    def close(self) -> None:
        """Close the storage's connections; a later hit opens them again."""
        with self._lock:
            storage, self._storage = self._storage, None
            self._strategies = {}
        if storage is not None:
            close_storage(storage)

    # -- internals ----------------------------------------------------------------------

    def _prepare(
        self, limit: LimitSpec, keys: tuple[str, ...], strategy: str | None
    ) -> tuple[tuple[RateLimitItem, ...], Strategy, tuple[str, ...]]:
        items = parse_limits(limit)
        name = strategy or self.config.strategy
        engine = self._strategy(name)
        # The strategy is part of the key: a fixed window keeps a counter where a moving
        # window keeps a list, and Redis refuses to treat one as the other (WRONGTYPE).
        identifiers = (*self._prefix, _STRATEGY_TAGS[name], *(key_component(k) for k in keys))
        return items, engine, identifiers

    def _strategy(self, name: str) -> Strategy:
        engine = self._strategies.get(name)
        if engine is not None:
            return engine
        if self._problem is not None:
            raise self._problem
        check_strategy(self._url, name)
        from limits.strategies import STRATEGIES

        with self._lock:
            if self._storage is None:
                self._storage = open_storage(self._url)
            return self._strategies.setdefault(name, STRATEGIES[name](self._storage))

    @contextmanager
    def _storage_errors(self) -> Iterator[None]:
        from limits.errors import StorageError

        try:
            yield
        except (StorageError, OSError) as exc:
            cause = exc.storage_error if isinstance(exc, StorageError) else exc
            raise RateLimitStorageError(
                f"Rate-limit storage {self.storage_url!r} failed: {type(cause).__name__}: {cause}"
            ) from exc


def _result(
    engine: Strategy, item: RateLimitItem, identifiers: tuple[str, ...], allowed: bool
) -> RateLimitResult:
    stats = engine.get_window_stats(item, *identifiers)
    wait = max(1, math.ceil(stats.reset_time - time.time()))
    return RateLimitResult(
        allowed=allowed,
        limit=item.amount,
        remaining=max(0, stats.remaining) if allowed else 0,
        reset_at=stats.reset_time,
        retry_after=0 if allowed else wait,
    )


def _remaining(result: RateLimitResult) -> int:
    return result.remaining
