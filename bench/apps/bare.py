"""The floor: a bare WSGI callable with no framework, Jinja2 (autoescape on) and json.dumps.

Whatever a framework costs above this app is the framework's own overhead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from bench.fortunes import for_request

__all__ = ["app"]

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
)
_FORTUNES = _ENV.get_template("fortunes.html")
_FORM = _ENV.get_template("form.html")

StartResponse = Callable[..., Any]
_View = Callable[[], tuple[bytes, str]]


def _plaintext() -> tuple[bytes, str]:
    return b"Hello, World!", "text/plain"


def _json() -> tuple[bytes, str]:
    return json.dumps({"message": "Hello, World!"}).encode(), "application/json"


def _template() -> tuple[bytes, str]:
    html = _FORTUNES.render(fortunes=for_request())
    return html.encode(), "text/html; charset=utf-8"


def _form() -> tuple[bytes, str]:
    return _FORM.render(visits=0).encode(), "text/html; charset=utf-8"


_ROUTES: dict[str, _View] = {
    "/plaintext": _plaintext,
    "/json": _json,
    "/template": _template,
    "/form": _form,
}


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Dispatch on ``PATH_INFO`` with one dict lookup; anything else is a 404."""
    view = _ROUTES.get(environ["PATH_INFO"])
    if view is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    body, content_type = view()
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
