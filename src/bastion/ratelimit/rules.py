"""Enforcing limits on a request: who is counted, what a refusal and an outage look like.

Shared by the :func:`~bastion.ratelimit.ratelimit` decorator and the middleware, so both
answer the same way: 429 with ``Retry-After`` when over a limit, ``RateLimit-*`` headers
(``Limit``, ``Remaining``, ``Reset`` in seconds) when ``RATELIMIT.headers`` is on, and a
storage outage handled by the rule's fail-open or fail-closed policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bastion.exceptions import ImproperlyConfigured
from bastion.http.exceptions import HTTPException, TooManyRequests
from bastion.http.response import Response
from bastion.ratelimit._storage import STRATEGY_NAMES
from bastion.ratelimit.keys import KeySpec, check_key, request_key
from bastion.ratelimit.limiter import RateLimitStorageError, parse_limits

if TYPE_CHECKING:
    from limits import RateLimitItem

    from bastion.http.headers import Headers
    from bastion.http.request import Request
    from bastion.ratelimit.limiter import LimitSpec, RateLimiter, RateLimitResult

__all__ = ["RateLimitUnavailable", "Rule", "rate_limit_headers", "set_rate_limit_headers"]

logger = logging.getLogger("bastion.ratelimit")


class RateLimitUnavailable(HTTPException):
    """503: a fail-closed limit could not be checked because its storage is down."""

    status_code = 503
    title = "Service Unavailable"
    default_detail = "This action is temporarily unavailable. Please try again in a minute."


def rate_limit_headers(result: RateLimitResult) -> dict[str, str]:
    """The ``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset`` headers."""
    return {
        "RateLimit-Limit": str(result.limit),
        "RateLimit-Remaining": str(result.remaining),
        "RateLimit-Reset": str(result.reset_after),
    }


def set_rate_limit_headers(headers: Headers, result: RateLimitResult) -> None:
    """Describe ``result`` in ``headers``, unless they already describe a tighter limit.

    A view limit and the site-wide limit can both apply; the client is told about the one
    with the least budget left, as a client can only act on that one.
    """
    current = headers.get("RateLimit-Remaining")
    if current is not None and current.isdigit() and int(current) <= result.remaining:
        return
    for name, value in rate_limit_headers(result).items():
        headers[name] = value


@dataclass(frozen=True, slots=True)
class Rule:
    """Limits, who they count, on which methods, and the policy when storage is down.

    Build it with :meth:`build`, which validates everything at import time so a typo in a
    decorator fails when the project starts, not on the first request.
    """

    limits: tuple[RateLimitItem, ...]
    key: KeySpec
    methods: frozenset[str] | None
    scope: str | None
    strategy: str | None
    fail_open: bool

    @classmethod
    def build(
        cls,
        rate: LimitSpec,
        *,
        key: object = "ip",
        methods: Iterable[str] | None = None,
        scope: str | None = None,
        strategy: str | None = None,
        fail_open: bool = False,
    ) -> Rule:
        """A validated rule.

        Raises:
            ImproperlyConfigured: a limit, the key, the methods, scope or strategy is invalid.
        """
        if isinstance(methods, str):
            raise ImproperlyConfigured(
                f"methods={methods!r} must be a list of method names, e.g. methods=['POST']."
            )
        if scope is not None and not (isinstance(scope, str) and scope.strip()):
            raise ImproperlyConfigured("scope= must be a non-empty string (or left out).")
        if strategy is not None and strategy not in STRATEGY_NAMES:
            raise ImproperlyConfigured(
                f"strategy={strategy!r} is unknown; use 'fixed-window' or 'moving-window'."
            )
        return cls(
            limits=parse_limits(rate),
            key=check_key(key),
            methods=None if methods is None else _counted_methods(methods),
            scope=scope,
            strategy=strategy,
            fail_open=fail_open,
        )

    def applies_to(self, request: Request) -> bool:
        """Whether this rule counts ``request`` (its method is one of ``methods``)."""
        return self.methods is None or request.method.upper() in self.methods

    def enforce(self, request: Request, scope: str) -> RateLimitResult | None:
        """Count ``request`` under ``scope``; None when not counted (method, fail-open outage).

        Raises:
            TooManyRequests: a limit is exceeded (429 with ``Retry-After``).
            RateLimitUnavailable: the storage is down and the rule fails closed (503).
        """
        if not self.applies_to(request):
            return None
        limiter: RateLimiter = request.app.ratelimiter
        identity = request_key(request, self.key)
        try:
            result = limiter.hit(self.limits, scope, identity, strategy=self.strategy)
        except RateLimitStorageError as exc:
            logger.error(
                "Rate limit %r not checked for %s %s (%s); the request is %s.",
                scope,
                request.method,
                request.path,
                exc,
                "allowed (fail_open)" if self.fail_open else "refused with 503",
            )
            if self.fail_open:
                return None
            raise RateLimitUnavailable() from exc
        if result.allowed:
            return result
        logger.info("Rate limit %r exceeded by %s on %s", scope, identity, request.path)
        refusal = TooManyRequests(
            retry_after=result.retry_after,
            detail=f"Too many requests. Try again in {result.retry_after} seconds.",
        )
        if limiter.config.headers:
            refusal.headers.update(rate_limit_headers(result))
        raise refusal

    def run(self, request: Request, scope: str, call: Callable[[], Response]) -> Response:
        """Enforce, then call the view and describe the budget left in its response."""
        result = self.enforce(request, scope)
        response = call()
        if (
            result is not None
            and isinstance(response, Response)
            and request.app.ratelimiter.config.headers
        ):
            set_rate_limit_headers(response.headers, result)
        return response


def _counted_methods(methods: Iterable[str]) -> frozenset[str]:
    counted = {method.upper() for method in methods}
    if not counted:
        raise ImproperlyConfigured(
            "methods=[] would count nothing; leave methods out to count every method."
        )
    if "GET" in counted:
        # HEAD runs the GET view (the body is dropped), so it must not be a free way in.
        counted.add("HEAD")
    return frozenset(counted)
