"""The WSGI side of the test client: build an environ, run the app as a server would.

The client plays the server's part of PEP 3333 faithfully, so a test exercises the very path
a request takes under gunicorn: the environ holds native strings decoded as latin-1, the
body is a file-like ``wsgi.input``, ``start_response`` may be called late or again with
``exc_info``, and the iterable's ``close()`` is always called (Bastion releases uploaded
files there). What a server would refuse from an application (a status or header that is not
a native string, CR/LF in a header, hop-by-hop headers, body chunks that are not bytes) is
refused here with an error that names the problem, so framework bugs show up in tests.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes, urlsplit

if TYPE_CHECKING:
    from bastion.types import ExcInfo, WSGIApp, WSGIEnviron

__all__ = ["WSGIResult", "build_environ", "run_wsgi"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_STATUS = re.compile(r"[1-9][0-9]{2} [^\r\n\x00]*")
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def check_header(name: str, value: str, *, sender: str) -> None:
    """Refuse a header a server could not send: not a token, CR/LF/NUL, not latin-1.

    Raises:
        ValueError: with ``sender`` (the test or the application) named in the message.
    """
    if not isinstance(name, str) or not isinstance(value, str):
        raise TypeError(f"{sender} gave a header that is not (str, str): {(name, value)!r}.")
    if not _TOKEN.fullmatch(name):
        raise ValueError(f"{sender} gave an invalid header name {name!r}.")
    if _BAD_VALUE.search(value):
        raise ValueError(f"{sender} gave header {name!r} a value with CR, LF or NUL.")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"{sender} gave header {name!r} a value that is not ISO-8859-1; encode it first."
        ) from None


def build_environ(
    method: str,
    url: str,
    *,
    script_name: str,
    headers: Iterable[tuple[str, str]],
    body: bytes | None,
    extra: Mapping[str, Any] | None = None,
) -> WSGIEnviron:
    """The PEP 3333 environ for a request to ``url`` on an app mounted at ``script_name``.

    ``url`` and ``script_name`` are percent-encoded; ``SCRIPT_NAME`` and ``PATH_INFO`` are
    percent-decoded bytes carried as latin-1 strings, as every WSGI server does.
    ``headers`` are final (``Host`` and ``Content-Type`` included); ``extra`` keys win.

    Raises:
        ValueError: ``url`` is not below ``script_name``, or a header is invalid.
    """
    parts = urlsplit(url)
    if not (parts.path == script_name or parts.path.startswith(script_name + "/")):
        raise ValueError(f"{url!r} is not below the application's root {script_name!r}.")
    environ: WSGIEnviron = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": _wsgi_string(script_name),
        "PATH_INFO": _wsgi_string(parts.path[len(script_name) :]),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": parts.hostname or "",
        "SERVER_PORT": str(parts.port) if parts.port else _DEFAULT_PORTS[parts.scheme],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme,
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers:
        check_header(name, value, sender="The test")
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    if extra:
        environ.update(extra)
    return environ


def _wsgi_string(path: str) -> str:
    return unquote_to_bytes(path).decode("latin-1")


@dataclass
class WSGIResult:
    """What the application answered: status line, headers and the whole body."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class _Exchange:
    """The server's side of one call: what ``start_response`` was told, what was written."""

    status: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)
    sent: bool = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None
    ) -> Callable[[bytes], object]:
        if exc_info is not None:
            if self.sent:  # PEP 3333: too late to change the status, re-raise instead
                raise exc_info[1].with_traceback(exc_info[2])
        elif self.status is not None:
            raise RuntimeError(
                "The application called start_response twice without exc_info (PEP 3333)."
            )
        if not isinstance(status, str) or not _STATUS.fullmatch(status):
            raise ValueError(f"The application sent an invalid status line {status!r}.")
        if not isinstance(headers, list):
            raise TypeError(
                f"The application sent headers as {type(headers).__name__}, not a list."
            )
        for item in headers:
            if not (isinstance(item, tuple) and len(item) == 2):
                raise TypeError(f"The application sent a header that is not a pair: {item!r}.")
            check_header(*item, sender="The application")
            if item[0].lower() in _HOP_BY_HOP:
                raise ValueError(
                    f"The application sent the hop-by-hop header {item[0]!r}, which only a "
                    "server may send (PEP 3333)."
                )
        self.status, self.headers = status, list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        self.add(data)

    def add(self, chunk: object) -> None:
        if not isinstance(chunk, bytes):
            raise TypeError(f"The application sent a body chunk of type {type(chunk).__name__}.")
        if not chunk:
            return
        if self.status is None:
            raise RuntimeError("The application sent body bytes before calling start_response.")
        self.sent = True
        self.chunks.append(chunk)


def run_wsgi(app: WSGIApp, environ: WSGIEnviron) -> WSGIResult:
    """Call ``app`` and read its whole answer, always closing the iterable it returned.

    Raises:
        RuntimeError, TypeError, ValueError: the application broke PEP 3333.
        Exception: whatever the application raised (it propagates unchanged).
    """
    exchange = _Exchange()
    iterable = app(environ, exchange.start_response)
    try:
        for chunk in iterable:
            exchange.add(chunk)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    if exchange.status is None:
        raise RuntimeError("The application returned without calling start_response.")
    return WSGIResult(exchange.status, exchange.headers, b"".join(exchange.chunks))
