"""Conditional requests (RFC 9110 §13), and the last step every response goes through.

:func:`finalize_response` is the last step of :meth:`bastion.Bastion.handle`. A response that
carries validators (``ETag``, ``Last-Modified``) answers ``If-None-Match`` and
``If-Modified-Since`` with 304 and failed ``If-Match``/``If-Unmodified-Since`` with 412; a
response that accepts ranges (:class:`~bastion.http.files.FileResponse`) then answers
``Range`` with 206 or 416 through :mod:`bastion.http.ranges`. Everything else goes out
untouched, at the cost of a few attribute reads.

Decisions, written down:

* ``finalize_response`` runs after the view, so it only judges GET and HEAD, where answering
  304 or 412 undoes nothing. For unsafe methods the precondition must be checked *before* the
  view changes anything: use the :func:`condition` decorator (or :func:`check_preconditions`).
* ``If-Range`` is compared here, with the other validators; :mod:`bastion.http.ranges`
  decides when it applies and what a failed one means.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Concatenate, ParamSpec

from bastion.http.dates import http_date as http_date
from bastion.http.dates import parse_http_date as parse_http_date
from bastion.http.exceptions import HTTPException, PreconditionFailed, RangeNotSatisfiable
from bastion.http.headers import Headers
from bastion.http.ranges import narrow_to_range, representation_length, select_range
from bastion.http.response import PlainTextResponse, Response

if TYPE_CHECKING:
    from bastion.http.request import Request

__all__ = [
    "check_preconditions",
    "condition",
    "finalize_response",
    "http_date",
    "make_etag",
    "parse_etags",
    "parse_http_date",
]

_P = ParamSpec("_P")

_GET_OR_HEAD = frozenset({"GET", "HEAD"})
# The fast path looks for validators by exact spelling (a set lookup per header, no
# lower-casing): these are the spellings code writes. A validator spelled otherwise still goes
# out, it just never turns a response into a 304.
_VALIDATORS = frozenset({"etag", "last-modified"})
# RFC 9110 §15.4.5: what a 304 repeats from the 200 it stands for.
_NOT_MODIFIED_KEPT = frozenset(
    {"cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"}
)
# Headers of the representation (or of its caching) that must not leak onto an error page
# built in its place; everything else (the security headers) is carried over.
_NOT_ON_ERRORS = frozenset(
    {
        "accept-ranges",
        "age",
        "cache-control",
        "content-disposition",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-range",
        "content-type",
        "etag",
        "expires",
        "last-modified",
        "transfer-encoding",
    }
)
_ETAG = re.compile(r'(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"')
_ETAG_CHARS = re.compile(r"[\x21\x23-\x7e\x80-\xff]*")

# -- validators --------------------------------------------------------------------------


def make_etag(data: bytes | str, *, weak: bool = False) -> str:
    """A quoted entity tag for ``data``: 128 bits of its SHA-256, base64url (22 characters).

    Use it for content held in memory (``make_etag(body)``) or for a version string
    (``make_etag(f"{row.id}:{row.updated_at}")``): the tag reveals nothing of the input and
    stays short whatever its size.

    Args:
        data: the content or version; ``str`` is encoded as UTF-8.
        weak: make a weak tag (``W/"..."``), which says "equivalent content": enough for a
            304, never enough for ``If-Match`` or ``If-Range``.

    Returns:
        The tag, quotes included, ready for the ``ETag`` header.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest = hashlib.sha256(raw).digest()[:16]
    tag = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return f'W/"{tag}"' if weak else f'"{tag}"'


def parse_etags(header: str) -> list[str]:
    """The entity tags listed in an ``If-Match``/``If-None-Match`` value, quotes kept.

    Args:
        header: the header's value, such as ``"a", W/"b"`` or ``*``.

    Returns:
        The tags in order (``W/`` kept), or ``["*"]``. Malformed members are skipped: a
        precondition that cannot be read is one that does not match.
    """
    if header.strip() == "*":
        return ["*"]
    return _ETAG.findall(header)


def _etag_matches(header: str, etag: str | None, *, strong: bool, exists: bool) -> bool:
    """Whether ``header`` (an If-Match/If-None-Match value) matches the current ``etag``."""
    tags = parse_etags(header)
    if tags == ["*"]:
        return exists
    if etag is None:
        return False
    if strong:
        return not etag.startswith("W/") and etag in tags
    opaque = etag.removeprefix("W/")
    return any(tag.removeprefix("W/") == opaque for tag in tags)


def check_preconditions(
    request: Request,
    *,
    etag: str | None,
    last_modified: datetime | None,
    exists: bool = True,
) -> int | None:
    """Evaluate the request's preconditions against the resource's current validators.

    RFC 9110 §13.2.2 order: ``If-Match``, else ``If-Unmodified-Since``; then
    ``If-None-Match``, else ``If-Modified-Since`` (GET and HEAD only).

    Args:
        request: the request.
        etag: the current quoted entity tag, or None.
        last_modified: when the resource last changed, or None; naive means UTC, and it is
            compared in whole seconds (all an HTTP date can say).
        exists: whether the resource has a current representation (``If-Match: *``).

    Returns:
        304 or 412 when the request must be answered with that status instead of running
        the method; None when it may proceed.
    """
    modified = _whole_seconds(last_modified) if last_modified is not None else None
    return _preconditions(request, etag, lambda: modified, exists)


def _preconditions(
    request: Request,
    etag: str | None,
    last_modified: Callable[[], datetime | None],
    exists: bool,
) -> int | None:
    """:func:`check_preconditions`, reading the modification date only if a header needs it."""
    headers = request.headers
    if_match = headers.get("if-match")
    if if_match is not None:
        if not _etag_matches(if_match, etag, strong=True, exists=exists):
            return 412
    else:
        since = headers.get("if-unmodified-since")
        if since is not None and _is_after(last_modified(), since):
            return 412
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag, strong=False, exists=exists):
            return 304 if request.method in _GET_OR_HEAD else 412
    elif request.method in _GET_OR_HEAD:
        since = headers.get("if-modified-since")
        if since is not None and _is_after(last_modified(), since) is False:
            return 304
    return None


def _is_after(moment: datetime | None, header: str) -> bool | None:
    """Whether ``moment`` is later than the date in ``header``; None if either is missing."""
    date = parse_http_date(header)
    if moment is None or date is None:
        return None
    return moment > date


def _if_range_passes(
    value: str, etag: str | None, last_modified: Callable[[], datetime | None]
) -> bool:
    """RFC 9110 §13.1.5: a strong entity-tag match, or the exact Last-Modified date."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return etag is not None and not etag.startswith("W/") and value == etag
    date = parse_http_date(value)
    return date is not None and date == last_modified()


# -- building the replacement responses ----------------------------------------------------


def _not_modified(response: Response) -> Response:
    """A 304 standing for ``response``: its caching headers and cookies, no content."""
    kept = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() in _NOT_MODIFIED_KEPT
    ]
    # RFC 9110 §8.6 allows Content-Length on a 304 only if it is the 200's length; sending
    # it stops an adapter from adding "Content-Length: 0".
    length = representation_length(response)
    if length is not None:
        kept.append(("Content-Length", str(length)))
    not_modified = Response(b"", 304)
    not_modified.headers = Headers(kept)
    not_modified.cookies = dict(response.cookies)
    response.close()
    return not_modified


def _error_instead(request: Request, response: Response, failure: HTTPException) -> Response:
    """An error page for ``failure`` replacing ``response``, keeping its security headers.

    The page is rendered by the application's error renderer when there is one, so it looks
    like every other error; the original's headers other than those describing its content
    are carried over, because the middleware that set them has already run, and so are its
    cookies. ``failure``'s own headers (``Content-Range`` for a 416) are added last.
    """
    status, title, detail = failure.status_code, failure.title, failure.detail
    errors = getattr(request.app, "errors", None)
    error: Response
    if errors is not None:
        error = errors.render(request, status, title, detail)
    else:
        error = PlainTextResponse(f"{status} {title}: {detail}\n", status=status)
    own = {name.lower() for name in error.headers}
    for name, value in response.headers.items():
        lowered = name.lower()
        if lowered not in own and lowered not in _NOT_ON_ERRORS:
            error.headers.add(name, value)
    for name, value in failure.headers.items():
        error.headers[name] = value
    error.cookies = {**response.cookies, **error.cookies}
    response.close()
    return error


# -- the two entry points ------------------------------------------------------------------


def finalize_response(request: Request, response: Response) -> Response:
    """Answer conditional and range requests from the response the view produced.

    Called by :meth:`bastion.Bastion.handle` on every response. Only a 200 to GET or HEAD
    that carries ``ETag``/``Last-Modified`` or accepts ranges is looked at further; every
    other response is returned as is, after two comparisons and a scan of header names
    (validators are recognised as ``ETag``/``Etag``/``etag``/``ETAG`` and
    ``Last-Modified``/``Last-modified``/``last-modified``; other spellings are sent but
    never turn a response into a 304). Other methods are not judged: their view has run
    already, so protect writes with :func:`condition`.

    Args:
        request: the request being answered.
        response: what the view and the middleware produced.

    Returns:
        ``response`` itself (possibly narrowed to a 206), or a new 304, 412 or 416 response
        that replaces it; a replaced response is closed here.
    """
    if response.status_code != 200 or request.method not in _GET_OR_HEAD:
        return response
    if not response.headers.has_any(_VALIDATORS) and not response.accepts_ranges:
        return response
    return _evaluate(request, response)


def _evaluate(request: Request, response: Response) -> Response:
    etag = response.headers.get("ETag")
    modified = response.headers.get("Last-Modified")
    parsed: list[datetime | None] = []

    def last_modified() -> datetime | None:
        # Parsed at most once, and only when the request holds a date to compare with.
        if not parsed:
            parsed.append(parse_http_date(modified) if modified is not None else None)
        return parsed[0]

    status = _preconditions(request, etag, last_modified, exists=True)
    if status == 304:
        return _not_modified(response)
    if status == 412:
        return _error_instead(request, response, PreconditionFailed())
    if request.method == "GET" and response.accepts_ranges:
        try:
            chosen = select_range(
                request, response, lambda value: _if_range_passes(value, etag, last_modified)
            )
        except RangeNotSatisfiable as refused:
            return _error_instead(request, response, refused)
        if chosen is not None:
            narrow_to_range(response, *chosen)
    return response


def condition(
    etag: Callable[..., str | None] | None = None,
    last_modified: Callable[..., datetime | None] | None = None,
) -> Callable[
    [Callable[Concatenate[Request, _P], Response]],
    Callable[Concatenate[Request, _P], Response],
]:
    """Decorate a view to answer conditional requests *before* it runs.

    Each function is called with the view's arguments and returns the resource's current
    validator, or None when the resource does not exist. A GET whose validators match what
    the client holds gets a 304 without running the view; a request whose ``If-Match`` or
    ``If-Unmodified-Since`` fails gets a 412 (so a PUT based on a stale copy cannot overwrite
    a newer one). A 200 to GET or HEAD gets the validators as headers unless it already has
    them.

    Args:
        etag: ``(request, **params) -> str | None``; quoted or not, ``W/`` for weak.
        last_modified: ``(request, **params) -> datetime | None``; naive means UTC.

    Returns:
        The decorator. The wrapped view keeps its name and signature.

    Raises:
        PreconditionFailed: (from the view) a precondition failed.
        ValueError: (from the view) ``etag`` returned a value that cannot be an entity tag.
    """

    def decorator(
        view: Callable[Concatenate[Request, _P], Response],
    ) -> Callable[Concatenate[Request, _P], Response]:
        @functools.wraps(view)
        def conditional_view(request: Request, /, *args: _P.args, **kwargs: _P.kwargs) -> Response:
            tag = _quote_etag(etag(request, *args, **kwargs)) if etag is not None else None
            modified = (
                last_modified(request, *args, **kwargs) if last_modified is not None else None
            )
            modified = _whole_seconds(modified) if modified is not None else None
            exists = tag is not None or modified is not None
            status = check_preconditions(request, etag=tag, last_modified=modified, exists=exists)
            if status == 412:
                raise PreconditionFailed()
            if status == 304:
                response = Response(b"", 304)
                response.headers = Headers()
            else:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or request.method not in _GET_OR_HEAD:
                    return response
            if tag is not None:
                response.headers.setdefault("ETag", tag)
            if modified is not None:
                response.headers.setdefault("Last-Modified", http_date(modified))
            return response

        return conditional_view

    return decorator


def _quote_etag(value: str | None) -> str | None:
    if value is None or _ETAG.fullmatch(value):
        return value
    if _ETAG_CHARS.fullmatch(value):
        return f'"{value}"'
    raise ValueError(
        f"{value[:50]!r} cannot be an ETag: it holds a quote, a space or a control "
        "character. Return make_etag(value) instead."
    )


def _whole_seconds(moment: datetime) -> datetime:
    # HTTP dates have one-second resolution: compare what the client can send back.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)
