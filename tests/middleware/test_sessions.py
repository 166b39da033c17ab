"""``SessionMiddleware``: configuration, laziness, ``Vary``, failures of the store.

The layer is part of ``default_middleware()``, so the apps here are plain
``Bastion(settings, routes=...)``; a project's middleware runs inside it. Probes that must
watch the session layer from the outside are put into the stack just before it.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bastion import (
    Bastion,
    JSONResponse,
    NotFound,
    PlainTextResponse,
    RedirectResponse,
    Response,
    path,
)
from bastion.cache.exceptions import CacheUnavailable
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.middleware import MiddlewareStack, SessionMiddleware, default_middleware
from bastion.security.signing import Signer
from bastion.sessions import (
    CacheSessionStore,
    MemorySessionStore,
    SessionRecord,
    SessionUnavailable,
)
from bastion.sessions.backends import ID_SALT
from bastion.settings import SessionConfig, Settings
from bastion.testing import Client
from bastion.types import Handler

KEY = "middleware-key-0123456789-abcdefghijklmnopqrstuvwxyz-AB"
NAME = "__Host-session"


def settings(*, debug: bool = False, **options: Any) -> Settings:
    return Settings(
        DEBUG=debug,
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        SESSIONS=SessionConfig(**options),
    )


def untouched(request: Request) -> Response:
    return PlainTextResponse("hi")


def put(request: Request) -> Response:
    request.session["a"] = "1"  # type: ignore[attr-defined]
    return JSONResponse(dict(request.session))  # type: ignore[attr-defined]


def show(request: Request) -> Response:
    return JSONResponse(dict(request.session))  # type: ignore[attr-defined]


def vary(request: Request) -> Response:
    request.session.get("a")  # type: ignore[attr-defined]
    return PlainTextResponse(
        "hi", headers=[("Vary", value) for value in request.query.getlist("v")]
    )


def put_then_404(request: Request) -> Response:
    request.session["a"] = "1"  # type: ignore[attr-defined]
    raise NotFound("gone")


ROUTES = [
    path("untouched", untouched),
    path("put", put),
    path("show", show),
    path("vary", vary),
    path("put404", put_then_404),
]


def app_with(*outer: Any, store: Any = None, **options: Any) -> Bastion:
    """The default stack (with ``store`` for the session layer), ``outer`` just outside it.

    ``outer`` are test probes: a project cannot put its own middleware outside the
    framework's layers, but these tests watch what the session layer did on its way out.
    """
    s = settings(**options)
    layers = list(default_middleware(s).replace(SessionMiddleware(s, store=store)))
    at = next(i for i, layer in enumerate(layers) if isinstance(layer, SessionMiddleware))
    security = MiddlewareStack([*layers[:at], *outer, *layers[at:]])
    return Bastion(s, routes=ROUTES, security=security)


# -- configuration ---------------------------------------------------------------------------


def test_session_middleware_builds_the_database_store() -> None:
    from bastion.sessions.backends.database import DatabaseSessionStore

    middleware = SessionMiddleware(settings(backend="database"))
    assert isinstance(middleware._store, DatabaseSessionStore)


@pytest.mark.parametrize("name", ["my session", "a;b", "", "__Host-session", "__secure-sid"])
def test_session_middleware_refuses_bad_cookie_name(name: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=r"SESSIONS\.cookie_name"):
        SessionMiddleware(settings(cookie_name=name))


def test_session_middleware_needs_secret_key() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        SessionMiddleware(Settings(DEBUG=True))


def test_session_middleware_repr_names_store() -> None:
    assert repr(SessionMiddleware(settings())) == "<SessionMiddleware store=SignedCookieStore>"
    assert "MemorySessionStore" in repr(SessionMiddleware(settings(backend="memory")))


def test_session_middleware_accepts_custom_store() -> None:
    store = MemorySessionStore(Signer(KEY, salt=ID_SALT))
    client = Client(app_with(store=store))
    client.get("/put")
    assert len(store) == 1
    assert client.get("/show").json() == {"a": "1"}


# -- laziness --------------------------------------------------------------------------------


class Inspect:
    """An outer layer that records what the request parsed in the session layer and inside."""

    def __init__(self) -> None:
        self.parsed: set[str] = set()

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        before = set(vars(request))
        response = call_next(request)
        self.parsed = set(vars(request)) - before
        return response


# Without DEBUG the HTTPS redirect (outside the session layer) has already worked out
# is_secure; with DEBUG nothing has, so that run shows the session layer does not either.
@pytest.mark.parametrize("debug", [False, True])
def test_session_middleware_untouched_session_parses_nothing(debug: bool) -> None:
    inspect = Inspect()
    client = Client(app_with(inspect, debug=debug))
    client.get("/put")
    response = client.get("/untouched")
    assert "cookies" not in inspect.parsed
    assert "is_secure" not in inspect.parsed
    assert response.headers.getlist("Set-Cookie") == []
    assert "Vary" not in response.headers


def test_session_middleware_used_session_parses_cookie() -> None:
    inspect = Inspect()
    client = Client(app_with(inspect))
    client.get("/put")
    client.get("/show")
    assert "cookies" in inspect.parsed


# -- Vary ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([], ["Cookie"]),
        (["Accept-Encoding"], ["Accept-Encoding", "Cookie"]),
        (["Accept, cookie"], ["Accept, cookie"]),
        (["*"], ["*"]),
    ],
)
def test_session_middleware_adds_vary_cookie_once(sent: list[str], expected: list[str]) -> None:
    response = Client(app_with()).get("/vary", query={"v": sent})
    assert response.headers.getlist("Vary") == expected


# -- statuses ------------------------------------------------------------------------------


def test_session_middleware_saves_on_client_errors() -> None:
    client = Client(app_with())
    assert client.get("/put404").status_code == 404
    assert client.get("/show").json() == {"a": "1"}


class Failing:
    """An inner layer that raises after the view used the session."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        call_next(request)
        raise RuntimeError("inner layer failed")


def test_session_middleware_lets_go_when_inner_layer_raises() -> None:
    app = Bastion(settings(), routes=ROUTES, middleware=[Failing()])
    response = Client(app, raise_server_exceptions=False).get("/put")
    assert response.status_code == 500
    assert response.headers.getlist("Set-Cookie") == []


class LateReader:
    """An outer layer that (wrongly) uses the session after the session layer is done."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        response = call_next(request)
        request.session.get("a")  # type: ignore[attr-defined]
        return response


def test_session_middleware_outer_use_after_save_is_an_error() -> None:
    client = Client(app_with(LateReader()))
    with pytest.raises(RuntimeError, match="after the session layer had finished"):
        client.get("/untouched")


# -- working with other layers and responses ---------------------------------------------------


class TokenLayer:
    """An inner layer keeping a value in the session, as CSRF does with ``use_session``."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        session = request.session  # type: ignore[attr-defined]
        if "token" not in session:
            session["token"] = "t0ken"
        response = call_next(request)
        response.headers["X-Token"] = session["token"]
        return response


def test_session_middleware_saves_what_inner_layers_store() -> None:
    app = Bastion(settings(), routes=ROUTES, middleware=[TokenLayer()])
    client = Client(app)
    first = client.get("/untouched")
    assert first.headers["X-Token"] == "t0ken"
    assert NAME in client.cookies
    assert client.get("/show").json() == {"token": "t0ken"}


def login_redirect(request: Request) -> Response:
    request.session.cycle_key()  # type: ignore[attr-defined]
    request.session["user"] = 1  # type: ignore[attr-defined]
    response = RedirectResponse("/show", 303)
    response.set_cookie("theme", "dark")
    return response


def test_session_middleware_keeps_view_cookies_and_redirects() -> None:
    app = Bastion(settings(), routes=[*ROUTES, path("login", login_redirect)])
    client = Client(app)
    response = client.get("/login")
    assert response.status_code == 303
    names = sorted(c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie"))
    assert names == [NAME, "theme"]
    assert client.get("/login", follow=True).json() == {"user": 1}


# -- an unreachable store --------------------------------------------------------------------


class DownCache:
    """A cache whose server is down."""

    def get(self, key: str, *args: Any) -> Any:
        raise CacheUnavailable("redis://cache:6379 did not answer")

    set = delete = get


class FlakyStore(MemorySessionStore):
    """Works until ``down`` is set, then every load fails as an unreachable server would."""

    down = False

    def load(self, request: Request, cookie: str) -> SessionRecord | None:
        if self.down:
            raise SessionUnavailable("redis://cache:6379 did not answer")
        return super().load(request, cookie)


def test_session_middleware_store_down_reads_as_empty_and_keeps_cookie(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = FlakyStore(Signer(KEY, salt=ID_SALT))
    client = Client(app_with(store=store))
    client.get("/put")
    store.down = True
    with caplog.at_level(logging.ERROR, logger="bastion.sessions"):
        response = client.get("/show")
    assert response.json() == {}
    assert response.headers.getlist("Set-Cookie") == []  # the user is back when it returns
    assert "Sessions are unavailable: redis://cache:6379 did not answer" in caplog.text
    store.down = False
    assert client.get("/show").json() == {"a": "1"}


def test_session_middleware_store_down_refuses_changes() -> None:
    store = FlakyStore(Signer(KEY, salt=ID_SALT))
    client = Client(app_with(store=store))
    client.get("/put")
    store.down = True
    with pytest.raises(SessionUnavailable, match="changes are lost"):
        client.get("/put")


@pytest.mark.parametrize("method", ["_get", "_set", "_delete"])
def test_cache_store_translates_cache_unavailable(method: str) -> None:
    store = CacheSessionStore(Signer(KEY, salt=ID_SALT), cache=DownCache())
    request = Request(settings=settings())
    args: dict[str, tuple[Any, ...]] = {
        "_get": ("session:x",),
        "_set": ("session:x", {}, 60),
        "_delete": ("session:x",),
    }
    with pytest.raises(SessionUnavailable, match="did not answer"):
        getattr(store, method)(request, *args[method])


def test_cache_store_uses_application_cache_by_default() -> None:
    class App:
        cache = object()

    store = CacheSessionStore(Signer(KEY, salt=ID_SALT))
    request = Request(settings=settings(), app=App())
    assert store._cache_for(request) is App.cache


def test_session_middleware_with_unreachable_redis_degrades(
    caplog: pytest.LogCaptureFixture,
) -> None:
    s = Settings(
        SECRET_KEY=KEY,
        ALLOWED_HOSTS=["testserver"],
        CACHE_URL="redis://127.0.0.1:1/0",  # nothing listens on port 1
        SESSIONS=SessionConfig(backend="cache"),
    )
    app = Bastion(s, routes=ROUTES)
    client = Client(app)
    client.set_cookie(NAME, Signer(KEY, salt=ID_SALT).sign("a" * 43))
    with caplog.at_level(logging.ERROR, logger="bastion.sessions"):
        response = client.get("/show")
    assert response.json() == {}
    assert response.headers.getlist("Set-Cookie") == []
    assert "Sessions are unavailable: Redis at redis://127.0.0.1:1/0 is unavailable" in caplog.text
    with pytest.raises(SessionUnavailable):
        client.get("/put")
