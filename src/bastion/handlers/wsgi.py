"""The WSGI adapter: environ in, status/headers/body out. Nothing else lives here."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from bastion.http.body import BodyReader, parse_content_length
from bastion.http.exceptions import BadRequest, HTTPException, URITooLong
from bastion.http.lazy import lazy_property
from bastion.http.request import Request
from bastion.http.response import status_line

if TYPE_CHECKING:
    from bastion.app import Bastion
    from bastion.types import StartResponse, WSGIEnviron

__all__ = ["EnvironHeaders", "handle_wsgi", "request_from_environ"]

access_logger = logging.getLogger("bastion.request")


class EnvironHeaders(Mapping[str, str]):
    """A case-insensitive, read-only view of the headers in a WSGI environ (no copying)."""

    __slots__ = ("_environ",)

    def __init__(self, environ: WSGIEnviron) -> None:
        self._environ = environ

    @staticmethod
    def _key(name: str) -> str:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return key
        return f"HTTP_{key}"

    def __getitem__(self, name: str) -> str:
        value = self._environ.get(self._key(name))
        if value is None or not isinstance(value, str):
            raise KeyError(name)
        return value

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The header's value (latin-1 text, as WSGI gives it), or ``default``."""
        value = self._environ.get(self._key(name))
        return value if isinstance(value, str) else default

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and isinstance(self._environ.get(self._key(name)), str)

    def __iter__(self) -> Iterator[str]:
        for key, value in self._environ.items():
            if not isinstance(value, str):
                continue
            if key.startswith("HTTP_"):
                yield key[5:].replace("_", "-").lower()
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                yield key.replace("_", "-").lower()

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _decode_path(raw: str) -> str:
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise BadRequest("The request path is not valid UTF-8.") from None


class WSGIRequest(Request):
    """A :class:`Request` whose less-used parts are read from the environ on first use.

    Only what every request needs (method, path, headers view, body reader) is set up front;
    the scheme, server, peer address, mount point and query string wait until asked for.
    """

    def __init__(self, app: Bastion, environ: WSGIEnviron, path: str, body: BodyReader | None):
        # Request.__init__ is not called: it would eagerly copy what is read lazily here.
        self.settings = app.settings
        self.app = app
        self.environ = environ
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        self.path = path
        self.headers = EnvironHeaders(environ)
        self._body = body
        self.match = None
        self.routing_error = None
        self.route_name = None
        self.path_params = {}
        self.state = {}

    @lazy_property
    def query_string(self) -> bytes:
        """The raw query string (bytes, still percent-encoded)."""
        query: str = self.environ.get("QUERY_STRING", "")
        return query.encode("latin-1") if query else b""

    @lazy_property
    def scheme(self) -> str:
        """``http`` or ``https``, as the server saw the connection."""
        scheme: str = self.environ.get("wsgi.url_scheme", "http")
        return scheme

    @lazy_property
    def server(self) -> tuple[str, int]:
        """The server's name and port from the environ."""
        port = self.environ.get("SERVER_PORT") or "80"
        return self.environ.get("SERVER_NAME", "localhost"), int(port) if port.isdigit() else 80

    @lazy_property
    def client_addr(self) -> str | None:
        """The peer's address (``REMOTE_ADDR``)."""
        addr: str | None = self.environ.get("REMOTE_ADDR")
        return addr

    @lazy_property
    def root_path(self) -> str:
        """Where the application is mounted (``SCRIPT_NAME``), decoded.

        Raises:
            BadRequest: the mount point is not valid UTF-8.
        """
        root: str = self.environ.get("SCRIPT_NAME", "")
        return _decode_path(root) if root and not root.isascii() else root


def request_from_environ(app: Bastion, environ: WSGIEnviron) -> Request:
    """Build the request from a WSGI environ, refusing what cannot be a valid request.

    Raises:
        URITooLong: the path or query string is over ``HTTP.max_url_length``.
        BadRequest: the path is not UTF-8 or the Content-Length is malformed.
    """
    http = app.settings.HTTP
    path = environ.get("PATH_INFO") or "/"
    limit = http.max_url_length
    if len(path) > limit or len(environ.get("QUERY_STRING", "")) > limit:
        raise URITooLong(f"The path or query string is over {limit} characters.")
    if not path.isascii():
        path = _decode_path(path)
    body = None
    length_header = environ.get("CONTENT_LENGTH")
    if length_header and length_header != "0":
        body = BodyReader(
            environ["wsgi.input"].read,
            content_length=parse_content_length(length_header),
            max_size=http.max_body_size,
        )
    elif not length_header and environ.get("wsgi.input_terminated"):
        body = BodyReader(
            environ["wsgi.input"].read, content_length=None, max_size=http.max_body_size
        )
    return WSGIRequest(app, environ, path, body)


def handle_wsgi(
    app: Bastion, environ: WSGIEnviron, start_response: StartResponse
) -> Iterable[bytes]:
    """Serve one WSGI request with ``app``."""
    started = time.perf_counter()
    try:
        request = request_from_environ(app, environ)
    except HTTPException as exc:
        request = Request(settings=app.settings, method="GET", path="/", app=app)
        response = app.errors.early_response(request, exc)
    else:
        response = app.handle(request)
    environ["bastion.response"] = response
    if access_logger.isEnabledFor(logging.INFO) and app.settings.LOGGING.access_log:
        access_logger.info(
            '"%s %s" %d %.1fms',
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
    head = request.method == "HEAD"
    if not response.streaming:
        headers = response.header_items()
        status = response.status_code
        # RFC 9110 §8.6: no Content-Length on 1xx and 204; a 304 keeps only what it was given.
        if status >= 200 and status not in (204, 304) and "Content-Length" not in response.headers:
            headers.append(("Content-Length", str(len(response.body))))
        start_response(status_line(response.status_code), headers)
        body = response.body
        response.close()
        request.close()
        return [] if head else [body]
    start_response(status_line(response.status_code), response.header_items())
    if head:
        response.close()
        request.close()
        return []
    return _ClosingIterable(response.iter_body(), (response.close, request.close))


class _ClosingIterable:
    """Wraps a streamed body so the server's ``close()`` releases the request's resources."""

    __slots__ = ("_callbacks", "_iterable")

    def __init__(
        self, iterable: Iterable[bytes], callbacks: tuple[Callable[[], object], ...]
    ) -> None:
        self._iterable = iterable
        self._callbacks = callbacks

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._iterable)

    def close(self) -> None:
        try:
            close = getattr(self._iterable, "close", None)
            if close is not None:
                close()
        finally:
            for callback in self._callbacks:
                callback()
