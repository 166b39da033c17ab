"""Calling a WSGI app directly, the way a server would, without a socket.

Shared by the in-process timing loop and the profiler so both exercise exactly the same
call: a fresh realistic environ per request, the body iterated to the end, ``close()``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from bench.headers import BROWSER_HEADERS, HOST

__all__ = ["WSGIApp", "call", "environ_factory", "load_app"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def load_app(spec: str) -> WSGIApp:
    """Import ``"package.module:attribute"`` and return the WSGI callable it names."""
    module_name, _, attribute = spec.partition(":")
    app: WSGIApp = getattr(importlib.import_module(module_name), attribute)
    return app


def _base_environ(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "RAW_URI": target,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "bastion-bench",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",  # TLS terminated in front, as deployed
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in BROWSER_HEADERS:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def environ_factory(target: str) -> Callable[[], dict[str, Any]]:
    """Return a function that builds a fresh environ for ``GET target`` (apps mutate it).

    ``target`` is a path with an optional query string: ``/queries?queries=20``.
    """
    base = _base_environ(target)

    def make() -> dict[str, Any]:
        environ = base.copy()
        environ["wsgi.input"] = BytesIO()
        return environ

    return make


def call(app: WSGIApp, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """Run one request through ``app``; return the status code, headers and whole body."""
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured[:] = [status, headers]
        return _discard

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = captured
    return int(status.split()[0]), {k.lower(): v for k, v in headers}, body


def _discard(data: bytes) -> None:
    """The ``write()`` callable WSGI requires ``start_response`` to return; unused here."""
