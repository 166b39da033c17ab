"""Exceptions become responses here, and only here.

HTTP errors render with their status and a message that says what was wrong. Suspicious
operations answer 400 and go to the ``bastion.security.*`` loggers. Anything else is a 500
that shows nothing internal unless DEBUG is on; the DEBUG page redacts secrets.

A request refused outside the middleware chain (a Host the site does not serve, a request
that cannot be parsed) gets :meth:`ErrorRenderer.early_response`: the built-in page is plain
text, and the static security headers of :mod:`bastion.handlers.early` are added.
"""

from __future__ import annotations

import html
import logging
import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from bastion.exceptions import SuspiciousOperation
from bastion.handlers.early import EarlyHeaders
from bastion.http.exceptions import HTTPException, NotFound
from bastion.http.response import JSONResponse, PlainTextResponse, Response
from bastion.settings.core import is_secret_name, redact_url

if TYPE_CHECKING:
    from bastion.http.request import Request
    from bastion.settings import Settings

__all__ = ["ERROR_PAGE_STYLE", "ErrorRenderer", "wants_json"]

request_logger = logging.getLogger("bastion.request")
_REDACTED = "********"
_ALWAYS_SECRET_HEADERS = frozenset({"cookie", "authorization", "proxy-authorization"})

ErrorPage = Callable[["Request", int, str, str], Response | None]
"""A project hook: ``(request, status, title, detail) -> Response | None`` (None: built-in)."""

ERROR_PAGE_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;"
    "color:#222}h1{font-size:1.6rem}pre{background:#f4f4f4;padding:1rem;overflow:auto;"
    "font-size:.85rem}table{border-collapse:collapse;font-size:.85rem}td,th{text-align:left;"
    "padding:.2rem .6rem;border-bottom:1px solid #ddd;vertical-align:top}"
)
"""The built-in error pages' inline stylesheet, exactly as sent.

The CSP layer allows it by its SHA-256 hash in ``style-src`` (computed from this constant at
start-up), so the pages are styled under the strict default policy without a nonce and the
default header stays one precomputed string. Change the text here and the hash follows.
"""

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{status} {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{style}</style>
</head><body><h1>{status} {title}</h1><p>{detail}</p>{extra}</body></html>
"""


def wants_json(request: Request) -> bool:
    """Whether the client prefers JSON to HTML (an API client, a fetch() call)."""
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def _html_page(status: int, title: str, detail: str) -> Response:
    page = _PAGE.format(
        status=status,
        title=html.escape(title),
        detail=html.escape(detail),
        extra="",
        style=ERROR_PAGE_STYLE,
    )
    return Response(page, status=status)


def _text_page(status: int, title: str, detail: str) -> Response:
    return PlainTextResponse(f"{status} {title}\n\n{detail}\n", status=status)


_PageBuilder = Callable[[int, str, str], Response]


class ErrorRenderer:
    """Turns any exception into a response, following DEBUG and the project's error hook.

    Raises:
        ImproperlyConfigured: a ``SECURITY`` header value is not one its header allows
            (the early answers' headers are built here, once).
    """

    def __init__(self, settings: Settings, *, error_page: ErrorPage | None = None) -> None:
        self.settings = settings
        self.error_page = error_page
        self.early_headers = EarlyHeaders(settings.SECURITY)

    def response_for_exception(self, request: Request, exc: BaseException) -> Response:
        """The response for ``exc`` raised while handling ``request``."""
        return self._respond(request, exc, _html_page)

    def early_response(self, request: Request, exc: BaseException) -> Response:
        """The response for ``exc`` raised outside the middleware chain.

        For a request refused before the header layers ran (a Host not in
        ``ALLOWED_HOSTS``, a path that is not UTF-8, a malformed ``Content-Length``) or
        after they finished (a redirect to a host not allowed). The built-in page is plain
        text, and the response carries the static security headers
        (:class:`~bastion.handlers.early.EarlyHeaders`): never HSTS.
        """
        response = self._respond(request, exc, _text_page)
        self.early_headers.apply(response.headers)
        return response

    def _respond(self, request: Request, exc: BaseException, page: _PageBuilder) -> Response:
        if isinstance(exc, HTTPException):
            own = getattr(exc, "get_response", None)
            if callable(own):
                # An error that knows its answer (a JSON body listing field errors...).
                answer: Response = own()
                return answer
            detail = exc.detail
            if isinstance(exc, NotFound) and self.settings.DEBUG:
                tried = getattr(exc, "tried", None)
                if tried:
                    detail = f"{detail} Patterns tried: {', '.join(tried)}."
            response = self._render(request, exc.status_code, exc.title, detail, page)
            for name, value in exc.headers.items():
                response.headers[name] = value
            return response
        if isinstance(exc, SuspiciousOperation):
            logging.getLogger(exc.logger_name).warning(
                "%s: %s", type(exc).__name__, exc, extra={"status_code": 400}
            )
            detail = str(exc) if self.settings.DEBUG else "The request was refused as unsafe."
            return self._render(request, exc.status_code, "Bad Request", detail, page)
        request_logger.error(
            "Internal Server Error: %s %s",
            request.method,
            request.path,
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"status_code": 500},
        )
        if self.settings.DEBUG:
            return self.debug_page(request, exc)
        return self._render(
            request,
            500,
            "Internal Server Error",
            "The server hit an error and could not finish the request. It has been logged.",
            page,
        )

    def render(self, request: Request, status: int, title: str, detail: str) -> Response:
        """A page (or JSON body) for an error status with a readable message."""
        return self._render(request, status, title, detail, _html_page)

    def _render(
        self, request: Request, status: int, title: str, detail: str, page: _PageBuilder
    ) -> Response:
        if self.error_page is not None:
            try:
                custom = self.error_page(request, status, title, detail)
            except Exception:
                request_logger.exception("The project's error page hook failed")
                custom = None
            if custom is not None:
                return custom
        if wants_json(request):
            return JSONResponse(
                {"error": {"status": status, "title": title, "detail": detail}}, status=status
            )
        return page(status, title, detail)

    def debug_page(self, request: Request, exc: BaseException) -> Response:
        """The DEBUG 500 page: traceback, request and settings, with secrets redacted."""
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        headers = {
            name: _REDACTED
            if name.lower() in _ALWAYS_SECRET_HEADERS or is_secret_name(name)
            else value
            for name, value in request.headers.items()
        }
        query = {
            name: _REDACTED if is_secret_name(name) else value
            for name, value in _safe_query(request).items()
        }
        extra = (
            f"<h2>Traceback</h2><pre>{html.escape(trace)}</pre>"
            f"<h2>Request</h2>{_table({'method': request.method, 'path': request.path})}"
            f"<h3>Query</h3>{_table(query)}<h3>Headers</h3>{_table(headers)}"
            f"<h2>Settings</h2>{_table(self.settings.redacted())}"
            "<p>You see this page because DEBUG is on. Never run with DEBUG in production.</p>"
        )
        page = _PAGE.format(
            status=500,
            title="Internal Server Error",
            detail=html.escape(f"{type(exc).__name__}: {exc}"),
            extra=extra,
            style=ERROR_PAGE_STYLE,
        )
        return Response(page, status=500)


def _safe_query(request: Request) -> Mapping[str, str]:
    try:
        return request.query
    except HTTPException:
        return {}


def _table(data: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{html.escape(_show(key, value))}</td></tr>"
        for key, value in data.items()
    )
    return f"<table>{rows}</table>"


def _show(key: str, value: Any) -> str:
    if isinstance(value, str) and key.endswith("_URL"):
        return redact_url(value)
    return repr(value) if not isinstance(value, str) else value
