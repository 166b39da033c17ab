"""Middleware: the default secure stack and the pieces to build on it.

``default_middleware(settings)`` returns the framework's layers in their pinned order. A
project's own middleware goes after them (``Bastion(settings, middleware=[...])``).
"""

from __future__ import annotations

from bastion.middleware.hosts import HostValidationMiddleware as HostValidationMiddleware
from bastion.middleware.stack import MiddlewareStack as MiddlewareStack
from bastion.settings import Settings
from bastion.types import Middleware as Middleware

__all__ = ["HostValidationMiddleware", "Middleware", "MiddlewareStack", "default_middleware"]


def default_middleware(settings: Settings) -> MiddlewareStack:
    """The framework's layers for ``settings``, in order: host validation first."""
    del settings  # the layers of later features read their own configuration from it
    return MiddlewareStack([HostValidationMiddleware()])
