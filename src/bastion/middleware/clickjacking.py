"""Clickjacking protection: ``X-Frame-Options: DENY`` on every response unless a view says.

A page that can be framed by another site can be overlaid with that site's decoys, so a
click meant for the decoy lands on the page underneath (a "delete account" button). Two
headers say who may frame a page: ``X-Frame-Options`` (every browser) and the CSP directive
``frame-ancestors`` (which modern browsers prefer when both are present). This layer sends
the first; :class:`~bastion.middleware.csp.CSPMiddleware` derives the second from the same
setting and the same view option (:func:`frame_ancestors`), so the two always agree.

A view changes it only with a decorator from :mod:`bastion.security.headers`:
``xframe_options_sameorigin``, ``xframe_options_deny`` or
``xframe_options_exempt(reason=...)``. A header the view sets by itself is replaced, so a
view cannot drop the protection by accident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.exceptions import ImproperlyConfigured
from bastion.middleware.security_headers import (
    HeaderSet,
    error_response,
    put_headers,
    view_options,
)
from bastion.security.headers import FRAME_OPTION, FrameOptions

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings
    from bastion.types import Handler

__all__ = ["ClickjackingMiddleware", "agreeing_frame_ancestors", "frame_ancestors"]

_MANAGED = frozenset({"x-frame-options"})
_ANCESTORS: dict[str, tuple[str, ...] | None] = {
    "DENY": ("'none'",),
    "SAMEORIGIN": ("'self'",),
    "EXEMPT": None,
}


def frame_ancestors(mode: str) -> tuple[str, ...] | None:
    """The CSP ``frame-ancestors`` sources that match an ``X-Frame-Options`` mode.

    ``DENY`` → ``'none'``, ``SAMEORIGIN`` → ``'self'``; ``EXEMPT`` → None (no directive).
    """
    return _ANCESTORS[mode]


def agreeing_frame_ancestors(current: tuple[str, ...] | None, mode: str) -> tuple[str, ...]:
    """The site's CSP ``frame-ancestors``, checked against its ``X-Frame-Options`` mode.

    Absent, or ``'none'`` with ``SAMEORIGIN``, it is derived from the mode. Otherwise it must
    say the same (``DENY``: ``'none'``; ``SAMEORIGIN``: include ``'self'``): browsers that
    read ``frame-ancestors`` ignore ``X-Frame-Options``, so a disagreement is a silent hole.

    Raises:
        ImproperlyConfigured: the two disagree.
    """
    derived = frame_ancestors(mode)
    if current is None or current == ("'none'",):
        return derived or ()
    if mode == "SAMEORIGIN" and "'self'" in current:
        return current
    raise ImproperlyConfigured(
        f"CSP.directives frame-ancestors {' '.join(current)!r} disagrees with "
        f"SECURITY.x_frame_options={mode!r}. Set x_frame_options='SAMEORIGIN' with 'self' "
        "among the frame-ancestors, or leave frame-ancestors out to have it derived."
    )


class ClickjackingMiddleware:
    """Send ``X-Frame-Options`` from ``SECURITY.x_frame_options``, or the view's decorator.

    Args:
        settings: ``SECURITY.x_frame_options`` (``DENY`` or ``SAMEORIGIN``) is read once.
    """

    __slots__ = ("_default", "_sets")

    def __init__(self, settings: Settings) -> None:
        self._sets = {
            mode: HeaderSet.build([("X-Frame-Options", mode)], _MANAGED)
            for mode in ("DENY", "SAMEORIGIN")
        }
        self._default = self._sets[settings.SECURITY.x_frame_options.upper()]

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        try:
            response = call_next(request)
        except Exception as exc:
            response = error_response(request, exc)
        options = view_options(request)
        frame: FrameOptions | None = options.get(FRAME_OPTION) if options else None
        if frame is None:
            put_headers(response.headers, self._default)
        elif frame.mode != "EXEMPT":
            put_headers(response.headers, self._sets[frame.mode])
        return response
