"""The protocol-independent path of a request: middleware chain, router, view, finishing.

Adapters (WSGI today, ASGI next) build a :class:`~bastion.http.request.Request`, call
:meth:`bastion.Bastion.handle`, and write out the response; everything in between is here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote

from bastion.exceptions import DisallowedRedirect
from bastion.http.exceptions import HTTPException
from bastion.http.hosts import split_host
from bastion.http.response import RedirectResponse, Response

if TYPE_CHECKING:
    from bastion.handlers.errors import ErrorRenderer
    from bastion.http.request import Request
    from bastion.routing import Router
    from bastion.types import Handler, Middleware

__all__ = ["Dispatcher", "build_chain", "check_redirect", "resolve"]

_SAFE_PATH = "/:@!$&'()*+,;=-._~%"


def build_chain(layers: Sequence[Middleware], endpoint: Handler) -> Handler:
    """Compose ``layers`` (outermost first) around ``endpoint`` once, at start-up."""
    handler = endpoint
    for layer in reversed(layers):
        handler = _bind(layer, handler)
    return handler


def _bind(layer: Middleware, call_next: Handler) -> Handler:
    def handle(request: Request) -> Response:
        return layer(request, call_next)

    handle.__qualname__ = f"{type(layer).__name__}.handle"
    return handle


class Dispatcher:
    """The innermost handler: route, call the view, turn its exceptions into responses.

    Converting here (and not only at the top) means error pages still pass back through the
    middleware, so they get the same security headers as any page.
    """

    __slots__ = ("errors", "router")

    def __init__(self, router: Router, errors: ErrorRenderer) -> None:
        self.router = router
        self.errors = errors

    def __call__(self, request: Request) -> Response:
        try:
            match = request.match
            if match is None:
                if request.routing_error is not None:
                    raise request.routing_error
                match = self.router.match(request.method, request.path)
            view = match.view
            if view is None:  # the trailing-slash policy: redirect, keeping the method
                location = quote(request.root_path, safe=_SAFE_PATH) + (match.redirect or "/")
                if request.query_string:
                    location = f"{location}?{request.query_string.decode('latin-1')}"
                return RedirectResponse(location, 308)
            request.route_name = match.name
            request.path_params = match.params
            response = view(request, **match.params)
            if not isinstance(response, Response):
                view_name = getattr(view, "__qualname__", repr(view))
                raise TypeError(
                    f"The view {view_name} returned {type(response).__name__} instead of a "
                    "Response. Return a Response (or render(...)) from every code path."
                )
        except Exception as exc:
            return self.errors.response_for_exception(request, exc)
        return response


def resolve(router: Router, request: Request) -> None:
    """Match the route before the middleware runs, so layers can read the view's options.

    A routing failure (404, 405) is kept on the request and raised by the dispatcher, inside
    the chain, so that the error page passes through every layer like any response.
    """
    try:
        request.match = router.match(request.method, request.path)
    except HTTPException as exc:
        request.routing_error = exc


def check_redirect(request: Request, response: RedirectResponse, allowed: Sequence[str]) -> None:
    """Refuse a redirect that leaves for a host that is neither this site nor allowed.

    Raises:
        DisallowedRedirect: the target host is not allowed.
    """
    target = response.target_host
    if target is None or target in response.allowed_hosts:
        return
    if target in (h.lower() for h in allowed):
        return
    own = split_host(request.host)
    if own is not None and own[0].strip("[]") == target.strip("[]"):  # IPv6 literals
        return
    raise DisallowedRedirect(
        f"Refusing to redirect to host {target!r}. Add it to ALLOWED_REDIRECT_HOSTS or pass "
        "allowed_hosts= to the RedirectResponse if it is trusted."
    )
