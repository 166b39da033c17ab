"""HTTPSRedirectMiddleware: when it redirects, where to, and whose word it takes for HTTPS."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, path
from bastion.exceptions import ImproperlyConfigured
from bastion.middleware.https import HTTPSRedirectMiddleware
from bastion.settings import ProxyConfig, SecurityConfig, Settings
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"


def echo(request: Request, **params: Any) -> Response:
    return PlainTextResponse(f"{request.method} {request.full_path}")


ROUTES = [path("", echo), path("<path:rest>", echo)]


def make_app(**overrides: Any) -> Bastion:
    overrides.setdefault("ALLOWED_HOSTS", ["testserver"])
    return Bastion(Settings(SECRET_KEY=KEY, **overrides), routes=ROUTES)


def plain(app: Bastion, **kwargs: Any) -> Client:
    return Client(app, base_url=kwargs.pop("base_url", "http://testserver"), **kwargs)


def test_plain_http_is_redirected_with_308_keeping_path_and_query() -> None:
    response = plain(make_app()).get("/a/b%20c/?x=1&y=%2F")
    assert response.status_code == 308
    assert response.headers["Location"] == "https://testserver/a/b%20c/?x=1&y=%2F"


def test_a_post_is_redirected_with_its_method_kept() -> None:
    client = plain(make_app())
    response = client.post("/form", data={"a": "1"})
    assert response.status_code == 308
    followed = client.post("/form", data={"a": "1"}, follow=True)
    assert followed.text == "POST /form"
    assert followed.url.startswith("https://")


def test_https_requests_pass() -> None:
    assert Client(make_app()).get("/x").text == "GET /x"


def test_the_mount_point_is_kept() -> None:
    response = plain(make_app(), base_url="http://testserver/app").get("/x")
    assert response.headers["Location"] == "https://testserver/app/x"


@pytest.mark.parametrize(
    ("host", "allowed", "location"),
    [
        ("testserver:8080", "testserver", "https://testserver/x"),
        ("[::1]:8000", "[::1]", "https://[::1]/x"),
        ("[::1]", "[::1]", "https://[::1]/x"),
        ("TestServer", "testserver", "https://testserver/x"),
    ],
)
def test_the_target_is_the_validated_host_without_its_port(
    host: str, allowed: str, location: str
) -> None:
    response = plain(make_app(ALLOWED_HOSTS=[allowed])).get("/x", headers={"Host": host})
    assert response.headers["Location"] == location


def test_a_disallowed_host_is_refused_not_redirected() -> None:
    response = plain(make_app(), raise_server_exceptions=False).get(
        "/x", headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_exempt_prefixes_are_served_over_http() -> None:
    app = make_app(SECURITY=SecurityConfig(ssl_redirect_exempt=("/healthz",)))
    client = plain(app)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/deep").status_code == 200
    assert client.get("/health").status_code == 308


def test_an_exempt_prefix_must_be_a_path() -> None:
    with pytest.raises(ImproperlyConfigured, match="starting with '/'"):
        HTTPSRedirectMiddleware(Settings(SECURITY=SecurityConfig(ssl_redirect_exempt=("h",))))


@pytest.mark.parametrize(
    ("debug", "setting", "redirects"),
    [
        (False, None, True),
        (True, None, False),
        (True, True, True),
        (False, False, False),
    ],
)
def test_on_unless_debug_by_default(debug: bool, setting: bool | None, redirects: bool) -> None:
    app = make_app(DEBUG=debug, SECURITY=SecurityConfig(ssl_redirect=setting))
    assert (plain(app).get("/x").status_code == 308) is redirects


PROXY = ProxyConfig(trusted_hops=1, trusted_addresses=("10.0.0.0/8",))


@pytest.mark.parametrize(
    ("proxy", "peer", "proto", "redirects"),
    [
        (ProxyConfig(), "127.0.0.1", "https", True),  # no proxy configured: header ignored
        (PROXY, "203.0.113.9", "https", True),  # not a trusted peer
        (PROXY, "10.1.2.3", "https", False),  # the trusted proxy says HTTPS
        (PROXY, "10.1.2.3", "http", True),
        (PROXY, "10.1.2.3", None, True),
        (ProxyConfig(trusted_hops=1, trust_forwarded_proto=False), "127.0.0.1", "https", True),
    ],
)
def test_forwarded_proto_is_believed_from_a_trusted_proxy_only(
    proxy: ProxyConfig, peer: str, proto: str | None, redirects: bool
) -> None:
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    response = plain(make_app(PROXY=proxy)).get(
        "/x", headers=headers, environ={"REMOTE_ADDR": peer}
    )
    assert (response.status_code == 308) is redirects
