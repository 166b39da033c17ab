"""Security headers on every response: HSTS, nosniff, Referrer-Policy, COOP, CORP and a
deny-by-default Permissions-Policy.

The values are checked and built into strings once, when the application starts; a response
then costs a set check and a list extend. The layer *owns* its headers: a value a view (or a
later middleware) set by accident is replaced, so a stray ``Referrer-Policy: unsafe-url``
never goes out. A view that needs other values says so with
:func:`~bastion.security.headers.security_headers`, which is greppable.

The helpers :func:`put_headers`, :func:`view_options` and :func:`error_response` are shared
with the CSP and clickjacking layers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bastion.exceptions import ImproperlyConfigured
from bastion.http.headers import check_header
from bastion.security.headers import (
    HEADERS_OPTION,
    HeaderOptions,
    check_site_policies,
    site_header_pairs,
)
from bastion.viewoptions import OPTIONS_ATTRIBUTE

if TYPE_CHECKING:
    from bastion.handlers.errors import ErrorRenderer
    from bastion.http.headers import Headers
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import SecurityConfig, Settings
    from bastion.types import Handler

__all__ = [
    "HeaderSet",
    "SecurityHeadersMiddleware",
    "error_response",
    "put_headers",
    "view_options",
]

_PRELOAD_MIN_SECONDS = 365 * 24 * 3600  # what the preload list requires
_MANAGED = frozenset(
    {
        "strict-transport-security",
        "x-content-type-options",
        "referrer-policy",
        "cross-origin-opener-policy",
        "cross-origin-resource-policy",
        "permissions-policy",
    }
)


@dataclass(frozen=True, slots=True)
class HeaderSet:
    """Headers built at start-up: checked once, so they are appended without re-checking."""

    pairs: tuple[tuple[str, str], ...]
    names: frozenset[str]
    """The lower-case names of ``pairs``."""
    replaces: frozenset[str]
    """Lower-case names the layer owns: any other value of them is dropped."""
    watch: frozenset[str]
    """``names | replaces``: a response with none of them takes the fast path."""
    exact: frozenset[tuple[str, str]]
    """``pairs`` as a set: identical copies (a replayed cached response) are dropped."""

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]], replaces: frozenset[str]) -> HeaderSet:
        """Check every header (no CR, LF or NUL; latin-1) and keep them.

        Raises:
            BadHeaderError: a value could split the response.
        """
        pairs = tuple(pairs)
        for name, value in pairs:
            check_header(name, value)
        names = frozenset(name.lower() for name, _ in pairs)
        return cls(pairs, names, replaces, names | replaces, frozenset(pairs))


def put_headers(
    headers: Headers, header_set: HeaderSet, pairs: tuple[tuple[str, str], ...] | None = None
) -> None:
    """Add ``header_set`` to ``headers``, dropping other values of the names it replaces.

    A header of a replaced name set earlier (by the view) is removed, so the layer's value is
    the only one sent; for the other names (``Reporting-Endpoints``, which a view may use for
    its own endpoints) only an identical copy is removed, as in a response replayed from a
    cache. ``pairs`` sends other values of the same headers (a policy with its nonce).

    The values were checked when the set was built, so they are appended without checking
    them again (:meth:`Headers.extend_trusted`).
    """
    if headers.has_any(header_set.watch):
        headers.discard(header_set.replaces, header_set.exact)
    headers.extend_trusted(header_set.pairs if pairs is None else pairs, header_set.names)


def view_options(request: Request) -> Mapping[str, Any] | None:
    """The options of the view answering ``request`` (None for none, or no view).

    One attribute read instead of one :meth:`~bastion.http.request.Request.view_option` call
    per name: the header layers run on every response.
    """
    match = request.match
    if match is None:
        return None
    options: Mapping[str, Any] | None = getattr(match.view, OPTIONS_ATTRIBUTE, None)
    return options


def error_response(request: Request, exc: Exception) -> Response:
    """Turn an exception raised further in (by a later middleware) into its error page.

    Done here, and not only at the top of the application, so that the page comes back
    through the header layers like any response (a 500 from a session store that is down
    still carries ``X-Frame-Options`` and the CSP). Without an application (a layer called
    on its own) the exception propagates.
    """
    errors: ErrorRenderer | None = getattr(request.app, "errors", None)
    if errors is None:
        raise exc
    return errors.response_for_exception(request, exc)


class SecurityHeadersMiddleware:
    """Add HSTS (HTTPS only), nosniff, Referrer-Policy, COOP, CORP and Permissions-Policy.

    Args:
        settings: ``SECURITY`` is read once, here.

    Raises:
        ImproperlyConfigured: a value is not one its header allows, or HSTS ``preload`` is
            asked without ``includeSubDomains`` and a max-age of a year (the preload list
            refuses such sites, and browsers would keep the shorter policy).
    """

    __slots__ = ("_cache", "_config", "_default", "_hsts")

    def __init__(self, settings: Settings) -> None:
        config = settings.SECURITY
        check_site_policies(config)
        self._config = config
        self._hsts = _hsts_value(config)
        self._default = self._compile(None)
        self._cache: dict[HeaderOptions, tuple[HeaderSet, HeaderSet]] = {}

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        try:
            response = call_next(request)
        except Exception as exc:
            response = error_response(request, exc)
        options = view_options(request)
        view = options.get(HEADERS_OPTION) if options else None
        plain, secure = self._default if view is None else self._for_view(view)
        put_headers(response.headers, secure if request.is_secure else plain)
        return response

    def _for_view(self, view: HeaderOptions) -> tuple[HeaderSet, HeaderSet]:
        sets = self._cache.get(view)
        if sets is None:  # one entry per distinct decorator value: bounded by the code
            sets = self._cache[view] = self._compile(view)
        return sets

    def _compile(self, view: HeaderOptions | None) -> tuple[HeaderSet, HeaderSet]:
        """The headers for plain HTTP and for HTTPS, with ``view``'s values over the site's."""
        pairs = site_header_pairs(self._config, view)
        plain = HeaderSet.build(pairs, _MANAGED)
        if not self._hsts:
            return plain, plain
        return plain, HeaderSet.build([("Strict-Transport-Security", self._hsts), *pairs], _MANAGED)


def _hsts_value(config: SecurityConfig) -> str:
    seconds = config.hsts_seconds
    if not seconds:
        return ""
    if config.hsts_preload and (
        not config.hsts_include_subdomains or seconds < _PRELOAD_MIN_SECONDS
    ):
        raise ImproperlyConfigured(
            "SECURITY.hsts_preload needs hsts_include_subdomains=True and hsts_seconds of at "
            f"least {_PRELOAD_MIN_SECONDS} (one year); the preload list refuses anything less."
        )
    value = f"max-age={seconds}"
    if config.hsts_include_subdomains:
        value += "; includeSubDomains"
    if config.hsts_preload:
        value += "; preload"
    return value
