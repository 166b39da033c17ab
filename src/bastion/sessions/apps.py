"""The ``sessions`` app, for projects on ``SESSIONS.backend = "database"``.

Installing it (``Bastion(settings, apps=[sessions_app])``) imports
:mod:`bastion.sessions.models`, so ``bastion makemigrations`` and ``migrate`` see the
``sessions_session`` table. It brings no routes, templates or commands.
"""

from __future__ import annotations

from bastion.apps import App

__all__ = ["sessions_app"]

sessions_app = App("bastion.sessions", label="sessions")
"""The app whose model is :class:`bastion.sessions.models.Session`."""
