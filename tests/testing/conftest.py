"""Plain WSGI applications for testing the client without depending on the framework."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

import pytest

from bastion.types import StartResponse, WSGIApp, WSGIEnviron

Reply = tuple[str, list[tuple[str, str]], bytes]
Route = Callable[[WSGIEnviron], Reply]


def describe(environ: WSGIEnviron) -> dict[str, object]:
    """What the application received, for the test to assert on."""
    return {
        "method": environ["REQUEST_METHOD"],
        "script_name": environ["SCRIPT_NAME"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "content_type": environ.get("CONTENT_TYPE"),
        "content_length": environ.get("CONTENT_LENGTH"),
        "body": environ["wsgi.input"].read().decode("latin-1"),
        "cookie": environ.get("HTTP_COOKIE"),
        "headers": {k: v for k, v in environ.items() if k.startswith("HTTP_")},
        "scheme": environ["wsgi.url_scheme"],
        "server": [environ["SERVER_NAME"], environ["SERVER_PORT"]],
        "remote_addr": environ["REMOTE_ADDR"],
    }


def echo_route(environ: WSGIEnviron) -> Reply:
    """Answer with a description of the request.

    ``?set_cookie=...`` (repeatable) adds ``Set-Cookie`` headers; ``?location=...`` (with
    ``&status=...``) makes it a redirect.
    """
    query = parse_qs(environ["QUERY_STRING"])
    headers = [("Content-Type", "application/json")]
    headers += [("Set-Cookie", value) for value in query.get("set_cookie", [])]
    status = "200 OK"
    if "location" in query:
        status = f"{query.get('status', ['302'])[0]} Redirect"
        headers.append(("Location", query["location"][0]))
    return status, headers, json.dumps(describe(environ)).encode()


def _make_app(routes: dict[str, Route]) -> WSGIApp:
    """A WSGI application answering ``routes`` by PATH_INFO, the echo route otherwise."""

    def app(environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        route = routes.get(environ["PATH_INFO"], echo_route)
        status, headers, body = route(environ)
        start_response(status, headers)
        return [body]

    return app


@pytest.fixture
def make_app() -> Callable[[dict[str, Route]], WSGIApp]:
    """Build a WSGI application from ``{PATH_INFO: route}``; ``route(environ) -> Reply``."""
    return _make_app


@pytest.fixture
def echo_app() -> WSGIApp:
    return _make_app({})


@pytest.fixture
def app(echo_app: WSGIApp) -> WSGIApp:
    """The application behind the plugin's ``client`` fixture in these tests."""
    return echo_app
