"""ClickjackingMiddleware: X-Frame-Options from settings and decorators, in step with the CSP."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import Bastion, PlainTextResponse, Request, Response, View, path
from bastion.middleware import CSPMiddleware, default_middleware
from bastion.middleware.clickjacking import frame_ancestors
from bastion.security.headers import (
    xframe_options_deny,
    xframe_options_exempt,
    xframe_options_sameorigin,
)
from bastion.settings import SecurityConfig, Settings
from bastion.testing import Client

KEY = "q8Zr2LmV7xKp4TnW9cYb3HdJ6fGs1RaE5uQo0iMl8NvBwXyCtPkSj"


def ok(request: Request) -> Response:
    return PlainTextResponse("ok")


@xframe_options_sameorigin
def same(request: Request) -> Response:
    return PlainTextResponse("same")


@xframe_options_deny
def deny(request: Request) -> Response:
    return PlainTextResponse("deny")


@xframe_options_exempt(reason="embedded by partner sites")
def widget(request: Request) -> Response:
    response = PlainTextResponse("widget")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # the view's own choice is kept
    return response


@xframe_options_sameorigin
class Panel(View):
    def get(self, request: Request) -> Response:
        return PlainTextResponse("panel")


ROUTES = [
    path("", ok),
    path("same", same),
    path("deny", deny),
    path("widget", widget),
    path("panel", Panel.as_view()),
]


def make_app(**overrides: Any) -> Bastion:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"], **overrides)
    return Bastion(settings, routes=ROUTES)


def frame_headers(app: Bastion, url: str) -> tuple[list[str], str | None]:
    headers = Client(app).get(url).headers
    ancestors = [
        d.strip() for d in headers["Content-Security-Policy"].split(";") if "frame-ancestors" in d
    ]
    return headers.getlist("X-Frame-Options"), ancestors[0] if ancestors else None


@pytest.mark.parametrize(
    ("setting", "url", "xfo", "ancestors"),
    [
        ("DENY", "/", ["DENY"], "frame-ancestors 'none'"),
        ("DENY", "/same", ["SAMEORIGIN"], "frame-ancestors 'self'"),
        ("DENY", "/panel", ["SAMEORIGIN"], "frame-ancestors 'self'"),
        ("DENY", "/deny", ["DENY"], "frame-ancestors 'none'"),
        ("DENY", "/widget", ["SAMEORIGIN"], None),
        ("SAMEORIGIN", "/", ["SAMEORIGIN"], "frame-ancestors 'self'"),
        ("sameorigin", "/", ["SAMEORIGIN"], "frame-ancestors 'self'"),
        ("SAMEORIGIN", "/deny", ["DENY"], "frame-ancestors 'none'"),
        ("SAMEORIGIN", "/widget", ["SAMEORIGIN"], None),
    ],
)
def test_frame_options_and_frame_ancestors_agree(
    setting: str, url: str, xfo: list[str], ancestors: str | None
) -> None:
    app = make_app(SECURITY=SecurityConfig(x_frame_options=setting))
    assert frame_headers(app, url) == (xfo, ancestors)


def test_frame_ancestors_for_each_mode() -> None:
    assert frame_ancestors("DENY") == ("'none'",)
    assert frame_ancestors("SAMEORIGIN") == ("'self'",)
    assert frame_ancestors("EXEMPT") is None


@pytest.mark.parametrize("reason", ["", "   "])
def test_exempt_needs_a_reason(reason: str) -> None:
    with pytest.raises(TypeError, match="needs a reason"):
        xframe_options_exempt(reason=reason)


def test_exempt_used_bare_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a reason"):
        xframe_options_exempt(ok)  # type: ignore[arg-type]


def test_without_the_csp_layer_x_frame_options_is_still_sent() -> None:
    settings = Settings(SECRET_KEY=KEY, ALLOWED_HOSTS=["testserver"])
    security = default_middleware(settings).without(
        CSPMiddleware, reason="shows that X-Frame-Options does not depend on the CSP layer"
    )
    app = Bastion(settings, routes=ROUTES, security=security)
    response = Client(app).get("/")
    assert response.headers.getlist("X-Frame-Options") == ["DENY"]
    assert "Content-Security-Policy" not in response.headers
