"""Host header validation: the first layer, before any other work is done.

A request for a host the site does not serve is answered with 400. This stops DNS-rebinding
attacks on a development server and cache poisoning or password-reset links built from a
forged Host.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.types import Handler

__all__ = ["HostValidationMiddleware"]


class HostValidationMiddleware:
    """Refuse requests whose Host is not in ``ALLOWED_HOSTS`` (400, logged as security)."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        request.host  # noqa: B018 - validating raises DisallowedHost
        return call_next(request)
