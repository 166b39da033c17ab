"""Redirect plain-HTTP requests to HTTPS, trusting only the configured proxy's word for it.

Whether a request is secure is :attr:`bastion.http.request.Request.is_secure`: the scheme the
server saw, or ``X-Forwarded-Proto`` when (and only when) the direct peer is one of
``PROXY.trusted_addresses`` and ``PROXY.trusted_hops`` is set. A client that sends
``X-Forwarded-Proto: https`` itself gains nothing: it is redirected like any plain request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.exceptions import ImproperlyConfigured
from bastion.http.response import RedirectResponse

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings
    from bastion.types import Handler

__all__ = ["HTTPSRedirectMiddleware"]


class HTTPSRedirectMiddleware:
    """Answer a plain-HTTP request with ``308`` to the same URL on ``https://``.

    On with ``SECURITY.ssl_redirect`` (``None``, the default, means on unless ``DEBUG``).
    ``308`` keeps the method and body, so a form posted over HTTP is posted again over HTTPS
    rather than turned into a GET. The target is built from the *validated* host
    (``ALLOWED_HOSTS``) without its port: the plain-HTTP port is never the HTTPS one, and a
    site on a non-default HTTPS port sits behind a proxy that redirects by itself.

    Security: the paths in ``SECURITY.ssl_redirect_exempt`` are served over plain HTTP, where
    anyone on the way can read and change them. Keep them to health probes that carry no
    cookies and no private data.

    Args:
        settings: ``SECURITY`` and ``DEBUG`` are read once, here.

    Raises:
        ImproperlyConfigured: an exempt prefix does not start with ``/``.
    """

    __slots__ = ("_enabled", "_exempt")

    def __init__(self, settings: Settings) -> None:
        config = settings.SECURITY
        enabled = config.ssl_redirect
        self._enabled = not settings.DEBUG if enabled is None else enabled
        for prefix in config.ssl_redirect_exempt:
            if not prefix.startswith("/"):
                raise ImproperlyConfigured(
                    f"SECURITY.ssl_redirect_exempt entries are path prefixes starting with "
                    f"'/', got {prefix!r}."
                )
        self._exempt = config.ssl_redirect_exempt

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        if not self._enabled or request.is_secure or request.path.startswith(self._exempt):
            return call_next(request)
        host = _without_port(request.host)
        # The target is this request's own validated host: allowed by construction (and
        # named here because an IPv6 literal would otherwise be compared with its brackets).
        url = f"https://{host}{request.full_path}"
        return RedirectResponse(url, 308, allowed_hosts=(host.strip("[]"),))


def _without_port(host: str) -> str:
    """``example.com:8080`` → ``example.com``; ``[::1]:8000`` → ``[::1]``; else unchanged."""
    if ":" in host and not host.endswith("]"):
        return host.rsplit(":", 1)[0]
    return host
