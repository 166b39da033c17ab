"""Rate limiting: per-view limits, a site-wide default, counters shared through Redis.

Built on the ``limits`` library with the storage of ``RATELIMIT.storage_url`` (by default
the one of ``CACHE_URL``), so every worker and instance counts against one budget::

    from bastion.ratelimit import ratelimit

    @ratelimit("5/minute", key="ip", methods=["POST"])
    def login(request): ...

See ``docs/ratelimit.md``.
"""

from __future__ import annotations

from bastion.ratelimit.decorators import ratelimit as ratelimit
from bastion.ratelimit.decorators import ratelimit_exempt as ratelimit_exempt
from bastion.ratelimit.keys import KeyFunction as KeyFunction
from bastion.ratelimit.keys import client_key as client_key
from bastion.ratelimit.keys import user_key as user_key
from bastion.ratelimit.limiter import RateLimiter as RateLimiter
from bastion.ratelimit.limiter import RateLimitResult as RateLimitResult
from bastion.ratelimit.limiter import RateLimitStorageError as RateLimitStorageError
from bastion.ratelimit.rules import RateLimitUnavailable as RateLimitUnavailable

__all__ = [
    "KeyFunction",
    "RateLimitResult",
    "RateLimitStorageError",
    "RateLimitUnavailable",
    "RateLimiter",
    "client_key",
    "ratelimit",
    "ratelimit_exempt",
    "user_key",
]
