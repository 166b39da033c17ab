"""Middleware: the default secure stack and the pieces to build on it.

``default_middleware(settings)`` returns the framework's layers in their pinned order. A
project's own middleware goes after them (``Bastion(settings, middleware=[...])``).
"""

from __future__ import annotations

from bastion.middleware.clickjacking import ClickjackingMiddleware as ClickjackingMiddleware
from bastion.middleware.csp import CSPMiddleware as CSPMiddleware
from bastion.middleware.csrf import CSRFMiddleware as CSRFMiddleware
from bastion.middleware.hosts import HostValidationMiddleware as HostValidationMiddleware
from bastion.middleware.https import HTTPSRedirectMiddleware as HTTPSRedirectMiddleware
from bastion.middleware.ratelimit import RateLimitMiddleware as RateLimitMiddleware
from bastion.middleware.security_headers import (
    SecurityHeadersMiddleware as SecurityHeadersMiddleware,
)
from bastion.middleware.sessions import SessionMiddleware as SessionMiddleware
from bastion.middleware.stack import MiddlewareStack as MiddlewareStack
from bastion.settings import Settings
from bastion.types import Middleware as Middleware

__all__ = [
    "CSPMiddleware",
    "CSRFMiddleware",
    "ClickjackingMiddleware",
    "HTTPSRedirectMiddleware",
    "HostValidationMiddleware",
    "Middleware",
    "MiddlewareStack",
    "RateLimitMiddleware",
    "SecurityHeadersMiddleware",
    "SessionMiddleware",
    "default_middleware",
]


def default_middleware(settings: Settings) -> MiddlewareStack:
    """The framework's layers for ``settings``, in their pinned order.

    Host validation first (nothing is done for a host the site does not serve), then the
    HTTPS redirect, the response headers (security headers, CSP, frame options: they wrap
    everything inside, error pages included), sessions, CSRF (which may keep its token in
    the session) and rate limiting.
    """
    return MiddlewareStack(
        [
            HostValidationMiddleware(),
            HTTPSRedirectMiddleware(settings),
            SecurityHeadersMiddleware(settings),
            CSPMiddleware(settings),
            ClickjackingMiddleware(settings),
            SessionMiddleware(settings),
            CSRFMiddleware(settings),
            RateLimitMiddleware(settings),
        ]
    )
