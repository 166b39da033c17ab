"""The cache: one API over in-process memory, Redis and memcached, and per-view caching.

::

    from bastion.cache import cache_page

    value = request.app.cache.get("key")          # the application's cache (CACHE_URL)

    @cache_page(600)
    def article(request, slug): ...

Values are JSON on every backend (never pickle); keys follow memcached's rules everywhere.
See ``docs/cache.md``.
"""

from __future__ import annotations

from bastion.cache.backends.base import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from bastion.cache.backends.base import Cache as Cache
from bastion.cache.exceptions import CacheUnavailable as CacheUnavailable
from bastion.cache.exceptions import InvalidCacheKey as InvalidCacheKey
from bastion.cache.page import cache_page as cache_page
from bastion.cache.url import cache_from_url as cache_from_url

__all__ = [
    "DEFAULT_TIMEOUT",
    "Cache",
    "CacheUnavailable",
    "InvalidCacheKey",
    "cache_from_url",
    "cache_page",
]
