"""cache_page through a real application and the test client.

A view counts its calls, so a test sees whether an answer came from the cache. The apps have
the framework's default layers; project middleware in some tests does what the session and
CSRF layers do, under the test's control: they change the response after the view returned
(``Vary: Cookie``, a cookie), which the per-view cache must take into account.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Response, StreamingResponse, View, path
from bastion.cache import Cache, CacheUnavailable, cache_page
from bastion.cache.backends.redis import RedisCache
from bastion.cache.page import _Page
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request
from bastion.middleware import HTTPSRedirectMiddleware, default_middleware
from bastion.settings import Settings
from bastion.settings.state import CacheConfig
from bastion.testing import Client
from bastion.viewoptions import get_view_options, view_option

SECRET_KEY = "cache-page-tests-" + secrets.token_urlsafe(48)
Handler = Callable[[Request], Response]


class Counter:
    """A view answering ``text`` (formatted with the request) and counting its calls."""

    def __init__(self, make: Callable[[Request], Response] | None = None) -> None:
        self.calls = 0
        self.make = make or (lambda request: PlainTextResponse(f"page {self.calls}"))

    def __call__(self, request: Request) -> Response:
        self.calls += 1
        return self.make(request)


@pytest.fixture
def build() -> Iterator[Callable[..., Client]]:
    apps: list[Bastion] = []

    def make(
        view: Callable[..., Response],
        *,
        cache_url: str = "locmem://",
        middleware: tuple[Any, ...] = (),
        hosts: tuple[str, ...] = ("testserver",),
        https_redirect: bool = True,
    ) -> Client:
        settings = Settings(
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS=list(hosts),
            CACHE_URL=cache_url,
            CACHE=CacheConfig(key_prefix=f"t{secrets.token_hex(6)}"),
        )
        security = default_middleware(settings)
        if not https_redirect:
            security = security.without(
                HTTPSRedirectMiddleware, reason="plain-HTTP requests must reach the cached view"
            )
        app = Bastion(settings, routes=[path("x", view)], middleware=middleware, security=security)
        apps.append(app)
        return Client(app)

    yield make
    for app in apps:
        if isinstance(app.cache, RedisCache):
            with contextlib.suppress(CacheUnavailable):
                app.cache.clear()  # its own random prefix only
        app.cache.close()


def cache_of(client: Client) -> Cache:
    cache: Cache = client.app.cache  # type: ignore[attr-defined]
    return cache


# -- what is stored and served -----------------------------------------------------------------


@pytest.mark.parametrize("backend", ["locmem", "redis", "memcached"])
def test_get_is_served_from_the_cache(
    build: Callable[..., Client], backend: str, request: pytest.FixtureRequest
) -> None:
    url = "locmem://" if backend == "locmem" else request.getfixturevalue(f"{backend}_url")
    view = Counter()
    client = build(cache_page(60)(view), cache_url=url)
    first = client.get("/x")
    second = client.get("/x")
    assert (first.text, second.text) == ("page 1", "page 1")
    assert view.calls == 1
    assert first.headers["Cache-Control"] == "max-age=60"
    assert second.headers["Cache-Control"] == "max-age=60"
    assert second.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "Age" not in first.headers
    assert int(second.headers["Age"]) in (0, 1)


def test_query_and_host_are_part_of_the_key(build: Callable[..., Client]) -> None:
    view = Counter()
    client = build(cache_page(60)(view), hosts=("testserver", "other.test"))
    assert client.get("/x?a=1").text == "page 1"
    assert client.get("/x?a=2").text == "page 2"
    assert client.get("/x").text == "page 3"
    assert client.get("/x?a=1").text == "page 1"
    assert client.get("/x", headers={"Host": "other.test"}).text == "page 4"
    assert view.calls == 4


def test_scheme_is_part_of_the_key(build: Callable[..., Client]) -> None:
    # Without DEBUG a plain-HTTP request is redirected before it reaches the view; one can
    # still get there (a path in SECURITY.ssl_redirect_exempt, DEBUG), and must not be served
    # the HTTPS page or poison it. The app is built without the redirect so that it does.
    view = Counter()
    client = build(cache_page(60)(view), https_redirect=False)
    assert client.get("/x").text == "page 1"
    assert client.get("http://testserver/x").text == "page 2"
    assert client.get("http://testserver/x").text == "page 2"
    assert client.get("/x").text == "page 1"
    assert view.calls == 2


def test_head_is_answered_from_get_but_does_not_store(build: Callable[..., Client]) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    head = client.head("/x")
    assert head.status_code == 200
    assert head.content == b""
    assert client.get("/x").text == "page 2"  # the HEAD was not stored
    head = client.head("/x")
    assert head.headers["Content-Length"] == str(len("page 2"))
    assert view.calls == 2


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_run_the_view(build: Callable[..., Client], method: str) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    client.get("/x")
    client.request(method, "/x")  # the client sends Sec-Fetch-Site: same-origin, as a browser
    client.request(method, "/x")
    assert view.calls == 3


def test_request_with_authorization_is_neither_served_nor_stored(
    build: Callable[..., Client],
) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    client.get("/x")
    auth = {"Authorization": "Bearer token"}
    assert client.get("/x", headers=auth).text == "page 2"
    assert client.get("/x", headers=auth).text == "page 3"
    assert client.get("/x").text == "page 1"


def test_request_no_cache_is_ignored(build: Callable[..., Client]) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    client.get("/x")
    assert client.get("/x", headers={"Cache-Control": "no-cache"}).text == "page 1"
    assert view.calls == 1


def test_conditional_get_on_a_cached_page(build: Callable[..., Client]) -> None:
    view = Counter(lambda request: PlainTextResponse("tagged", headers={"ETag": '"v1"'}))
    client = build(cache_page(60)(view))
    client.get("/x")
    response = client.get("/x", headers={"If-None-Match": '"v1"'})
    assert response.status_code == 304
    assert view.calls == 1


def test_response_cache_control_is_kept_and_can_shorten(build: Callable[..., Client]) -> None:
    view = Counter(
        lambda request: PlainTextResponse("x", headers={"Cache-Control": "public, max-age=5"})
    )
    client = build(cache_page(60)(view))
    assert client.get("/x").headers["Cache-Control"] == "public, max-age=5"
    assert client.get("/x").headers["Cache-Control"] == "public, max-age=5"
    assert view.calls == 1


def test_entries_keep_the_repeated_headers(build: Callable[..., Client]) -> None:
    def make(request: Request) -> Response:
        response = PlainTextResponse("x")
        response.headers.add("Link", "</a.css>; rel=preload")
        response.headers.add("Link", "</b.js>; rel=preload")
        return response

    client = build(cache_page(60)(Counter(make)))
    client.get("/x")
    assert client.get("/x").headers.getlist("Link") == [
        "</a.css>; rel=preload",
        "</b.js>; rel=preload",
    ]


# -- never stored ------------------------------------------------------------------------------


def _with_header(name: str, value: str) -> Counter:
    return Counter(lambda request: PlainTextResponse("x", headers={name: value}))


@pytest.mark.parametrize(
    "view",
    [
        _with_header("Cache-Control", "private"),
        _with_header("Cache-Control", "Private, max-age=60"),
        _with_header("Cache-Control", "no-store"),
        _with_header("Cache-Control", 'no-cache="Set-Cookie"'),
        _with_header("Cache-Control", "max-age=0"),
        _with_header("Cache-Control", "s-maxage=0, max-age=60"),
        _with_header("Cache-Control", "max-age=soon"),
        _with_header("Vary", "*"),
        _with_header("Vary", "Accept, *"),
        _with_header("Content-Security-Policy", "script-src 'nonce-abc'"),
        _with_header("Content-Security-Policy-Report-Only", "script-src 'nonce-abc'"),
        Counter(lambda request: PlainTextResponse("missing", status=404)),
        Counter(lambda request: PlainTextResponse("created", status=201)),
        Counter(lambda request: StreamingResponse(iter([b"a", b"b"]))),
    ],
    ids=lambda view: "view",
)
def test_responses_that_must_not_be_shared_are_not_stored(
    build: Callable[..., Client], view: Counter
) -> None:
    client = build(cache_page(60)(view))
    client.get("/x")
    client.get("/x")
    assert view.calls == 2


def test_a_nonce_in_a_second_policy_keeps_the_page_out(build: Callable[..., Client]) -> None:
    def make(request: Request) -> Response:
        response = PlainTextResponse("x", headers={"Content-Security-Policy": "sandbox"})
        response.headers.add("Content-Security-Policy", "script-src 'nonce-abc'")
        return response

    view = Counter(make)
    client = build(cache_page(60)(view))
    client.get("/x")
    client.get("/x")
    assert view.calls == 2


def test_response_setting_a_cookie_is_not_stored(build: Callable[..., Client]) -> None:
    def make(request: Request) -> Response:
        response = PlainTextResponse("x")
        response.set_cookie("pref", "dark")
        return response

    view = Counter(make)
    client = build(cache_page(60)(view))
    client.get("/x")
    assert "Cache-Control" not in client.get("/x").headers
    assert view.calls == 2


class SetsCookieAfterView:
    """Like the CSRF layer issuing a secret: a cookie added once the view has returned."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        response = call_next(request)
        if request.query.get("cookie"):
            response.set_cookie("csrftoken", "secret")
        return response


def test_cookie_set_by_middleware_after_the_view_prevents_storing(
    build: Callable[..., Client],
) -> None:
    view = Counter()
    client = build(cache_page(60)(view), middleware=(SetsCookieAfterView(),))
    assert client.get("/x?cookie=1").cookies
    assert client.get("/x?cookie=1").text == "page 2"
    assert view.calls == 2


class NoStoreAfterView:
    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        response = call_next(request)
        response.headers["Cache-Control"] = "no-store"
        return response


def test_no_store_set_by_middleware_prevents_storing(build: Callable[..., Client]) -> None:
    view = Counter()
    client = build(cache_page(60)(view), middleware=(NoStoreAfterView(),))
    client.get("/x")
    client.get("/x")
    assert view.calls == 2


# -- Vary: a page that read the session is only served back to the same cookie ---------------


class SessionLike:
    """Like the session layer: ``Vary: Cookie`` on the way out when the view read it."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        response = call_next(request)
        if request.state.get("session_read"):
            response.headers.add("Vary", "Cookie")
        return response


def _personal(request: Request) -> Response:
    request.state["session_read"] = True
    return PlainTextResponse(f"hello {request.cookies.get('user', 'anonymous')}")


@pytest.mark.parametrize("backend", ["locmem", "redis", "memcached"])
def test_vary_cookie_added_after_the_view_keys_on_the_cookie(
    build: Callable[..., Client], backend: str, request: pytest.FixtureRequest
) -> None:
    url = "locmem://" if backend == "locmem" else request.getfixturevalue(f"{backend}_url")
    view = Counter(_personal)
    client = build(cache_page(60)(view), cache_url=url, middleware=(SessionLike(),))
    alice, bob = {"Cookie": "user=alice"}, {"Cookie": "user=bob"}
    assert client.get("/x", headers=alice).text == "hello alice"
    assert client.get("/x", headers=bob).text == "hello bob"
    assert client.get("/x").text == "hello anonymous"
    hit = client.get("/x", headers=alice)
    assert hit.text == "hello alice"
    assert hit.headers["Vary"] == "Cookie"  # so that caches downstream key on it too
    assert client.get("/x", headers=bob).text == "hello bob"
    assert view.calls == 3


def test_vary_set_by_the_view_keys_on_those_headers(build: Callable[..., Client]) -> None:
    def make(request: Request) -> Response:
        language = request.headers.get("accept-language", "en")
        return PlainTextResponse(f"in {language}", headers={"Vary": "Accept-Language, Cookie"})

    view = Counter(make)
    client = build(cache_page(60)(view))
    fr = {"Accept-Language": "fr", "Cookie": "a=1"}
    assert client.get("/x", headers=fr).text == "in fr"
    assert client.get("/x", headers={"Accept-Language": "de", "Cookie": "a=1"}).text == "in de"
    assert client.get("/x", headers={"Accept-Language": "fr", "Cookie": "a=2"}).text == "in fr"
    assert client.get("/x", headers=fr).text == "in fr"
    assert view.calls == 3


# -- failures ----------------------------------------------------------------------------------


def test_unreachable_cache_runs_the_view_and_warns(
    build: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    view = Counter()
    client = build(cache_page(60)(view), cache_url="redis://127.0.0.1:1/0")
    with caplog.at_level(logging.WARNING, logger="bastion.cache"):
        assert client.get("/x").status_code == 200
        assert client.get("/x").status_code == 200
    assert view.calls == 2
    assert "cache_page answers https://testserver/x uncached: Redis at" in caplog.text


class _Flaky(Cache):
    """A locmem-like cache whose writes fail, once as unreachable, then as a bug."""

    def __init__(self, inner: Cache) -> None:
        super().__init__(CacheConfig())
        self.inner = inner
        self.failures: list[Exception] = []

    def _get(self, key: str) -> Any:
        return self.inner._get(key)

    def _set(self, key: str, data: str, ttl: float | None) -> None:
        raise self.failures.pop(0)

    _add = _delete = _has = _get_many = _set_many = _delete_many = _incr = _touch = None  # type: ignore[assignment]

    def clear(self) -> None:
        pass


def test_store_failures_are_logged_not_raised(
    build: Callable[..., Client], caplog: pytest.LogCaptureFixture
) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    flaky = _Flaky(cache_of(client))
    flaky.failures = [CacheUnavailable("down"), RuntimeError("bug")]
    request = Request(settings=Settings(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS=["testserver"]))
    request.headers = {"host": "testserver"}
    with caplog.at_level(logging.WARNING, logger="bastion.cache"):
        for _ in range(2):
            response = PlainTextResponse("x")
            _Page(flaky, request, "").store_when_closed(response, 60)
            response.close()
    assert "cache_page did not store http://testserver/: down" in caplog.text
    assert "could not store http://testserver/" in caplog.text
    assert "RuntimeError: bug" in caplog.text


@pytest.mark.parametrize(
    "entry",
    [
        "not a dict",
        {"status": 200},
        {"status": "200", "headers": [], "body": "", "time": 0},
        {"status": 200, "headers": [["Bad Name", "v"]], "body": "", "time": 0},
        {"status": 200, "headers": [["A", "b", "c"]], "body": "", "time": 0},
        {"status": 200, "headers": [], "body": "***", "time": 0},
        {"status": 200, "headers": [], "body": "", "time": float("inf")},
        {"status": 200, "headers": [], "body": "", "time": "yesterday"},
    ],
)
def test_malformed_entries_are_misses(
    build: Callable[..., Client], caplog: pytest.LogCaptureFixture, entry: Any
) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    client.get("/x")
    store = cache_of(client)._store  # type: ignore[attr-defined]
    response_keys = [k for k in store if ":page::" in k and ":vary:" not in k]
    assert len(response_keys) == 1
    store[response_keys[0]] = (json.dumps(entry), None)
    with caplog.at_level(logging.WARNING, logger="bastion.cache"):
        assert client.get("/x").text == "page 2"
    assert "malformed" in caplog.text


@pytest.mark.parametrize("names", ["Cookie", [1], {"a": 1}])
def test_malformed_header_list_is_a_miss(build: Callable[..., Client], names: Any) -> None:
    view = Counter()
    client = build(cache_page(60)(view))
    client.get("/x")
    cache = cache_of(client)
    store = cache._store  # type: ignore[attr-defined]
    (names_key,) = [k for k in store if ":vary:" in k]
    store[names_key] = (json.dumps(names), None)
    assert client.get("/x").text == "page 2"


# -- the decorator ------------------------------------------------------------------------------


@pytest.mark.parametrize("timeout", [0, -1, True, 1.5, "60"])
def test_timeout_must_be_a_positive_int(timeout: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="positive int timeout"):
        cache_page(timeout)


@pytest.mark.parametrize("prefix", ["a b", "a:b", "x" * 65, 1, "ü"])
def test_key_prefix_must_be_plain(prefix: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="key_prefix"):
        cache_page(60, key_prefix=prefix)


def test_key_prefix_is_part_of_the_keys(build: Callable[..., Client]) -> None:
    client = build(cache_page(60, key_prefix="blog.v2")(Counter()))
    client.get("/x")
    store = cache_of(client)._store  # type: ignore[attr-defined]
    assert len([k for k in store if ":page:blog.v2:" in k]) == 2


def test_decorated_view_keeps_name_and_options(build: Callable[..., Client]) -> None:
    @cache_page(60)
    @view_option("flag", True)
    def home(request: Request) -> Response:
        """Docs."""
        return PlainTextResponse("home")

    assert home.__name__ == "home"
    assert home.__doc__ == "Docs."
    assert get_view_options(home) == {"flag": True}


def test_class_based_view(build: Callable[..., Client]) -> None:
    calls: list[int] = []

    class Page(View):
        def get(self, request: Request) -> Response:
            calls.append(1)
            return PlainTextResponse("class")

    client = build(cache_page(60)(Page.as_view()))
    assert client.get("/x").text == "class"
    assert client.get("/x").text == "class"
    assert len(calls) == 1


def test_view_called_without_an_application_runs_uncached() -> None:
    view = Counter()
    cached = cache_page(60)(view)
    request = Request(settings=Settings(SECRET_KEY=SECRET_KEY, ALLOWED_HOSTS=["testserver"]))
    cached(request)
    cached(request)
    assert view.calls == 2
