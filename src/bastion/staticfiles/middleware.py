"""``StaticFilesMiddleware``: serve static files from the application, for development.

``Bastion`` adds it when ``STATIC.serve`` is on (by default: when DEBUG is). In production
nginx serves ``STATIC.root`` and requests for static files never reach Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.staticfiles.core import StaticFiles
    from bastion.types import Handler

__all__ = ["StaticFilesMiddleware"]


class StaticFilesMiddleware:
    """Answer GET and HEAD requests under ``STATIC.url`` with the file, or 404.

    Other requests pass on untouched (one string comparison). It sits after the security
    layers, so static responses carry the same headers as pages.

    Args:
        static: the application's :class:`~bastion.staticfiles.StaticFiles`.
    """

    __slots__ = ("_prefix", "static")

    def __init__(self, static: StaticFiles) -> None:
        self.static = static
        self._prefix = static.prefix

    def __repr__(self) -> str:
        return f"StaticFilesMiddleware({self.static!r})"

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        """Serve the file, or pass the request on when it is not for a static file."""
        if request.path.startswith(self._prefix):
            response = self.static.serve(request)
            if response is not None:
                return response
        return call_next(request)
