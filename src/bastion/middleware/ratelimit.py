"""The site-wide rate limit: ``RATELIMIT.default_limits`` per client address, on every request.

A coarse budget against scrapers and floods, counted across all views (404s included) in the
shared storage. Views with their own needs use ``@ratelimit``; views that must not be counted
(health probes) use ``@ratelimit_exempt(reason=...)``. With no default limits configured the
layer only passes the request on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.http.exceptions import HTTPException
from bastion.ratelimit.decorators import EXEMPT_OPTION
from bastion.ratelimit.rules import Rule, set_rate_limit_headers

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings
    from bastion.types import Handler

__all__ = ["DEFAULT_SCOPE", "RateLimitMiddleware"]

DEFAULT_SCOPE = "bastion.default"
"""The scope the default limits count under (one budget per client for the whole site)."""


class RateLimitMiddleware:
    """Apply ``RATELIMIT.default_limits`` to each request, by :attr:`Request.client_ip`.

    The limiter is the application's (``request.app.ratelimiter``). A request over the limit
    gets the 429 page from here, so the layers outside this one still add their headers.

    Args:
        settings: the project's settings; ``default_limits`` are parsed here.
        fail_open: when the storage is down, let requests through (with an error logged).

    Security: the default ``fail_open=True`` keeps the site up when Redis is not, at the
    price of no site-wide limit meanwhile; per-view ``@ratelimit`` limits (login...) fail
    closed on their own. Pass ``fail_open=False`` to answer 503 to everything instead.

    Raises:
        ImproperlyConfigured: a default limit is not a valid limit.
    """

    __slots__ = ("_headers", "_rule")

    def __init__(self, settings: Settings, *, fail_open: bool = True) -> None:
        config = settings.RATELIMIT
        self._rule: Rule | None = None
        if config.default_limits:
            self._rule = Rule.build(config.default_limits, key="ip", fail_open=fail_open)
        self._headers = config.headers

    def __repr__(self) -> str:
        limits = [] if self._rule is None else [str(item) for item in self._rule.limits]
        return f"RateLimitMiddleware({limits!r})"

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        rule = self._rule
        if rule is None or request.view_option(EXEMPT_OPTION) is not None:
            return call_next(request)
        try:
            result = rule.enforce(request, DEFAULT_SCOPE)
        except HTTPException as exc:
            return request.app.errors.response_for_exception(request, exc)  # type: ignore[no-any-return]
        response = call_next(request)
        if result is not None and self._headers:
            set_rate_limit_headers(response.headers, result)
        return response
