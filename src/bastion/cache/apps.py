"""The ``cache`` app, for projects with ``CACHE_URL = "db://"``.

Installing it (``Bastion(settings, apps=[cache_app])``) imports :mod:`bastion.cache.models`,
so ``bastion makemigrations`` and ``migrate`` see the ``cache_entry`` table. It brings no
routes, templates or commands.
"""

from __future__ import annotations

from bastion.apps import App

__all__ = ["cache_app"]

cache_app = App("bastion.cache", label="cache")
"""The app whose model is :class:`bastion.cache.models.CacheEntry`."""
