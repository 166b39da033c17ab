"""The floor: a bare WSGI callable with no framework, Jinja2 (autoescape on) and json.dumps.

The database endpoints use raw psycopg 3 on one connection per process, opened on first
use and kept open (autocommit, so no transaction is left open between requests; psycopg
prepares a statement on the server after its fifth execution). Whatever a framework costs
above this app is the framework's own overhead.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import psycopg
from jinja2 import Environment, FileSystemLoader

from bench.fortunes import ADDITIONAL, Fortune, for_request
from bench.world import URL, WORLD_ROWS, query_count

__all__ = ["app"]

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=True,
)
_FORTUNES = _ENV.get_template("fortunes.html")
_FORM = _ENV.get_template("form.html")

_WORLD = "SELECT id, randomnumber FROM world WHERE id = %s"
_ALL_FORTUNES = "SELECT id, message FROM fortune"

StartResponse = Callable[..., Any]
_View = Callable[[dict[str, Any]], tuple[bytes, str]]

_connection: psycopg.Connection[tuple[Any, ...]] | None = None
_connecting = threading.Lock()


def _db() -> psycopg.Connection[tuple[Any, ...]]:
    """The process's one connection, opened lazily so the app imports without PostgreSQL."""
    global _connection
    if _connection is None or _connection.closed:
        with _connecting:  # gunicorn's threads share it; psycopg serialises their queries
            if _connection is None or _connection.closed:
                _connection = psycopg.connect(URL, autocommit=True)
    return _connection


def _plaintext(environ: dict[str, Any]) -> tuple[bytes, str]:
    return b"Hello, World!", "text/plain"


def _json(environ: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps({"message": "Hello, World!"}).encode(), "application/json"


def _template(environ: dict[str, Any]) -> tuple[bytes, str]:
    html = _FORTUNES.render(fortunes=for_request())
    return html.encode(), "text/html; charset=utf-8"


def _form(environ: dict[str, Any]) -> tuple[bytes, str]:
    return _FORM.render(visits=0).encode(), "text/html; charset=utf-8"


def _world(conn: psycopg.Connection[tuple[Any, ...]]) -> dict[str, int]:
    row = conn.execute(_WORLD, (random.randint(1, WORLD_ROWS),)).fetchone()
    assert row is not None  # every id in 1..10000 exists
    return {"id": row[0], "randomNumber": row[1]}


def _single(environ: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps(_world(_db())).encode(), "application/json"


def _queries(environ: dict[str, Any]) -> tuple[bytes, str]:
    raw = parse_qs(environ.get("QUERY_STRING", "")).get("queries")
    conn = _db()
    worlds = [_world(conn) for _ in range(query_count(raw[0] if raw else None))]
    return json.dumps(worlds).encode(), "application/json"


def _fortunes(environ: dict[str, Any]) -> tuple[bytes, str]:
    fortunes = [Fortune(*row) for row in _db().execute(_ALL_FORTUNES)]
    fortunes.append(ADDITIONAL)
    fortunes.sort(key=lambda fortune: fortune.message)
    return _FORTUNES.render(fortunes=fortunes).encode(), "text/html; charset=utf-8"


_ROUTES: dict[str, _View] = {
    "/plaintext": _plaintext,
    "/json": _json,
    "/template": _template,
    "/form": _form,
    "/db": _single,
    "/queries": _queries,
    "/fortunes": _fortunes,
}


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Dispatch on ``PATH_INFO`` with one dict lookup; anything else is a 404."""
    view = _ROUTES.get(environ["PATH_INFO"])
    if view is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    body, content_type = view(environ)
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
