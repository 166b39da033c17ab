"""SecurityHeadersMiddleware: values, validation, per-view overrides, ownership of its headers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, View, path
from bastion.exceptions import ImproperlyConfigured
from bastion.http.request import Request as BareRequest
from bastion.middleware.security_headers import SecurityHeadersMiddleware
from bastion.security.headers import security_headers
from bastion.settings import SecurityConfig, Settings
from bastion.testing import Client
from bastion.types import Handler

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"
ONE_YEAR = 365 * 24 * 3600


def make_app(routes: list[Any], *, middleware: Sequence[Any] = (), **overrides: Any) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], **overrides)
    return Bastion(settings, routes=routes, middleware=middleware)


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


def get(app: Bastion, url: str = "/", **kwargs: Any) -> Any:
    return Client(app, **kwargs).get(url)


def test_defaults_over_https() -> None:
    headers = get(make_app([path("", ok)])).headers
    assert headers["Strict-Transport-Security"] == f"max-age={ONE_YEAR}; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    policy = headers["Permissions-Policy"]
    assert policy.startswith("accelerometer=(), autoplay=(), camera=()")
    assert all(member.endswith("=()") for member in policy.split(", "))


def test_no_hsts_over_plain_http() -> None:
    app = make_app([path("", ok)], SECURITY=SecurityConfig(ssl_redirect=False))
    headers = get(app, base_url="http://testserver").headers
    assert "Strict-Transport-Security" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (SecurityConfig(hsts_seconds=60, hsts_include_subdomains=False), "max-age=60"),
        (SecurityConfig(hsts_seconds=60), "max-age=60; includeSubDomains"),
        (
            SecurityConfig(hsts_preload=True),
            f"max-age={ONE_YEAR}; includeSubDomains; preload",
        ),
        (SecurityConfig(hsts_seconds=0), None),
    ],
)
def test_hsts_value(config: SecurityConfig, expected: str | None) -> None:
    headers = get(make_app([path("", ok)], SECURITY=config)).headers
    assert headers.get("Strict-Transport-Security") == expected


@pytest.mark.parametrize(
    "config",
    [
        SecurityConfig(hsts_preload=True, hsts_include_subdomains=False),
        SecurityConfig(hsts_preload=True, hsts_seconds=ONE_YEAR - 1),
    ],
)
def test_preload_needs_subdomains_and_a_year(config: SecurityConfig) -> None:
    with pytest.raises(ImproperlyConfigured, match="preload list"):
        SecurityHeadersMiddleware(Settings(SECURITY=config))


def test_empty_values_omit_headers() -> None:
    config = SecurityConfig(
        content_type_nosniff=False,
        referrer_policy="",
        cross_origin_opener_policy="",
        cross_origin_resource_policy="",
        permissions_policy={},
        hsts_seconds=0,
    )
    headers = get(make_app([path("", ok)], SECURITY=config)).headers
    for name in (
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Cross-Origin-Resource-Policy",
        "Permissions-Policy",
        "Strict-Transport-Security",
    ):
        assert name not in headers


def test_referrer_policy_may_list_fallbacks() -> None:
    config = SecurityConfig(referrer_policy="no-referrer, strict-origin-when-cross-origin")
    headers = get(make_app([path("", ok)], SECURITY=config)).headers
    assert headers["Referrer-Policy"] == "no-referrer, strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("referrer_policy", "always"),
        ("referrer_policy", "same-origin, nope"),
        ("cross_origin_opener_policy", "same-site"),
        ("cross_origin_resource_policy", "same-origin-allow-popups"),
        ("permissions_policy", {"Camera": ()}),
        ("permissions_policy", {"camera": "self"}),
        ("permissions_policy", {"camera": ("javascript:alert(1)",)}),
        ("permissions_policy", {"camera": ('"https://a.example"',)}),
        ("permissions_policy", {"camera": (None,)}),
        ("permissions_policy", {"camera": ([],)}),
    ],
)
def test_invalid_values_refuse_to_start(field: str, value: Any) -> None:
    with pytest.raises(ImproperlyConfigured):
        SecurityHeadersMiddleware(Settings(SECURITY=SecurityConfig(**{field: value})))


def test_permissions_policy_allow_lists() -> None:
    features = {
        "camera": ("self", "https://a.example"),
        "fullscreen": ("'self'",),
        "geolocation": ("*",),
        "usb": ("src",),
        "payment": ("https://*.pay.example:8443",),
    }
    config = SecurityConfig(permissions_policy=features)
    headers = get(make_app([path("", ok)], SECURITY=config)).headers
    assert headers["Permissions-Policy"] == (
        'camera=(self "https://a.example"), fullscreen=(self), geolocation=*, usb=(src), '
        'payment=("https://*.pay.example:8443")'
    )


def sloppy(request: Request) -> Response:
    response = PlainTextResponse("sloppy")
    response.headers["Referrer-Policy"] = "unsafe-url"
    response.headers.add("x-content-type-options", "sniff-please")
    response.headers.add("Strict-Transport-Security", "max-age=0")
    response.headers["X-Other"] = "kept"
    return response


def test_a_view_value_is_replaced_not_doubled() -> None:
    headers = get(make_app([path("", sloppy)])).headers
    assert headers.getlist("Referrer-Policy") == ["same-origin"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]
    assert headers.getlist("Strict-Transport-Security") == [
        f"max-age={ONE_YEAR}; includeSubDomains"
    ]
    assert headers["X-Other"] == "kept"


@security_headers(
    referrer_policy="no-referrer",
    cross_origin_opener_policy="",
    cross_origin_resource_policy="cross-origin",
    permissions_policy={"camera": ("self",)},
)
def embeddable(request: Request) -> Response:
    return PlainTextResponse("img")


@security_headers(referrer_policy="strict-origin")
@security_headers(cross_origin_resource_policy="same-site", referrer_policy="origin")
def stacked(request: Request) -> Response:
    return PlainTextResponse("stacked")


@security_headers(referrer_policy="no-referrer")
class Widget(View):
    def get(self, request: Request) -> Response:
        return PlainTextResponse("widget")


def test_security_headers_decorator_overrides_per_view() -> None:
    app = make_app(
        [
            path("", ok),
            path("img", embeddable),
            path("stacked", stacked),
            path("widget", Widget.as_view()),
        ]
    )
    client = Client(app)
    for _ in range(2):  # the second response comes from the per-view cache
        headers = client.get("/img").headers
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Cross-Origin-Opener-Policy" not in headers
        assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "camera=(self)" in headers["Permissions-Policy"]
        assert "microphone=()" in headers["Permissions-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    stacked_headers = client.get("/stacked").headers
    assert stacked_headers["Referrer-Policy"] == "strict-origin"  # the outer decorator wins
    assert stacked_headers["Cross-Origin-Resource-Policy"] == "same-site"
    assert client.get("/widget").headers["Referrer-Policy"] == "no-referrer"
    plain = client.get("/").headers
    assert plain["Referrer-Policy"] == "same-origin"
    assert "camera=()" in plain["Permissions-Policy"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"referrer_policy": "everything"},
        {"cross_origin_opener_policy": "nope"},
        {"cross_origin_resource_policy": "anyone"},
        {"permissions_policy": {"camera": ("http://",)}},
    ],
)
def test_security_headers_decorator_checks_values_at_once(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ImproperlyConfigured):
        security_headers(**kwargs)


class Explode:
    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        raise RuntimeError("the session store is down")


def test_an_inner_middleware_error_still_gets_the_headers() -> None:
    app = make_app([path("", ok)], middleware=[Explode()])
    response = Client(app, raise_server_exceptions=False).get("/")
    assert response.status_code == 500
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_layer_called_without_an_application_lets_errors_through() -> None:
    layer = SecurityHeadersMiddleware(Settings())

    def fail(request: Request) -> Response:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        layer(BareRequest(settings=Settings()), fail)
