"""The ``auth`` app: users, groups, permissions, object permissions and the audit log.

Installing it (``Bastion(settings, apps=[auth_app])``) mounts the account pages at
``/accounts/``, adds ``request.user`` and imports :mod:`bastion.auth.models`,
so ``bastion makemigrations`` and ``migrate`` see its tables; its migrations ship in
:mod:`bastion.auth.migrations`.
"""

from __future__ import annotations

from bastion.apps import App
from bastion.auth.urls import routes

__all__ = ["auth_app"]

auth_app = App("bastion.auth", label="auth", routes=routes, prefix="accounts/")
"""The app whose models are in :mod:`bastion.auth.models`; its pages are under ``/accounts/``
(``auth:login``, ``auth:logout``, ``auth:signup``). Installing it also installs
:class:`~bastion.auth.middleware.AuthenticationMiddleware`, which gives ``request.user``."""
