"""The view decorators: ``@ratelimit(...)`` to limit a view, ``@ratelimit_exempt`` to opt out.

``ratelimit`` is for the few views an attacker would hammer (login, password reset, sign-up,
an expensive search), with limits chosen for them. The middleware's ``default_limits`` are a
coarse site-wide budget per client; ``ratelimit_exempt`` takes a view out of that budget only,
never out of its own ``@ratelimit`` limits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeVar

from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.ratelimit.keys import KeyFunction
from bastion.ratelimit.rules import Rule
from bastion.viewoptions import set_view_option

__all__ = ["EXEMPT_OPTION", "ratelimit", "ratelimit_exempt"]

EXEMPT_OPTION = "ratelimit_exempt"
"""The view option :func:`ratelimit_exempt` sets: the reason given, read by the middleware."""

V = TypeVar("V", bound=Callable[..., Any])


def ratelimit(
    rate: str | Sequence[str],
    *,
    key: Literal["ip", "user"] | KeyFunction = "ip",
    methods: Iterable[str] | None = None,
    scope: str | None = None,
    strategy: Literal["fixed-window", "moving-window"] | None = None,
    fail_open: bool = False,
) -> Callable[[V], V]:
    """Limit how often a view answers one client; over the limit it answers 429.

    Works on function views and on :class:`~bastion.View` classes (every method handler
    counts, unless ``methods`` narrows it)::

        @ratelimit("5/minute; 20/hour", key="ip", methods=["POST"])
        def login(request): ...

    Args:
        rate: one or more limits, e.g. ``"5/minute"``, ``"10 per hour; 100/day"`` or a list.
        key: who is counted. ``"ip"``: the client address (:attr:`Request.client_ip`, which
            believes ``X-Forwarded-For`` only from trusted proxies; IPv6 by /64). ``"user"``:
            the authenticated ``request.user`` by primary key, anonymous clients by address.
            A function ``key(request) -> str | None``: its value; None falls back to the
            address, so a key function can never switch the limit off.
        methods: count only these HTTP methods (``["POST"]`` for a login form); ``GET``
            includes ``HEAD``, which runs the same view.
        scope: the budget's name. By default the view's qualified name, so two views never
            share a budget; give two views the same scope to make them share one.
        strategy: ``"fixed-window"`` or ``"moving-window"``; default ``RATELIMIT.strategy``.
            A moving window does not allow a burst at window edges but needs Redis or memory.
        fail_open: when the storage is down, let requests through (logged) instead of
            answering 503.

    Security: ``fail_open=True`` means an attacker who can disturb Redis also turns this
    limit off; keep the default (fail closed, 503 and an error log) for login, password
    reset and anything else that guards against guessing.

    Raises:
        ImproperlyConfigured: a limit, key, methods, scope or strategy is invalid (at import).
    """
    rule = Rule.build(
        rate, key=key, methods=methods, scope=scope, strategy=strategy, fail_open=fail_open
    )

    def decorate(view: V) -> V:
        if isinstance(view, type):
            return _limit_class(view, rule)  # type: ignore[return-value]
        return _limit_function(view, rule)

    return decorate


def _qualified_name(view: object) -> str:
    return f"{getattr(view, '__module__', '')}.{getattr(view, '__qualname__', repr(view))}"


def _limit_function(view: V, rule: Rule) -> V:
    scope = rule.scope or _qualified_name(view)

    @functools.wraps(view)
    def limited(request: Request, /, *args: Any, **kwargs: Any) -> Response:
        return rule.run(request, scope, lambda: view(request, *args, **kwargs))

    return limited  # type: ignore[return-value]


def _limit_class(view: type, rule: Rule) -> type:
    dispatch = getattr(view, "dispatch", None)
    if dispatch is None:
        raise ImproperlyConfigured(
            f"@ratelimit decorates function views and View classes; {view.__qualname__} has "
            "no dispatch() method."
        )

    @functools.wraps(dispatch)
    def limited(self: Any, request: Request, /, *args: Any, **kwargs: Any) -> Response:
        # Each concrete class counts on its own: a subclass of a limited view is another view.
        scope = rule.scope or _qualified_name(type(self))
        return rule.run(request, scope, lambda: dispatch(self, request, *args, **kwargs))

    view.dispatch = limited  # type: ignore[attr-defined]
    return view


def ratelimit_exempt(*, reason: str) -> Callable[[V], V]:
    """Take a view out of the middleware's site-wide ``default_limits``.

    For endpoints that legitimately see many requests from one address: health probes from
    the load balancer, a webhook receiver behind a provider's few egress IPs. The view's own
    ``@ratelimit`` limits still apply.

    Security: the view can then be requested without any per-client budget, so an expensive
    exempt view is a denial-of-service lever. ``reason`` is required and kept on the view,
    so that every exemption can be found (grep ``ratelimit_exempt``) and justified.

    Raises:
        ImproperlyConfigured: ``reason`` is empty.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ImproperlyConfigured(
            "ratelimit_exempt needs a reason: @ratelimit_exempt(reason='load balancer probe')."
        )
    explanation = reason.strip()

    def decorate(view: V) -> V:
        set_view_option(view, EXEMPT_OPTION, explanation)
        return view

    return decorate
