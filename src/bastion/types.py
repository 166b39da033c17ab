"""Shared type aliases and protocols: the shapes that modules agree on.

Kept in one small module (as ``starlette/types.py`` does) so that a reader learns the whole
vocabulary of callables in one place and no module imports another only for a type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response

__all__ = [
    "ExcInfo",
    "Handler",
    "Middleware",
    "StartResponse",
    "View",
    "WSGIApp",
    "WSGIEnviron",
]

WSGIEnviron: TypeAlias = dict[str, Any]
ExcInfo: TypeAlias = tuple[type[BaseException], BaseException, TracebackType | None]
StartResponse: TypeAlias = Callable[..., Callable[[bytes], object]]
WSGIApp: TypeAlias = Callable[[WSGIEnviron, StartResponse], Iterable[bytes]]

Handler: TypeAlias = "Callable[[Request], Response]"
"""What a middleware calls to pass the request on: ``call_next(request) -> Response``."""

View: TypeAlias = "Callable[..., Response]"
"""A view: ``view(request, **path_params) -> Response``."""


class Middleware(Protocol):
    """One layer of the chain: look at the request, call the rest, look at the response.

    A middleware validates its configuration in ``__init__`` and keeps no per-request state on
    ``self``; it may answer by itself (short-circuit) by returning a response without calling
    ``call_next``.
    """

    def __call__(self, request: Request, call_next: Handler, /) -> Response: ...
