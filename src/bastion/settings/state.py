"""Settings of server-side state: sessions (``SESSIONS``), the cache (``CACHE``) and rate
limits (``RATELIMIT``). Where they are stored comes from ``CACHE_URL`` by default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bastion.exceptions import ImproperlyConfigured

__all__ = ["CacheConfig", "RateLimitConfig", "SessionConfig"]


@dataclass(frozen=True, kw_only=True)
class SessionConfig:
    """Sessions: loaded lazily, saved only when changed, JSON only, expiring."""

    backend: Literal["signed_cookie", "cache", "database", "memory"] = "signed_cookie"
    """Where session data lives. ``cache`` uses the ``CACHE`` backend (Redis in production)."""
    cookie_name: str = "session"
    """Cookie name; ``__Host-`` is prefixed automatically over HTTPS."""
    idle_timeout: int = 14 * 24 * 3600
    """Seconds of inactivity after which a session ends."""
    absolute_lifetime: int = 30 * 24 * 3600
    """Seconds after creation after which a session ends, active or not."""
    samesite: Literal["Strict", "Lax"] = "Lax"
    """``SameSite`` attribute of the session cookie."""
    persistent: bool = True
    """Send ``Max-Age`` (survives the browser closing); False makes a browser-session cookie."""

    def __post_init__(self) -> None:
        if self.backend not in ("signed_cookie", "cache", "database", "memory"):
            raise ImproperlyConfigured(f"SESSIONS.backend {self.backend!r} is unknown.")
        if self.idle_timeout <= 0 or self.absolute_lifetime <= 0:
            raise ImproperlyConfigured("SESSIONS timeouts must be positive.")


@dataclass(frozen=True, kw_only=True)
class CacheConfig:
    """Options of the default cache (its location is ``CACHE_URL``)."""

    key_prefix: str = ""
    """Prepended to every key, so several projects can share one server."""
    version: int = 1
    """Default key version; bump it to invalidate everything at once."""
    default_timeout: int = 300
    """Seconds an entry lives when ``set`` is given no timeout."""
    max_entries: int = 10_000
    """Size bound of the in-process ``locmem`` cache (least recently used entries go first)."""


@dataclass(frozen=True, kw_only=True)
class RateLimitConfig:
    """Rate limits. Storage is Redis or Memcached in production, so all workers share counts."""

    storage_url: str | None = None
    """``limits`` storage URL (``redis://``, ``memcached://``, ``memory://``); None follows
    ``CACHE_URL`` (``locmem://`` maps to ``memory://``)."""
    default_limits: tuple[str, ...] = ()
    """Limits the middleware applies to every request, by client IP (``"1000/hour"``)."""
    strategy: Literal["fixed-window", "moving-window"] = "fixed-window"
    """Window strategy of the middleware and of decorators that do not choose one."""
    headers: bool = True
    """Send ``RateLimit-*`` headers."""
