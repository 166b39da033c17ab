"""The security headers of answers given outside the middleware chain.

A request for a host the site does not serve, or one that cannot be parsed, is refused
before the header layers run (they wrap the views, not the validation in front of them).
Such an answer still carries the headers every other response has, in a fixed form that
reads nothing from the request: the page is a short error message, so it may load nothing
and be framed by no one. ``Strict-Transport-Security`` is never sent: for a Host the site
does not serve, the host is not ours to pin to HTTPS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from bastion.http.headers import check_header
from bastion.security.headers import check_site_policies, site_header_pairs

if TYPE_CHECKING:
    from bastion.http.headers import Headers
    from bastion.settings import SecurityConfig

__all__ = ["EARLY_CSP", "EarlyHeaders"]

EARLY_CSP: Final = "default-src 'none'; frame-ancestors 'none'"
"""The policy of an early error page: it needs no script, style, image or frame."""

# Replaced whatever the response held (a project's error page hook may set some of them);
# HSTS is dropped and never added.
_OWNED: Final = frozenset(
    {
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "content-security-policy",
        "cache-control",
        "cross-origin-opener-policy",
        "cross-origin-resource-policy",
        "permissions-policy",
        "strict-transport-security",
    }
)


class EarlyHeaders:
    """The headers of early error answers, built and checked once from ``SECURITY``.

    Args:
        config: the site's ``SECURITY`` settings: ``Referrer-Policy``, the
            ``Cross-Origin-*`` policies and ``Permissions-Policy`` follow it ("" omits one).

    Raises:
        ImproperlyConfigured: a value is not one its header allows.
    """

    __slots__ = ("_names", "_pairs")

    def __init__(self, config: SecurityConfig) -> None:
        check_site_policies(config)
        # The site's policies, then the fixed ones; nosniff always, even if the site has it off.
        site = [(n, v) for n, v in site_header_pairs(config) if n != "X-Content-Type-Options"]
        pairs = (
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Content-Security-Policy", EARLY_CSP),
            ("Cache-Control", "no-store"),
            *site,
        )
        for name, value in pairs:
            check_header(name, value)
        self._pairs = pairs
        self._names = frozenset(name.lower() for name, _ in pairs)

    def apply(self, headers: Headers) -> None:
        """Put the headers on ``headers``, replacing their values there and dropping HSTS."""
        headers.discard(_OWNED)
        headers.extend_trusted(self._pairs, self._names)
