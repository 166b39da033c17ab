"""Cross-site request forgery protection, in three layers, on every unsafe request.

A request whose method is not GET, HEAD, OPTIONS or TRACE (an unknown method counts as unsafe)
must show that it comes from this site's own pages:

1. **Fetch Metadata.** Browsers since 2023 send ``Sec-Fetch-Site``, which no page can forge.
   ``same-origin`` passes; ``cross-site``, and ``same-site`` unless ``CSRF.allow_same_site``,
   are refused unless the ``Origin`` is one of ``CSRF.trusted_origins``.
2. **Origin.** Without Fetch Metadata (or with ``none``), an ``Origin`` header must equal this
   request's own origin (scheme, validated host and port) or a trusted origin; ``null`` never
   passes.
3. **Token.** When the browser sent neither header (an old browser, a privacy proxy), the
   request must carry a masked token (form field ``CSRF.field_name`` or header
   ``CSRF.header_name``) that matches this client's secret (:mod:`bastion.security.csrf`).

``Referer`` is never consulted: browsers and proxies strip or truncate it, and the Origin
header gives the same answer where it exists. Refusals answer 403 (with the reason when
DEBUG) and are logged to ``bastion.security.csrf`` without token values.
"""

from __future__ import annotations

import hmac
import logging
import re
from typing import TYPE_CHECKING

from bastion.exceptions import ImproperlyConfigured
from bastion.security.csrf import EXEMPT_OPTION, CSRFSecret, unmask_token

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.http.response import Response
    from bastion.settings import Settings
    from bastion.types import Handler

__all__ = ["GENERIC_DETAIL", "SAFE_METHODS", "CSRFMiddleware"]

logger = logging.getLogger("bastion.security.csrf")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods that must not change state, and so are never checked. Any other method is."""
GENERIC_DETAIL = "The request was refused by the CSRF check."
"""What the 403 page says when DEBUG is off (the reason goes to the log only)."""

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_TOKEN_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


class CSRFMiddleware:
    """Refuse unsafe requests that other sites could have made; hand out form tokens.

    Every request gets ``request.csrf_token_factory`` (used by the ``csrf_input()`` and
    ``csrf_token()`` template globals); a secret is only read or made when one is asked for,
    and a cookie is only sent when a new secret was made. Views marked
    :func:`~bastion.security.csrf.csrf_exempt` are not checked.

    Args:
        settings: ``CSRF`` and ``DEBUG`` are read once, here.

    Raises:
        ImproperlyConfigured: a cookie, header or field name cannot be sent, the cookie name
            carries its own ``__Host-`` prefix, or the cookie lifetime is not a positive
            number of seconds.
    """

    __slots__ = (
        "_allow_same_site",
        "_debug",
        "_field",
        "_header",
        "_max_age",
        "_store",
        "_trusted",
    )

    def __init__(self, settings: Settings) -> None:
        config = settings.CSRF
        for label, name in (
            ("cookie_name", config.cookie_name),
            ("header_name", config.header_name),
        ):
            if not _TOKEN_NAME.fullmatch(name):
                raise ImproperlyConfigured(f"CSRF.{label} {name!r} is not a valid HTTP token.")
        if config.cookie_name.lower().startswith(("__host-", "__secure-")):
            raise ImproperlyConfigured(
                f"CSRF.cookie_name {config.cookie_name!r}: leave the prefix out; '__Host-' is "
                "added automatically over HTTPS."
            )
        if not config.field_name:
            raise ImproperlyConfigured("CSRF.field_name must not be empty.")
        max_age = config.cookie_max_age
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age <= 0:
            raise ImproperlyConfigured("CSRF.cookie_max_age must be a positive number of seconds.")
        self._store = None if config.use_session else config.cookie_name
        self._field = config.field_name
        self._header = config.header_name
        self._trusted = frozenset(_normalize_origin(o) for o in config.trusted_origins)
        self._allow_same_site = config.allow_same_site
        self._max_age = max_age
        self._debug = settings.DEBUG

    def __repr__(self) -> str:
        store = "session" if self._store is None else f"cookie {self._store!r}"
        return f"<CSRFMiddleware {store} trusted={sorted(self._trusted)}>"

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        secret = CSRFSecret(request, self._store)
        request.csrf_token_factory = secret
        if request.method in SAFE_METHODS or request.view_option(EXEMPT_OPTION):
            response = call_next(request)
        else:
            problem = self._problem(request, secret)
            response = call_next(request) if problem is None else self._refuse(request, problem)
        if secret.rendered or secret.issued is not None:
            self._finish(request, response, secret)
        return response

    # -- the three layers --------------------------------------------------------------------

    def _problem(self, request: Request, secret: CSRFSecret) -> str | None:
        """Why ``request`` must be refused, in words for a developer; None to let it through."""
        headers = request.headers
        site = headers.get("sec-fetch-site")
        origin = headers.get("origin")
        # "none" (typed URL, bookmark) has no initiating site to judge, so it goes on to the
        # Origin and token layers instead of passing outright: see docs/csrf.md.
        if site is not None and site != "none":
            if site == "same-origin" or (site == "same-site" and self._allow_same_site):
                return None
            if origin is not None and origin in self._trusted:
                return None
            return _fetch_metadata_problem(site, origin)
        if origin is not None:
            return self._origin_problem(request, origin)
        return self._token_problem(request, secret)

    def _origin_problem(self, request: Request, origin: str) -> str | None:
        own = _own_origin(request)
        if origin == own or origin in self._trusted:
            return None
        if origin == "null":
            return (
                "the Origin is 'null' (a sandboxed frame, a data: or file: page, or a redirect "
                "across sites), which can never be trusted."
            )
        return (
            f"the Origin {_show(origin)} is not this site's origin {own} "
            "(nor one of CSRF.trusted_origins)."
        )

    def _token_problem(self, request: Request, secret: CSRFSecret) -> str | None:
        stored = secret.stored()
        if stored is None:
            where = "the session" if self._store is None else f"cookie {secret.cookie_name!r}"
            return (
                "the browser sent neither Sec-Fetch-Site nor Origin, so a token is required, "
                f"but it holds no CSRF secret ({where}). The form was not rendered by this "
                "site for this browser, the session expired, or cookies are blocked."
            )
        token = request.headers.get(self._header)
        if token is None and request.content_type[0] in _FORM_TYPES:
            token = request.form.get(self._field)
        if not token:
            return (
                f"the browser sent neither Sec-Fetch-Site nor Origin, and the request has no "
                f"CSRF token (form field {self._field!r} or header {self._header!r}). "
                "Put {{ csrf_input() }} inside the <form>."
            )
        unmasked = unmask_token(token)
        if unmasked is None:
            return "the CSRF token is malformed (truncated or altered)."
        if not hmac.compare_digest(unmasked, stored):
            return (
                "the CSRF token does not match this browser's secret: it was issued to another "
                "browser or session, or before the secret was rotated at login."
            )
        return None

    # -- answering ---------------------------------------------------------------------------

    def _refuse(self, request: Request, reason: str) -> Response:
        logger.warning(
            "CSRF check failed: %s [%s %r]",
            reason,
            request.method,
            request.path,
            extra={"status_code": 403},
        )
        detail = f"CSRF check failed: {reason}" if self._debug else GENERIC_DETAIL
        response: Response = request.app.errors.render(request, 403, "Forbidden", detail)
        return response

    def _finish(self, request: Request, response: Response, secret: CSRFSecret) -> None:
        """Send a newly made secret, and say that a page with a token depends on the cookie."""
        if secret.issued is not None:
            response.set_cookie(
                secret.cookie_name,
                secret.issued,
                max_age=self._max_age,
                path="/",
                secure=request.is_secure or not self._debug,
                httponly=True,
                samesite="Lax",
            )
        if secret.rendered:
            _vary_on_cookie(response)


def _vary_on_cookie(response: Response) -> None:
    """Add ``Cookie`` to ``Vary`` unless it (or ``*``) is already there."""
    for value in response.headers.getlist("Vary"):
        for token in value.split(","):
            if token.strip().lower() in ("cookie", "*"):
                return
    response.headers.add("Vary", "Cookie")


def _fetch_metadata_problem(site: str, origin: str | None) -> str:
    if site == "cross-site":
        return (
            f"the browser says the request came from another site (Sec-Fetch-Site: cross-site, "
            f"Origin {_show(origin)}), which is not one of CSRF.trusted_origins."
        )
    if site == "same-site":
        return (
            f"the request came from a sibling subdomain (Sec-Fetch-Site: same-site, Origin "
            f"{_show(origin)}). If that site is trusted, add its origin to CSRF.trusted_origins "
            "or set CSRF.allow_same_site=True."
        )
    return f"Sec-Fetch-Site has the unknown value {_show(site)}."


def _own_origin(request: Request) -> str:
    """``request.origin`` as a browser writes it: without the scheme's default port."""
    return _normalize_origin(request.origin)


def _normalize_origin(origin: str) -> str:
    """``origin`` lower-cased and without its scheme's default port (``https://a:443``)."""
    origin = origin.lower()
    return origin.removesuffix(_DEFAULT_PORTS[origin.partition(":")[0]])


def _show(value: str | None) -> str:
    """A header value fit for a message and a log line: short, and quoted if odd."""
    if value is None:
        return "(none)"
    value = value[:100]
    return value if value.isprintable() and " " not in value else repr(value)
