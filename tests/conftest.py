"""Shared fixtures: calling a WSGI app with a hand-built environ (exact bytes on the wire)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from soft_authenticator import held_app  # noqa: F401  (a fixture, shared by name)

from bastion.db.models import registry
from bastion.types import WSGIApp


def pytest_configure(config: pytest.Config) -> None:
    """Choose the stock user model before any test module defines models.

    ``Bastion(settings)`` makes this choice; tests that use the auth models without building
    an application need it made too. Tests of a project's own user model run in a process
    of their own (the choice is once per process).
    """
    registry.choose("AUTH_USER_MODEL", "auth.User")


class WSGIResult:
    """Status, headers and body of one WSGI call."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.status_code = int(status.split(" ", 1)[0])
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def environ(
    path: str = "/",
    *,
    method: str = "GET",
    query: str = "",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_length: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "https",
        # What a browser sends when the site's own page submits: the CSRF layer's first check.
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
    }
    if body or content_length is not None:
        env["CONTENT_LENGTH"] = content_length if content_length is not None else str(len(body))
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            env[key] = value
        else:
            env[f"HTTP_{key}"] = value
    env.update(extra)
    return env


def call(app: WSGIApp, env: dict[str, Any]) -> WSGIResult:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        captured["status"] = status
        captured["headers"] = headers
        return lambda data: None

    iterable = app(env, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    return WSGIResult(captured["status"], captured["headers"], body)


class WSGI:
    """The ``wsgi`` fixture: ``wsgi.environ(...)`` builds, ``wsgi.call(app, env)`` runs."""

    environ = staticmethod(environ)
    call = staticmethod(call)


@pytest.fixture
def wsgi() -> type[WSGI]:
    """Helpers to call a WSGI app with exact environ values."""
    return WSGI
