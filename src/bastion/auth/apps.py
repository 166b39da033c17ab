"""The ``auth`` app: users, groups, permissions, object permissions and the audit log.

Installing it (``Bastion(settings, apps=[auth_app])``) imports :mod:`bastion.auth.models`,
so ``bastion makemigrations`` and ``migrate`` see its tables; its migrations ship in
:mod:`bastion.auth.migrations`.
"""

from __future__ import annotations

from bastion.apps import App

__all__ = ["auth_app"]

auth_app = App("bastion.auth", label="auth")
"""The app whose models are in :mod:`bastion.auth.models`."""
