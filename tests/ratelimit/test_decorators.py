"""@ratelimit and @ratelimit_exempt on real applications, with each real storage."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bastion import PlainTextResponse, Request, Response, View, path
from bastion.exceptions import ImproperlyConfigured
from bastion.ratelimit import ratelimit, ratelimit_exempt
from bastion.testing import Client
from bastion.types import Handler
from bastion.viewoptions import get_view_options

from .conftest import UNREACHABLE, AppMaker, SettingsMaker


@ratelimit("2/minute")
def limited(request: Request) -> Response:
    return PlainTextResponse("limited")


@ratelimit("2/minute")
def sibling(request: Request) -> Response:
    return PlainTextResponse("sibling")


@ratelimit("1/minute", scope="shared")
def shared_a(request: Request) -> Response:
    return PlainTextResponse("a")


@ratelimit("1/minute", scope="shared")
def shared_b(request: Request) -> Response:
    return PlainTextResponse("b")


@ratelimit("1/minute", methods=["post"])
def login(request: Request) -> Response:
    return PlainTextResponse("login")


@ratelimit("1/minute", key="user")
def by_user(request: Request) -> Response:
    return PlainTextResponse("user")


@ratelimit("1/minute", key=lambda request: request.query.get("account"))
def by_account(request: Request) -> Response:
    return PlainTextResponse("account")


@ratelimit("1/minute", strategy="moving-window")
def moving(request: Request) -> Response:
    return PlainTextResponse("moving")


@ratelimit("1/minute", fail_open=True)
def lenient(request: Request) -> Response:
    return PlainTextResponse("lenient")


@ratelimit("1/minute", methods=["POST"])
class Login(View):
    def get(self, request: Request) -> Response:
        return PlainTextResponse("form")

    def post(self, request: Request) -> Response:
        return PlainTextResponse("posted")


class AdminLogin(Login):
    pass


@ratelimit("1/minute")
def not_a_response(request: Request) -> Any:
    return "oops"


@ratelimit_exempt(reason="load balancer probe")
@ratelimit("1/minute")
def probe(request: Request) -> Response:
    return PlainTextResponse("probe")


ROUTES = [
    path("limited", limited),
    path("sibling", sibling),
    path("a", shared_a),
    path("b", shared_b),
    path("login", login, methods=["GET", "POST"]),
    path("user", by_user),
    path("account", by_account),
    path("moving", moving),
    path("lenient", lenient),
    path("class-login", Login.as_view(), methods=["GET", "POST"]),
    path("admin-login", AdminLogin.as_view(), methods=["GET", "POST"]),
    path("broken", not_a_response),
    path("probe", probe),
]


@pytest.fixture
def client(make_app: AppMaker, settings_for: SettingsMaker, storage_url: str) -> Client:
    return Client(make_app(settings_for(storage_url), ROUTES))


def statuses(client: Client, url: str, n: int, **options: Any) -> list[int]:
    return [client.get(url, **options).status_code for _ in range(n)]


def test_ratelimit_function_view_answers_429_over_limit(client: Client) -> None:
    assert statuses(client, "/limited", 3) == [200, 200, 429]


def test_ratelimit_adds_headers_to_allowed_responses(client: Client) -> None:
    response = client.get("/limited")
    assert response.headers["RateLimit-Limit"] == "2"
    assert response.headers["RateLimit-Remaining"] == "1"
    assert 58 <= int(response.headers["RateLimit-Reset"]) <= 60


def test_ratelimit_429_page(client: Client) -> None:
    statuses(client, "/limited", 2)
    response = client.get("/limited")
    assert response.status_code == 429
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert response.headers["RateLimit-Remaining"] == "0"
    assert response.headers["RateLimit-Limit"] == "2"
    assert "429 Too Many Requests" in response.text
    assert f"Try again in {retry_after} seconds" in response.text


def test_ratelimit_429_as_json(client: Client) -> None:
    statuses(client, "/limited", 2)
    response = client.get("/limited", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert response.json()["error"]["status"] == 429


def test_ratelimit_scope_defaults_to_the_view(client: Client) -> None:
    assert statuses(client, "/limited", 3) == [200, 200, 429]
    assert statuses(client, "/sibling", 2) == [200, 200]


def test_ratelimit_explicit_scope_shares_budget(client: Client) -> None:
    assert client.get("/a").status_code == 200
    assert client.get("/b").status_code == 429


def test_ratelimit_counts_only_given_methods(client: Client) -> None:
    assert statuses(client, "/login", 3) == [200, 200, 200]
    assert "RateLimit-Limit" not in client.get("/login").headers
    assert [client.post("/login").status_code for _ in range(2)] == [200, 429]


def test_ratelimit_view_class(client: Client) -> None:
    assert statuses(client, "/class-login", 2) == [200, 200]
    assert [client.post("/class-login").status_code for _ in range(2)] == [200, 429]
    # A subclass is another view with its own budget.
    assert client.post("/admin-login").status_code == 200


def test_ratelimit_by_client_address(client: Client) -> None:
    assert client.get("/limited", environ={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    assert client.get("/limited", environ={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    assert client.get("/limited", environ={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    assert client.get("/limited", environ={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_ratelimit_key_user_anonymous_falls_back_to_address(client: Client) -> None:
    assert statuses(client, "/user", 2) == [200, 429]
    assert client.get("/user", environ={"REMOTE_ADDR": "198.51.100.3"}).status_code == 200


def test_ratelimit_key_function(client: Client) -> None:
    assert client.get("/account", query={"account": "alice"}).status_code == 200
    assert client.get("/account", query={"account": "alice"}).status_code == 429
    assert client.get("/account", query={"account": "bob"}).status_code == 200
    # No account: counted by address, not left unlimited.
    assert statuses(client, "/account", 2) == [200, 429]


def test_ratelimit_moving_window_view(
    make_app: AppMaker, settings_for: SettingsMaker, moving_storage_url: str
) -> None:
    client = Client(make_app(settings_for(moving_storage_url), ROUTES))
    assert statuses(client, "/moving", 2) == [200, 429]


def test_ratelimit_headers_off(make_app: AppMaker, settings_for: SettingsMaker) -> None:
    client = Client(make_app(settings_for("memory://", headers=False), ROUTES))
    allowed = client.get("/limited")
    assert not [name for name in allowed.headers if name.lower().startswith("ratelimit")]
    client.get("/limited")
    refused = client.get("/limited")
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert "RateLimit-Limit" not in refused.headers


def test_ratelimit_non_response_still_reported_by_dispatcher(client: Client) -> None:
    with pytest.raises(TypeError, match="returned str instead of a Response"):
        client.get("/broken")


def test_ratelimit_exempt_does_not_lift_view_limits(client: Client) -> None:
    assert statuses(client, "/probe", 2) == [200, 429]
    assert get_view_options(probe)["ratelimit_exempt"] == "load balancer probe"


@pytest.mark.parametrize("service", ["redis", "memcached"])
def test_ratelimit_storage_down_fails_closed(
    make_app: AppMaker,
    settings_for: SettingsMaker,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    client = Client(make_app(settings_for(UNREACHABLE[service]), ROUTES))
    with caplog.at_level(logging.ERROR, logger="bastion.ratelimit"):
        response = client.get("/limited")
    assert response.status_code == 503
    assert "Service Unavailable" in response.text
    assert "RateLimit-Limit" not in response.headers
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert "refused with 503" in record.getMessage()
    assert "limited" in record.getMessage()


def test_ratelimit_storage_down_fail_open(
    make_app: AppMaker, settings_for: SettingsMaker, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(make_app(settings_for(UNREACHABLE["redis"]), ROUTES))
    with caplog.at_level(logging.ERROR, logger="bastion.ratelimit"):
        response = client.get("/lenient")
    assert response.status_code == 200
    assert "RateLimit-Limit" not in response.headers
    assert "allowed (fail_open)" in caplog.records[0].getMessage()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("5/fortnight",), {}, "is not a rate limit"),
        (([],), {}, "No rate limit given"),
        (("5/minute",), {"key": "session"}, "is not a key"),
        (("5/minute",), {"methods": "POST"}, "list of method names"),
        (("5/minute",), {"methods": []}, "would count nothing"),
        (("5/minute",), {"scope": " "}, "non-empty string"),
        (("5/minute",), {"strategy": "token-bucket"}, "unknown"),
    ],
)
def test_ratelimit_validates_at_decoration(
    args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        ratelimit(*args, **kwargs)


def test_ratelimit_refuses_class_without_dispatch() -> None:
    with pytest.raises(ImproperlyConfigured, match="no dispatch"):

        @ratelimit("1/minute")
        class NotAView:
            pass


def test_ratelimit_keeps_view_metadata() -> None:
    assert limited.__name__ == "limited"
    assert limited.__qualname__ == "limited"
    assert Login.dispatch.__name__ == "dispatch"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_ratelimit_exempt_requires_reason(reason: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="needs a reason"):
        ratelimit_exempt(reason=reason)


def test_ratelimit_exempt_on_view_class() -> None:
    @ratelimit_exempt(reason="webhook from provider")
    class Hook(View):
        def post(self, request: Request) -> Response:
            return PlainTextResponse("ok")

    assert get_view_options(Hook.as_view())["ratelimit_exempt"] == "webhook from provider"


class FakeAuth:
    """Stands in for the auth middleware: ``request.user`` from an ``X-User`` header."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        name = request.headers.get("x-user")
        if name is not None:
            request.user = _User(pk=name)  # type: ignore[attr-defined]
        return call_next(request)


class _User:
    is_authenticated = True

    def __init__(self, pk: str) -> None:
        self.pk = pk


def test_ratelimit_key_user_counts_authenticated_users_apart(
    make_app: AppMaker, settings_for: SettingsMaker, storage_url: str
) -> None:
    client = Client(make_app(settings_for(storage_url), ROUTES, middleware=[FakeAuth()]))
    assert client.get("/user", headers={"X-User": "1"}).status_code == 200
    assert client.get("/user", headers={"X-User": "1"}).status_code == 429
    # Same address, another account: its own budget; and the address budget is untouched.
    assert client.get("/user", headers={"X-User": "2"}).status_code == 200
    assert client.get("/user").status_code == 200
