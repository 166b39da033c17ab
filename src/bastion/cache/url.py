"""``CACHE_URL`` to a cache backend: one string says where the cache lives.

Accepted forms::

    locmem://                                  this process's memory (the default)
    dummy://                                   no caching at all
    redis://[[user]:password@]host[:port][/db] Redis (port 6379, db 0 by default)
    rediss://...                               Redis over TLS, certificates verified
    memcached://host[:port][,host[:port]...]   memcached (port 11211), keys spread over hosts
    db:// or database://                       the cache_entry table of the database the
                                               routers choose (db://<alias>: that alias)

Each backend is imported only when its scheme is used, so a project on ``locmem://`` needs
neither redis-py nor pymemcache. Nothing connects here: the first cache command does.
Error messages name the scheme and never repeat the URL, which may hold a password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.exceptions import ImproperlyConfigured
from bastion.settings.state import CacheConfig

if TYPE_CHECKING:
    from bastion.cache.backends.base import Cache

__all__ = ["SCHEMES", "cache_from_url", "parse_memcached_servers"]

SCHEMES = ("locmem", "dummy", "redis", "rediss", "memcached", "db", "database")
"""The schemes ``CACHE_URL`` may use."""

_MEMCACHED_PORT = 11211
_ACCEPTED = (
    "locmem://, dummy://, redis://[:password@]host:6379/0, rediss://... (TLS) or "
    "memcached://host:11211[,host:11211] or db://[alias]"
)
_ALIAS_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def cache_from_url(url: str, config: CacheConfig | None = None) -> Cache:
    """Build the cache ``url`` names, with ``config`` (``Settings.CACHE``) for its options.

    Raises:
        ImproperlyConfigured: the scheme is unknown, the URL malformed, or the backend's
            client library is not installed.
    """
    if config is None:
        config = CacheConfig()
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()
    if not separator or scheme not in SCHEMES:
        what = f"the unknown scheme {scheme!r}" if separator else "no scheme"
        raise ImproperlyConfigured(f"CACHE_URL has {what}; use one of {_ACCEPTED}.")
    if scheme in ("locmem", "dummy"):
        if rest.strip("/"):
            raise ImproperlyConfigured(
                f"CACHE_URL {scheme}:// takes no location; write it as {scheme}:// exactly."
            )
        if scheme == "locmem":
            from bastion.cache.backends.locmem import LocMemCache

            return LocMemCache(config)
        from bastion.cache.backends.dummy import DummyCache

        return DummyCache(config)
    if scheme in ("db", "database"):
        from bastion.cache.backends.database import DatabaseCache

        return DatabaseCache(_database_alias(scheme, rest), config)
    if scheme == "memcached":
        try:
            from bastion.cache.backends.memcached import MemcachedCache
        except ImportError as exc:
            raise _missing(exc, "memcached", "pymemcache") from None
        return MemcachedCache(parse_memcached_servers(rest), config)
    try:
        from bastion.cache.backends.redis import RedisCache
    except ImportError as exc:
        raise _missing(exc, "redis", "redis") from None
    return RedisCache(url, config)


def _database_alias(scheme: str, rest: str) -> str | None:
    """The alias in ``db://<alias>``, or None for ``db://`` (the routers choose)."""
    alias = rest.removesuffix("/")
    if not alias:
        return None
    if not set(alias) <= _ALIAS_CHARS:
        raise ImproperlyConfigured(
            f"CACHE_URL {scheme}://... takes only a DATABASES alias (letters, digits, '_' and "
            "'-'), e.g. db:// or db://cache; the database's own URL belongs in DATABASES."
        )
    return alias


def _missing(exc: ImportError, backend: str, library: str) -> ImproperlyConfigured:
    """The error for a backend whose client library is not installed (or ``exc`` itself)."""
    if (exc.name or "").partition(".")[0] != library:
        raise exc
    return ImproperlyConfigured(
        f"CACHE_URL uses {backend}, which needs the {library} package: "
        f"pip install 'bastion[{backend}]'."
    )


def parse_memcached_servers(location: str) -> list[tuple[str, int]]:
    """``"a:11211,[::1]:11212"`` as ``[("a", 11211), ("::1", 11212)]``.

    Raises:
        ImproperlyConfigured: a host is missing, or a port is not a number in range.
    """
    location = location.removesuffix("/")
    if any(c in location for c in "@/?#"):
        raise ImproperlyConfigured(
            "CACHE_URL memcached://... takes host:port pairs only (no path, query or "
            "credentials), e.g. memcached://10.0.0.5:11211,10.0.0.6:11211."
        )
    servers = [_host_port(item.strip()) for item in location.split(",")]
    if len(set(servers)) != len(servers):
        raise ImproperlyConfigured("CACHE_URL memcached://... lists a server twice.")
    return servers


def _host_port(item: str) -> tuple[str, int]:
    if item.startswith("["):
        host, _, tail = item[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        host, _, port_text = item.partition(":")
    if not host:
        raise ImproperlyConfigured(
            f"CACHE_URL memcached://... has a server without a usable host ({item[:60]!r}); "
            "write host:port, e.g. memcached://127.0.0.1:11211."
        )
    if not port_text:
        return host, _MEMCACHED_PORT
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise ImproperlyConfigured(
            f"CACHE_URL memcached://... has port {port_text[:20]!r}; use a number 1-65535."
        )
    return host, int(port_text)
