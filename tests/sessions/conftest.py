"""Fixtures for sessions: an application with session views on each backend, and a clock."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any, Protocol

import pytest
from services import require_service

from bastion import Bastion, JSONResponse, PlainTextResponse, default_middleware, path
from bastion.http.request import Request
from bastion.http.response import Response
from bastion.middleware import HTTPSRedirectMiddleware
from bastion.settings import CacheConfig, SessionConfig, Settings

KEY = "test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
BACKENDS = ["signed_cookie", "cache", "redis", "memory"]
REDIS_ADDRESS = ("127.0.0.1", 6379)
REDIS_URL = "redis://127.0.0.1:6379/0"
START = 1_800_000_000.0


class Clock:
    """A settable stand-in for ``time.time``."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze ``time.time`` (signing, session times, the memory store) at a known instant."""
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


# -- views --------------------------------------------------------------------------------


def show(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    return JSONResponse({"data": dict(session), "key": session.session_key})


def put(request: Request) -> Response:
    """Set each query parameter; ``?json=...`` updates from a JSON object."""
    session = request.session  # type: ignore[attr-defined]
    for name, value in request.query.items():
        if name == "json":
            session.update(json.loads(value))
        else:
            session[name] = value
    return show(request)


def untouched(request: Request) -> Response:
    return PlainTextResponse("not using the session")


def cycle(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    old = session.session_key
    session.cycle_key()
    return JSONResponse({"old": old, "new": session.session_key, "data": dict(session)})


def flush(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    session.flush()
    for name, value in request.query.items():
        session[name] = value
    return show(request)


def remove(request: Request) -> Response:
    session = request.session  # type: ignore[attr-defined]
    for name in request.query:
        del session[name]
    return show(request)


def clear(request: Request) -> Response:
    request.session.clear()  # type: ignore[attr-defined]
    return show(request)


def fail(request: Request) -> Response:
    """Do ``?then=`` (set, flush or cycle) and then fail with a 500."""
    session = request.session  # type: ignore[attr-defined]
    action = request.query.get("then", "set")
    if action == "flush":
        session.flush()
    elif action == "cycle":
        session.cycle_key()
    else:
        session["lost"] = "yes"
    raise RuntimeError("the view failed")


def invalid(request: Request) -> Response:
    """Store something that is not JSON: ``?kind=object|intkey|nan``."""
    kind = request.query.get("kind", "object")
    value: Any = {"object": object(), "intkey": {1: "one"}, "nan": float("nan")}[kind]
    request.session["bad"] = value  # type: ignore[attr-defined]
    return PlainTextResponse("stored")


def append(request: Request) -> Response:
    """Append to ``cart`` in place; ``?mark=1`` then sets ``modified`` as the docs say."""
    session = request.session  # type: ignore[attr-defined]
    session["cart"].append(request.query["item"])
    if request.query.get("mark"):
        session.modified = True
    return show(request)


ROUTES = [
    path("invalid", invalid),
    path("append", append),
    path("show", show),
    path("put", put),
    path("untouched", untouched),
    path("cycle", cycle),
    path("flush", flush),
    path("remove", remove),
    path("clear", clear),
    path("fail", fail),
]


# -- applications ---------------------------------------------------------------------------


def require_redis() -> None:
    """Skip (or, under ``CI=true``, fail) unless Redis answers on 127.0.0.1:6379."""
    require_service("Redis", *REDIS_ADDRESS)


def settings_for(
    backend: str = "signed_cookie",
    *,
    debug: bool = False,
    secret: str = KEY,
    fallbacks: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
    **session_options: Any,
) -> Settings:
    """Production-like settings for ``testserver`` with the given session options."""
    return Settings(
        DEBUG=debug,
        SECRET_KEY=secret,
        SECRET_KEY_FALLBACKS=fallbacks,
        ALLOWED_HOSTS=["testserver"],
        SESSIONS=SessionConfig(backend=backend, **session_options),  # type: ignore[arg-type]
        **(extra or {}),
    )


def build_app(settings: Settings, *, https_redirect: bool = True) -> Bastion:
    """An application with the framework's default layers, the session layer among them.

    ``https_redirect=False`` takes the HTTPS redirect out, for the tests of what the session
    cookie looks like when a plain-HTTP request reaches the application anyway (a path in
    ``SECURITY.ssl_redirect_exempt``, a misconfigured proxy): they test cookie flags, not
    the redirect, which ``tests/middleware/test_https.py`` covers.
    """
    security = default_middleware(settings)
    if not https_redirect:
        security = security.without(HTTPSRedirectMiddleware, reason="tests plain-HTTP cookie flags")
    return Bastion(settings, routes=ROUTES, security=security)


class AppFactory(Protocol):
    def __call__(
        self,
        backend: str = ...,
        *,
        debug: bool = ...,
        secret: str = ...,
        fallbacks: tuple[str, ...] = ...,
        https_redirect: bool = ...,
        **session_options: Any,
    ) -> Bastion: ...


@pytest.fixture
def make_app() -> Iterator[AppFactory]:
    """``make_app(backend, debug=..., secret=..., fallbacks=..., https_redirect=..., **options)``.

    ``options`` are :class:`SessionConfig` fields; ``https_redirect=False`` as in
    :func:`build_app`.

    ``cache`` keeps sessions in the application's own cache (``locmem://``); ``redis`` is the
    ``cache`` backend with ``CACHE_URL`` on the real Redis, under a key prefix of this test's
    own (every application of the test shares it, as workers share one server; it is
    cleared afterwards).
    """
    prefix = f"sess{secrets.token_hex(6)}"
    built: list[Bastion] = []

    def make(
        backend: str = "signed_cookie", *, https_redirect: bool = True, **options: Any
    ) -> Bastion:
        if backend == "redis":
            require_redis()
            options["extra"] = {"CACHE_URL": REDIS_URL, "CACHE": CacheConfig(key_prefix=prefix)}
            backend = "cache"
        app = build_app(settings_for(backend, **options), https_redirect=https_redirect)
        built.append(app)
        return app

    yield make
    for app in built:
        if app.settings.CACHE_URL == REDIS_URL:
            app.cache.clear()
        app.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each session backend in turn (``redis``: the cache backend on a real Redis)."""
    return str(request.param)
