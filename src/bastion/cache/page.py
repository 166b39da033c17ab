"""Per-view caching: ``@cache_page(600)`` keeps a view's GET responses in ``request.app.cache``.

A response is stored under its full URL (scheme, host, path and query) plus the values of
the request headers its ``Vary`` names. As Django's ``learn_cache_key`` does, the list of
those header names is stored per URL first, so a later request knows which of its headers
to look up. A page that read the session (``Vary: Cookie``) is therefore only ever served
again to a request with the same ``Cookie`` header.

The response is stored when it is *closed*, after the body is sent, that is after every
middleware has had its say: the session layer adds ``Vary: Cookie`` and the CSRF layer sets
its cookie on the way out, both after the view returned. Judging the view's response alone
would store a page before learning that it belongs to one user.

Never stored: anything but a 200 to GET; a response that sets a cookie, has
``Cache-Control: private``, ``no-store``, ``no-cache`` or ``max-age=0``, ``Vary: *``, a
streamed body, or a CSP nonce (a page replayed with an old nonce would break or weaken
CSP); any request that carries ``Authorization``. HEAD requests are answered from stored
GET responses but do not store (a view may leave a HEAD body empty).

Decisions, written down:

* A request's own ``Cache-Control: no-cache`` is ignored, as Django and most reverse proxies
  ignore it by default: this cache protects the server, and honouring the header would let
  any client bypass it at will.
* ``Cache-Control: max-age=<timeout>`` is added when the response has no ``Cache-Control``
  and would be stored; no ``Expires`` (``max-age`` wins over it for every HTTP/1.1 client).
  A response served from the cache carries ``Age``, so clients count from when it was made.
* When the cache server is down, the view runs uncached and a warning is logged to
  ``bastion.cache``: a cache outage slows pages down, it does not take them down.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bastion.cache.exceptions import CacheUnavailable
from bastion.exceptions import ImproperlyConfigured
from bastion.http.headers import Headers
from bastion.http.response import Response

if TYPE_CHECKING:
    from bastion.cache.backends.base import Cache
    from bastion.http.request import Request

__all__ = ["cache_page"]

logger = logging.getLogger("bastion.cache")

V = TypeVar("V", bound=Callable[..., Response])

_METHODS = frozenset({"GET", "HEAD"})
_NOT_SHARED = frozenset({"private", "no-store", "no-cache"})
_PREFIX = re.compile(r"[A-Za-z0-9_.\-]{0,64}")
_CSP_HEADERS = ("Content-Security-Policy", "Content-Security-Policy-Report-Only")


def cache_page(timeout: int, *, key_prefix: str = "") -> Callable[[V], V]:
    """Cache a function view's GET responses for ``timeout`` seconds.

    Use it on function views, or on ``View.as_view()`` results
    (``path("", cache_page(60)(Home.as_view()))``). See the module docstring for what is
    never stored.

    Args:
        timeout: the longest an entry lives, in seconds; a shorter ``max-age`` (or
            ``s-maxage``) in the response's ``Cache-Control`` wins.
        key_prefix: separates the entries of views that share URLs (at most 64 letters,
            digits, ``_``, ``.`` or ``-``).

    Raises:
        ImproperlyConfigured: the timeout is not a positive int, or the prefix is unusable.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ImproperlyConfigured(f"cache_page() needs a positive int timeout, got {timeout!r}.")
    if not isinstance(key_prefix, str) or not _PREFIX.fullmatch(key_prefix):
        raise ImproperlyConfigured(
            f"cache_page() key_prefix {key_prefix!r} must be at most 64 letters, digits, "
            "'_', '.' or '-'."
        )

    def decorate(view: V) -> V:
        @functools.wraps(view)
        def cached_view(request: Request, /, *args: Any, **kwargs: Any) -> Response:
            cache: Cache | None = getattr(request.app, "cache", None)
            if (
                cache is None
                or request.method not in _METHODS
                or "authorization" in request.headers
            ):
                return view(request, *args, **kwargs)
            page = _Page(cache, request, key_prefix)
            hit = page.fetch()
            if hit is not None:
                return hit
            response = view(request, *args, **kwargs)
            if _lifetime(response, timeout):
                response.headers.setdefault("Cache-Control", f"max-age={timeout}")
                if request.method == "GET":
                    page.store_when_closed(response, timeout)
            return response

        return cast("V", cached_view)

    return decorate


def _directives(response: Response) -> dict[str, str]:
    """The response's ``Cache-Control`` directives, names lower-cased."""
    found: dict[str, str] = {}
    for header in response.headers.getlist("Cache-Control"):
        for part in header.split(","):
            name, _, value = part.partition("=")
            found[name.strip().lower()] = value.strip().strip('"')
    return found


def _vary_names(response: Response) -> list[str]:
    """The header names ``Vary`` lists, lower-cased, sorted, without repeats."""
    names = {
        name.strip().lower()
        for header in response.headers.getlist("Vary")
        for name in header.split(",")
    }
    names.discard("")
    return sorted(names)


def _lifetime(response: Response, timeout: int) -> int:
    """Seconds ``response`` may be kept by a shared cache, at most ``timeout``; 0 for never."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return 0
    if response.headers.get("Set-Cookie") is not None or "*" in _vary_names(response):
        return 0
    for csp in _CSP_HEADERS:  # every value: a response may carry several policies
        if any("'nonce-" in value for value in response.headers.getlist(csp)):
            return 0
    directives = _directives(response)
    if not _NOT_SHARED.isdisjoint(directives):
        return 0
    age = directives.get("s-maxage", directives.get("max-age"))
    if age is None:
        return timeout
    return min(timeout, int(age)) if age.isascii() and age.isdigit() else 0


class _Page:
    """The cache entries of one URL: the ``Vary`` header list, and the responses."""

    __slots__ = ("cache", "names_key", "prefix", "request", "url")

    def __init__(self, cache: Cache, request: Request, prefix: str) -> None:
        self.cache = cache
        self.request = request
        self.prefix = prefix
        self.url = request.build_absolute_uri()
        self.names_key = f"page:{prefix}:vary:{_digest(self.url)}"

    def response_key(self, names: list[str]) -> str:
        """The key of the response for this URL and this request's values of ``names``."""
        headers = self.request.headers
        material = json.dumps([self.url, [[name, headers.get(name)] for name in names]])
        return f"page:{self.prefix}:{_digest(material)}"

    def fetch(self) -> Response | None:
        """The stored response for this request, or None."""
        try:
            names = self.cache.get(self.names_key)
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                return None
            entry = self.cache.get(self.response_key(names))
        except CacheUnavailable as exc:
            logger.warning("cache_page answers %s uncached: %s", self.url, exc)
            return None
        return None if entry is None else _revive(entry, self.url)

    def store_when_closed(self, response: Response, timeout: int) -> None:
        """Store ``response`` once it is closed, if it is still fit to share then."""
        headers = [(n, v) for n, v in response.headers.items() if n.lower() != "vary"]
        body = response.body

        def store() -> None:
            try:
                ttl = _lifetime(response, timeout)
                if ttl:
                    self.store(response, headers, body, ttl)
            except CacheUnavailable as exc:
                logger.warning("cache_page did not store %s: %s", self.url, exc)
            except Exception:
                # Runs after the body was sent: raising would only break the connection.
                logger.exception("cache_page could not store %s.", self.url)

        response.call_on_close(store)

    def store(
        self, response: Response, headers: list[tuple[str, str]], body: bytes, ttl: int
    ) -> None:
        """Store the header list, then the response, as the view made it.

        The headers are the view's (middleware add theirs again on every hit), plus the
        final ``Vary``, which middleware may have extended after the view.
        """
        names = _vary_names(response)
        vary = [("Vary", value) for value in response.headers.getlist("Vary")]
        entry = {
            "status": response.status_code,
            "headers": headers + vary,
            "body": base64.b64encode(body).decode("ascii"),
            "time": time.time(),
        }
        self.cache.set(self.names_key, names, ttl)
        self.cache.set(self.response_key(names), entry, ttl)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _revive(entry: Any, url: str) -> Response | None:
    """A response from a stored entry, or None when the entry is malformed."""
    try:
        response = Response(base64.b64decode(entry["body"], validate=True), entry["status"])
        response.headers = Headers((name, value) for name, value in entry["headers"])
        response.headers["Age"] = str(max(0, int(time.time() - entry["time"])))
    except (KeyError, TypeError, ValueError, OverflowError):
        logger.warning("cache_page: the entry for %s is malformed; ignoring it.", url)
        return None
    return response
