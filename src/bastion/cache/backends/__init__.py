"""Cache backends: ``base`` (the shared API), ``locmem``, ``redis``, ``memcached``, ``dummy``.

The network backends import their client library, so they are imported only when
``CACHE_URL`` names them (:func:`bastion.cache.cache_from_url`).
"""

from __future__ import annotations

from bastion.cache.backends.base import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from bastion.cache.backends.base import Cache as Cache

__all__ = ["DEFAULT_TIMEOUT", "Cache"]
